"""Housekeeping: old ticks pruned (whole day partitions dropped on PostgreSQL, batched deletes
elsewhere), and the tick partitions kept ahead (``market/partitioning.py``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError
from django.utils import timezone

from market import partitioning
from market.models import (
    Tick,
)

logger = logging.getLogger(__name__)


def ticks_prune(*, before: datetime | None = None, batch_size: int = 10_000) -> int:
    """Remove ticks older than ``before`` (default: now - ``TICK_RETENTION_DAYS``). Bars are kept.
    Returns the number removed.

    On a partitioned PostgreSQL table, every day partition that ends by the cut-off is detached and
    dropped (no row-by-row delete, no bloat, no vacuum); what is left before the cut-off -- the
    start of the partition holding it (the small hours, no trading at the nightly run) and any rows
    the default partition caught -- goes like everywhere else: deleted in batches so that no single
    statement holds locks for long."""
    cutoff = before or timezone.now() - timedelta(days=settings.TICK_RETENTION_DAYS)
    removed = 0
    if partitioning.is_partitioned(connection):
        removed += partitioning.partitions_drop_before(connection, cutoff=cutoff)
    while True:
        ids = list(
            Tick.objects.filter(time__lt=cutoff)
            .order_by()
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            break
        count, _ = Tick.objects.filter(id__in=ids, time__lt=cutoff).delete()
        removed += count
    if removed:
        logger.info("pruned %d ticks older than %s", removed, cutoff.isoformat())
    return removed


@dataclass
class PartitionReport:
    created: list[date] = field(default_factory=list)
    moved_from_default: dict[date, int] = field(default_factory=dict)
    partitioned: bool = True


def tick_partitions_maintain(
    *, now: datetime | None = None, days_ahead: int | None = None
) -> PartitionReport:
    """On PostgreSQL: move any rows the default partition caught into day partitions (an error is
    logged: an alert), then create the partitions from today to ``days_ahead`` days ahead (default
    ``TICK_PARTITION_DAYS_AHEAD``). Idempotent; a no-op on SQLite."""
    if not partitioning.is_partitioned(connection):
        return PartitionReport(partitioned=False)
    ahead = settings.TICK_PARTITION_DAYS_AHEAD if days_ahead is None else days_ahead
    today = partitioning.market_day(now or timezone.now())
    try:
        moved = partitioning.default_partition_drain(connection)
    except OperationalError as exc:  # lock timeout: the rows stay caught, the next run retries
        logger.error("ticks in %s not moved (will retry): %s", partitioning.DEFAULT_PARTITION, exc)
        moved = {}
    created = partitioning.partitions_ensure(
        connection, first=today, last=today + timedelta(days=ahead)
    )
    return PartitionReport(created=sorted({*created, *moved}), moved_from_default=moved)
