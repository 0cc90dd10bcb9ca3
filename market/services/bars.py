"""OHLC bars: upserts, 1m bars rebuilt from stored ticks, aggregation, the daily close."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

import orjson
from django.db import connection, transaction
from django.utils import timezone

from market import aggregation
from market.calendar import (
    vn_midnight_utc,
)
from market.models import (
    Bar,
    BarInterval,
    Instrument,
    Quote,
    Tick,
)
from market.services.common import BATCH_SIZE, send_signal
from market.signals import daily_close_updated

logger = logging.getLogger(__name__)

_BAR_FIELDS = ("open", "high", "low", "close", "volume", "value", "source")


def bar_upsert(*, interval: str, rows: Sequence[Bar]) -> list[Bar]:
    """Write ``rows`` (one interval) whose values differ from the stored ones; return those."""
    if not rows:
        return []
    instrument_ids = {row.instrument_id for row in rows}
    starts = [row.start for row in rows]
    existing = {
        (bar.instrument_id, bar.start): bar
        for bar in Bar.objects.filter(
            instrument_id__in=instrument_ids,
            interval=interval,
            start__gte=min(starts),
            start__lte=max(starts),
        ).only("instrument_id", "start", *_BAR_FIELDS)
    }
    changed = []
    for row in rows:
        current = existing.get((row.instrument_id, row.start))
        if current is None or any(
            getattr(current, name) != getattr(row, name) for name in _BAR_FIELDS
        ):
            changed.append(row)
    if changed:
        Bar.objects.bulk_create(
            changed,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["instrument", "interval", "start"],
            update_fields=list(_BAR_FIELDS),
        )
    return changed


def _bar_model(row: aggregation.BarRow, interval: str, source: str) -> Bar:
    return Bar(
        instrument_id=cast(int, row.key),
        interval=interval,
        start=row.start,
        open=row.open,
        high=row.high,
        low=row.low,
        close=row.close,
        volume=row.volume,
        value=row.value,
        source=source,
    )


def _tick_rows(**filters: Any) -> tuple[list[aggregation.TickRow], dict[int, str]]:
    rows = []
    sources: dict[int, str] = {}
    for instrument_id, seq, time, price, volume, source in (
        Tick.objects.filter(**filters)
        .order_by()
        .values_list("instrument_id", "seq", "time", "price", "volume", "source")
        .iterator(chunk_size=5000)
    ):
        rows.append(aggregation.TickRow(instrument_id, seq, time, price, volume))
        sources[instrument_id] = source
    return rows, sources


# The 1m bars of the touched (instrument, minute) pairs, folded from their ticks in SQL exactly as
# market.aggregation does (open/close by (time, seq), value rounded half up, the latest tick's
# source) and written only where they changed. {bar}/{tick} are the quoted table names.
_MINUTE_BARS_SQL = """
WITH touched (instrument_id, start) AS (
    SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r (instrument_id bigint, start timestamptz)
), folded AS (
    SELECT t.instrument_id, t.start,
           (array_agg(k.price ORDER BY k.time, k.seq))[1] AS open,
           max(k.price) AS high,
           min(k.price) AS low,
           (array_agg(k.price ORDER BY k.time DESC, k.seq DESC))[1] AS close,
           sum(k.volume) AS volume,
           round(sum(k.price * k.volume)) AS value,
           (array_agg(k.source ORDER BY k.time DESC, k.seq DESC))[1] AS source
    FROM touched t
    JOIN {tick} k ON k.instrument_id = t.instrument_id
                 AND k.time >= t.start AND k.time < t.start + interval '1 minute'
    GROUP BY t.instrument_id, t.start
)
INSERT INTO {bar} AS b (instrument_id, interval, start, open, high, low, close, volume, value,
                        source)
SELECT instrument_id, %s, start, open, high, low, close, volume, value, source FROM folded
ON CONFLICT (instrument_id, interval, start) DO UPDATE SET
    open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
    volume = EXCLUDED.volume, value = EXCLUDED.value, source = EXCLUDED.source
WHERE (b.open, b.high, b.low, b.close, b.volume, b.value, b.source)
      IS DISTINCT FROM (EXCLUDED.open, EXCLUDED.high, EXCLUDED.low, EXCLUDED.close,
                        EXCLUDED.volume, EXCLUDED.value, EXCLUDED.source)
RETURNING 1
"""


def minute_bars_rebuild(touched: set[tuple[int, datetime]]) -> int:
    """Recompute the 1m bars of the (instrument id, minute start) pairs from the stored ticks;
    returns how many bars were written (changed or new). One statement on PostgreSQL."""
    if not touched:
        return 0
    if connection.vendor == "postgresql":
        pairs = sorted(touched)
        sql = _MINUTE_BARS_SQL.format(
            bar=connection.ops.quote_name(Bar._meta.db_table),
            tick=connection.ops.quote_name(Tick._meta.db_table),
        )
        with connection.cursor() as cursor:
            # One JSON text parameter: Django's psycopg cursors bind client-side, and quoting two
            # 1,600-element arrays cost more than the statement.
            touched_json = orjson.dumps(
                [{"instrument_id": i, "start": start.isoformat()} for i, start in pairs]
            ).decode()
            cursor.execute(sql, [touched_json, BarInterval.M1])
            return len(cursor.fetchall())
    first = min(start for _, start in touched)
    last = max(start for _, start in touched) + timedelta(minutes=1)
    ticks, sources = _tick_rows(
        instrument_id__in={i for i, _ in touched}, time__gte=first, time__lt=last
    )
    rows = [
        _bar_model(row, BarInterval.M1, sources[row.key])  # type: ignore[index]
        for row in aggregation.bars_from_ticks(ticks, interval="1m")
        if (row.key, row.start) in touched
    ]
    return len(bar_upsert(interval=BarInterval.M1, rows=rows))


def bars_aggregate(
    *, since: datetime, until: datetime | None = None, rebuild_minutes: bool = True
) -> dict[str, int]:
    """Rebuild the 1m bars from the ticks in ``[since, until)`` (widened to whole minutes; skipped
    with ``rebuild_minutes=False``), then the 5m, 15m and 1h bars from the 1m bars of every hour
    that window touches. Returns the number of bars written per interval (bars that did not
    change are not rewritten)."""
    until = until or timezone.now()
    since_minute = aggregation.bucket_start(since, "1m")
    since_hour = aggregation.bucket_start(since, "1h")
    written: dict[str, int] = {}
    with transaction.atomic():
        # Take the instrument locks quotes_ingest takes (same id order): an ingest committing
        # between our read of the ticks and our upsert would otherwise lose its volume.
        list(Instrument.objects.select_for_update(of=("self",)).order_by("id").values_list("id"))
        ticks, sources = (
            _tick_rows(time__gte=since_minute, time__lt=until) if rebuild_minutes else ([], {})
        )
        minute_rows = [
            _bar_model(row, BarInterval.M1, sources[row.key])  # type: ignore[index]
            for row in aggregation.bars_from_ticks(ticks, interval="1m")
        ]
        written["1m"] = 0
        for instrument_rows in _by_instrument(minute_rows).values():
            written["1m"] += len(bar_upsert(interval=BarInterval.M1, rows=instrument_rows))
        minutes = list(
            Bar.objects.filter(interval=BarInterval.M1, start__gte=since_hour, start__lt=until)
            .order_by()
            .values_list(
                "instrument_id",
                "start",
                "open",
                "high",
                "low",
                "close",
                "volume",
                "value",
                "source",
            )
        )
        minute_bars = [aggregation.BarRow(*values[:8]) for values in minutes]
        bar_sources = {values[0]: values[8] for values in minutes}
        for interval in aggregation.ROLLUP_INTERVALS:
            rows = [
                _bar_model(row, interval, bar_sources[row.key])  # type: ignore[index]
                for row in aggregation.roll_up(minute_bars, interval=interval)
            ]
            written[interval] = 0
            for instrument_rows in _by_instrument(rows).values():
                written[interval] += len(bar_upsert(interval=interval, rows=instrument_rows))
    return written


def _by_instrument(rows: Iterable[Bar]) -> dict[int, list[Bar]]:
    grouped: dict[int, list[Bar]] = defaultdict(list)
    for row in rows:
        grouped[row.instrument_id].append(row)
    return grouped


def bars_close_daily(*, day: date) -> list[str]:
    """Write (or correct) the 1d bar of ``day`` for every instrument whose stored quote is from that
    trading day: open/high/low/close from the quote (the exchange's own figures, including trades
    made before our first poll), volume and value accumulated. Sends ``daily_close_updated`` on
    commit for the symbols whose bar changed; returns them."""
    start = vn_midnight_utc(day)
    end = vn_midnight_utc(day + timedelta(days=1))
    quotes = list(
        Quote.objects.filter(as_of__gte=start, as_of__lt=end).select_related("instrument")
    )
    rows = []
    for quote in quotes:
        open_ = quote.open or quote.price
        high = max(p for p in (quote.high, open_, quote.price) if p is not None)
        low = min(p for p in (quote.low, open_, quote.price) if p is not None)
        rows.append(
            Bar(
                instrument_id=quote.instrument_id,
                interval=BarInterval.D1,
                start=start,
                open=open_,
                high=high,
                low=low,
                close=quote.price,
                volume=quote.volume,
                value=quote.value,
                source=quote.source,
            )
        )
    with transaction.atomic():
        changed = {bar.instrument_id for bar in bar_upsert(interval=BarInterval.D1, rows=rows)}
        symbols = sorted(q.instrument.symbol for q in quotes if q.instrument_id in changed)
        if symbols:
            transaction.on_commit(
                lambda: send_signal(daily_close_updated, sender=Bar, symbols=symbols), robust=True
            )
    logger.info("daily close of %s: %d bars written", day, len(symbols))
    return symbols
