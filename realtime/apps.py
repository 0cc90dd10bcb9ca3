from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = "Realtime"

    def ready(self) -> None:
        # Price alerts are evaluated on every committed quote poll and pushed to the owner's streams.
        from market.signals import quotes_updated
        from portfolio.alerts import on_quotes_updated

        quotes_updated.connect(on_quotes_updated, dispatch_uid="portfolio.alerts.quotes_updated")
