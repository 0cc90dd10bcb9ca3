"""Housekeeping: old ticks pruned in batches."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from market.models import (
    Tick,
)

logger = logging.getLogger(__name__)


def ticks_prune(*, before: datetime | None = None, batch_size: int = 10_000) -> int:
    """Delete ticks older than ``before`` (default: now - ``TICK_RETENTION_DAYS``) in batches so that
    no single statement holds locks for long. Bars are kept. Returns the number deleted."""
    cutoff = before or timezone.now() - timedelta(days=settings.TICK_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            Tick.objects.filter(time__lt=cutoff)
            .order_by()
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            break
        count, _ = Tick.objects.filter(id__in=ids).delete()
        deleted += count
    if deleted:
        logger.info("pruned %d ticks older than %s", deleted, cutoff.isoformat())
    return deleted
