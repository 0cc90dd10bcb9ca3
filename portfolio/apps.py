from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Portfolios"

    def ready(self) -> None:
        from market.signals import daily_close_updated
        from portfolio.snapshot_cache import on_daily_close_updated
        from portfolio_site.model_labels import translate_labels

        translate_labels(self)  # the admin in the staff user's language

        daily_close_updated.connect(
            on_daily_close_updated, dispatch_uid="portfolio.snapshot_cache.daily_close"
        )
        # Every process (web, worker, admin, shell) drops a cached API user it saves or deletes.
        from portfolio_site import user_cache

        user_cache.connect()

        from django.db.models.signals import post_save

        from market.models import CorporateEvent
        from portfolio.services.entitlement_jobs import on_corporate_event_saved

        post_save.connect(
            on_corporate_event_saved,
            sender=CorporateEvent,
            dispatch_uid="portfolio.entitlements.event_saved",
        )
