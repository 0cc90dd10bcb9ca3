from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "market"
    verbose_name = "Market data"

    def ready(self) -> None:
        # Make the project's Celery app the current app in every process that sends tasks.
        import portfolio_site.celery  # noqa: F401
        from portfolio_site.model_labels import translate_labels

        translate_labels(self)  # the admin in the staff user's language
