"""Celery tasks of the portfolio app (thin: call a service)."""

from __future__ import annotations

from celery import shared_task

from portfolio.idempotency import idempotency_keys_purge


@shared_task(name="portfolio.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Delete Idempotency-Key records past their 24-hour lifetime (idempotent; run hourly)."""
    return idempotency_keys_purge()
