"""Celery tasks of the portfolio app (thin: call a service)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from portfolio.idempotency import idempotency_keys_purge


@shared_task(name="portfolio.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Delete Idempotency-Key records past their 24-hour lifetime (idempotent; run hourly)."""
    return idempotency_keys_purge()


@shared_task(name="portfolio.entitlements_daily", ignore_result=True)
def entitlements_daily() -> dict[str, Any]:
    """Recompute recent events' entitlements and auto-apply the due ones (idempotent; daily)."""
    from portfolio.services.entitlement_jobs import entitlements_daily as run

    return run()


@shared_task(name="portfolio.entitlements_sync_event", ignore_result=True)
def entitlements_sync_event(event_id: int) -> int:
    """Recompute one event's entitlements after it was created, corrected or cancelled."""
    from market.models import CorporateEvent
    from portfolio.services.entitlements import entitlements_sync_event as run

    event = CorporateEvent.objects.filter(pk=event_id).select_related("instrument").first()
    return run(event=event) if event is not None else 0
