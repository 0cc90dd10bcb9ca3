"""Writes of the market app: instruments, quotes, ticks and bars.

Every function is idempotent (unique keys and upserts; rows whose values did not change are not
written again, so running anything twice changes nothing) and writes in batches with
``bulk_create(update_conflicts=True)`` (an ``INSERT ... ON CONFLICT DO UPDATE`` on PostgreSQL and
SQLite), never row by row.

Quote ingestion (``quotes_ingest``) is the heart of the live feed. For each price-board snapshot:

1. validate it (``market.providers.validation``): NaN, zero or negative prices, prices off the tick
   grid or outside the band, unknown symbols, snapshots older than the stored quote and
   accumulated volumes that go down within a day are rejected, counted and logged, never stored;
2. a snapshot whose ``as_of`` equals the stored quote's is a repeat: skipped (counted unchanged);
3. the accumulated-volume difference against the stored quote is the volume traded since the last
   poll and becomes one Tick (price = last, time = ``as_of``, ``seq`` = the symbol's last seq + 1,
   side by the tick rule: above the previous price = buy, below = sell). A snapshot from a later
   trading day than the stored quote starts from zero (the exchange resets the accumulated volume);
   the very first quote of a symbol is a baseline and makes no tick (its volume may span hours);
4. the Quote rows are upserted, the ticks inserted and the 1m bars they touch rebuilt from the
   stored ticks, all in one transaction that locks the instruments' rows (concurrent polls queue);
5. on commit the new ticks, with the stored quotes' board fields (``market.board.board_quote``),
   go out through ``realtime.broadcast.publish_ticks`` and ``market.signals.quotes_updated`` is
   sent.

The package, by job: ``instruments`` (the listing and groups), ``quotes`` (quote ingestion, ticks,
the refresh of a few symbols), ``bars`` (bar upserts, 1m bars from ticks, aggregation, the daily
close), ``history`` (daily history windows, storing and backfilling), ``housekeeping`` (tick
pruning) and ``common`` (what they share). Import from ``market.services``: it re-exports what the
rest of the code uses.
"""

from __future__ import annotations

from market.services.bars import bar_upsert, bars_aggregate, bars_close_daily, minute_bars_rebuild
from market.services.common import BATCH_SIZE
from market.services.history import (
    HistoryResult,
    history_backfill_symbol,
    history_last_complete_day,
    history_store,
    history_window,
    symbols_expand,
)
from market.services.housekeeping import PartitionReport, tick_partitions_maintain, ticks_prune
from market.services.instruments import SyncResult, instrument_sync
from market.services.quotes import (
    REFRESH_MAX,
    SEEN_SECONDS,
    IngestResult,
    quote_seen_key,
    quotes_ingest,
    quotes_mark_seen,
    quotes_refresh,
)

__all__ = [
    "BATCH_SIZE",
    "REFRESH_MAX",
    "SEEN_SECONDS",
    "HistoryResult",
    "IngestResult",
    "PartitionReport",
    "SyncResult",
    "bar_upsert",
    "bars_aggregate",
    "bars_close_daily",
    "history_backfill_symbol",
    "history_last_complete_day",
    "history_store",
    "history_window",
    "instrument_sync",
    "minute_bars_rebuild",
    "quote_seen_key",
    "quotes_ingest",
    "quotes_mark_seen",
    "quotes_refresh",
    "symbols_expand",
    "tick_partitions_maintain",
    "ticks_prune",
]
