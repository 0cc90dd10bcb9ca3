from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "market"
    verbose_name = "Market data"

    def ready(self) -> None:
        # Make the project's Celery app the current app in every process that sends tasks.
        import portfolio_site.celery  # noqa: F401
