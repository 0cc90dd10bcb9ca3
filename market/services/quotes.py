"""Quote ingestion: snapshots validated, stored as quotes and ticks, 1m bars rebuilt, announced."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
import redis.exceptions
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from market import aggregation, partitioning
from market.board import board_quote
from market.calendar import (
    market_date,
)
from market.models import (
    Instrument,
    InstrumentType,
    Quote,
    Tick,
    TickSide,
)
from market.providers.base import (
    MarketDataProvider,
    QuoteSnapshot,
    TickData,
    get_provider,
)
from market.providers.validation import validate_quote, validate_tick
from market.services.bars import minute_bars_rebuild
from market.services.common import BATCH_SIZE, money, send_signal, source_for
from market.signals import quotes_updated

logger = logging.getLogger(__name__)

SEEN_SECONDS = 86_400


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    unchanged: int = 0
    rejected: int = 0
    ticks: int = 0
    bars: int = 0
    rejections: dict[str, list[str]] = field(default_factory=dict)

    def reject(self, symbol: str, reasons: Sequence[str]) -> None:
        self.rejected += 1
        self.rejections.setdefault(symbol or "?", []).extend(reasons)


@dataclass
class _Target:
    id: int
    symbol: str
    exchange: str
    type: str
    is_active: bool
    last_seq: int


class _StoredQuote(NamedTuple):
    """What the ingestion rules compare a snapshot with."""

    price: Decimal
    volume: int
    as_of: datetime


class _NewTick(NamedTuple):
    """A tick to insert, in ``_TICK_COLUMNS`` order (plain tuples: a 1,600-symbol poll spent more
    on building model instances than on storing them)."""

    instrument_id: int
    seq: int
    time: datetime
    price: Decimal
    volume: int
    side: str
    source: str


def _levels(levels: Sequence[tuple[Decimal, int]]) -> list[list[Any]]:
    return [[str(price), int(volume)] for price, volume in levels]


def _tick_side(price: Decimal, previous: Decimal | None, instrument_type: str) -> str:
    if instrument_type == InstrumentType.INDEX or previous is None or price == previous:
        return TickSide.UNKNOWN
    return TickSide.BUY if price > previous else TickSide.SELL


def quotes_ingest(*, snapshots: Sequence[QuoteSnapshot]) -> IngestResult:
    """Store a poll of the price board: quotes upserted, volume deltas turned into ticks, the 1m bars
    of those ticks rebuilt. See the module docstring for the rules. Returns the counts."""
    result = IngestResult(received=len(snapshots))
    latest: dict[str, QuoteSnapshot] = {}
    for snapshot in snapshots:
        other = latest.get(snapshot.symbol)
        if other is not None:
            older = min(other, snapshot, key=lambda s: s.as_of)
            result.reject(snapshot.symbol, [f"duplicate in the batch (as_of {older.as_of})"])
            if older is other:
                latest[snapshot.symbol] = snapshot
            continue
        latest[snapshot.symbol] = snapshot
    if not latest:
        return result

    new_ticks: list[_NewTick] = []
    published: list[dict[str, Any]] = []
    changed_quotes: list[dict[str, Any]] = []
    board_quotes: list[dict[str, Any]] = []  # market.board: the quote frames of the board stream
    seen: list[str] = []
    with transaction.atomic():
        targets = _lock_targets(latest)
        stored = {
            instrument_id: _StoredQuote(price, volume, as_of)
            for instrument_id, price, volume, as_of in Quote.objects.filter(
                instrument_id__in=[t.id for t in targets.values()]
            ).values_list("instrument_id", "price", "volume", "as_of")
        }
        quote_rows: list[dict[str, Any]] = []
        for symbol, snapshot in sorted(latest.items()):
            target = targets.get(symbol)
            if target is None:
                result.reject(symbol, ["unknown symbol"])
                continue
            reasons = validate_quote(snapshot, instrument_type=target.type)  # type: ignore[arg-type]
            previous = stored.get(target.id)
            if not reasons and previous is not None:
                if snapshot.as_of == previous.as_of:
                    result.unchanged += 1
                    seen.append(symbol)
                    continue
                if snapshot.as_of < previous.as_of:
                    reasons.append(f"older than the stored quote ({previous.as_of.isoformat()})")
            same_day = previous is not None and market_date(previous.as_of) == market_date(
                snapshot.as_of
            )
            if (
                not reasons
                and same_day
                and previous is not None
                and snapshot.volume < previous.volume
            ):
                reasons.append(
                    f"accumulated volume went down ({previous.volume} -> {snapshot.volume})"
                )
            tick = None
            if not reasons and previous is not None:
                traded = snapshot.volume - (previous.volume if same_day else 0)
                if traded > 0:
                    tick = _tick_for(snapshot, target, previous if same_day else None, traded)
                    band = (
                        None
                        if snapshot.floor is None or snapshot.ceiling is None
                        else (snapshot.floor, snapshot.ceiling)
                    )
                    reasons.extend(
                        validate_tick(
                            _tick_data(tick, snapshot),
                            reference_band=band,
                            exchange=snapshot.exchange,
                            instrument_type=target.type,  # type: ignore[arg-type]
                        )
                    )
            if reasons:
                result.reject(symbol, reasons)
                continue
            quote_rows.append(_quote_row(target, snapshot))
            seen.append(symbol)
            changed_quotes.append(
                {
                    "symbol": symbol,
                    "price": snapshot.last,
                    "change_pct": snapshot.change_pct,
                    "as_of": snapshot.as_of,
                }
            )
            if tick is not None:
                new_ticks.append(tick)
                published.append(_tick_message(symbol, tick, snapshot))
            board_quotes.append(
                board_quote(
                    snapshot=snapshot,
                    instrument_type=target.type,
                    seq=tick.seq if tick is not None else (target.last_seq or None),
                    last_volume=tick.volume if tick is not None else None,
                )
            )

        if quote_rows:
            _quotes_store(quote_rows)
        if new_ticks:
            _ticks_store(new_ticks)
            touched = {(t.instrument_id, aggregation.bucket_start(t.time, "1m")) for t in new_ticks}
            result.bars = minute_bars_rebuild(touched)
        result.stored = len(quote_rows)
        result.ticks = len(new_ticks)
        seen_at = timezone.now()
        transaction.on_commit(lambda: quotes_mark_seen(symbols=seen, at=seen_at), robust=True)
        if published or changed_quotes:
            transaction.on_commit(
                lambda: _announce_quotes(published, changed_quotes, board_quotes), robust=True
            )

    if result.rejected:
        logger.warning(
            "quote ingestion rejected %d of %d snapshots: %s",
            result.rejected,
            result.received,
            "; ".join(f"{s}: {', '.join(r)}" for s, r in sorted(result.rejections.items())),
        )
    return result


_QUOTE_UPDATE_FIELDS = [
    "reference",
    "ceiling",
    "floor",
    "price",
    "open",
    "high",
    "low",
    "change",
    "change_pct",
    "volume",
    "value",
    "bids",
    "asks",
    "foreign_buy",
    "foreign_sell",
    "as_of",
    "source",
    "updated_at",
]


_QUOTE_JSON_TYPES = {
    "instrument_id": "bigint",
    **dict.fromkeys(
        ("reference", "ceiling", "floor", "price", "open", "high", "low", "change"), "numeric"
    ),
    "change_pct": "numeric",
    "volume": "bigint",
    "value": "numeric",
    "bids": "jsonb",
    "asks": "jsonb",
    "foreign_buy": "bigint",
    "foreign_sell": "bigint",
    "as_of": "timestamptz",
    "source": "text",
    "updated_at": "timestamptz",
}


def _quotes_upsert_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _QUOTE_JSON_TYPES)
    record = ", ".join(f"{quote(name)} {kind}" for name, kind in _QUOTE_JSON_TYPES.items())
    updates = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in _QUOTE_UPDATE_FIELDS)
    return _QUOTES_UPSERT_SQL.format(
        table=quote(Quote._meta.db_table),
        columns=columns,
        record=record,
        key=quote("instrument_id"),
        updates=updates,
    )


_QUOTES_UPSERT_SQL = (
    "INSERT INTO {table} ({columns}) "
    "SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r ({record}) "
    "ON CONFLICT ({key}) DO UPDATE SET {updates}"
)


def _quotes_store(rows: Sequence[dict[str, Any]]) -> None:
    """Upsert quotes (``_quote_row`` dicts): on PostgreSQL one statement reading every row from one
    JSON parameter (the ORM's bulk upsert spent most of a 1,600-symbol poll compiling and quoting
    parameters)."""
    if connection.vendor != "postgresql":
        Quote.objects.bulk_create(
            [Quote(**row) for row in rows],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["instrument"],
            update_fields=_QUOTE_UPDATE_FIELDS,
        )
        return
    payload = orjson.dumps(
        rows,
        default=str,  # Decimal -> exact string, cast to numeric by PostgreSQL
    ).decode()
    with connection.cursor() as cursor:
        cursor.execute(_quotes_upsert_sql(), [payload])


def quote_seen_key(symbol: str) -> str:
    return f"market:seen:{symbol}"


def quotes_mark_seen(*, symbols: Sequence[str], at: datetime) -> None:
    """Remember (in the cache, for a day) that the source confirmed these quotes at ``at``, even if
    they did not change: a quiet symbol is not a stale one. Best effort when Redis is down."""
    if not symbols:
        return
    try:
        cache.set_many({quote_seen_key(s): at for s in symbols}, timeout=SEEN_SECONDS)
    except redis.exceptions.RedisError as exc:
        logger.warning("could not record quote freshness: %s", exc)


REFRESH_MAX = 100


def quotes_refresh(
    *, symbols: Sequence[str], provider: MarketDataProvider | None = None
) -> IngestResult:
    """Fetch the price board of ``symbols`` (at most ``REFRESH_MAX``) now and ingest it. Provider
    errors propagate."""
    board = (provider or get_provider()).price_board(list(symbols)[:REFRESH_MAX])
    return quotes_ingest(snapshots=board)


LAST_SEQ_LOOKBACK_DAYS = 7


def _last_seq() -> Subquery | Coalesce:
    """Each locked instrument's last tick seq, through the (instrument, seq) index. On PostgreSQL
    the ticks are partitioned by day and an unbounded lookup probes every partition (measured: 5-10x
    the plain table's time for 1,600 symbols, ``bench/partitions.py``). A symbol's times only grow
    with its seq, so when it has ticks from a day on, its last seq is among them: look from today
    on (today's partition, those ahead and the default one), then from a week ago (the first poll of
    the day, after a weekend), and everywhere only when both find none."""
    ticks = Tick.objects.filter(instrument=OuterRef("pk"))
    last_seq = ticks.order_by("-seq").values("seq")[:1]
    if connection.vendor != "postgresql":
        return Subquery(last_seq)
    today_start, _ = partitioning.day_bounds(partitioning.market_day(timezone.now()))
    tiers = [
        Subquery(ticks.filter(time__gte=since).order_by("-seq").values("seq")[:1])
        for since in (today_start, today_start - timedelta(days=LAST_SEQ_LOOKBACK_DAYS))
    ]
    return Coalesce(*tiers, Subquery(last_seq))


def _lock_targets(latest: Mapping[str, QuoteSnapshot]) -> dict[str, _Target]:
    """Lock the instruments' rows (PostgreSQL; SQLite serialises writers anyway) in id order and
    read each one's last tick seq (``_last_seq``)."""
    rows = (
        Instrument.objects.select_for_update(of=("self",))
        .filter(symbol__in=list(latest))
        .annotate(last_seq=_last_seq())
        .order_by("id")
        .values_list("id", "symbol", "exchange", "type", "is_active", "last_seq")
    )
    return {
        symbol: _Target(pk, symbol, exchange, kind, active, seq or 0)
        for pk, symbol, exchange, kind, active, seq in rows
    }


def _tick_for(
    snapshot: QuoteSnapshot, target: _Target, previous: _StoredQuote | None, traded: int
) -> _NewTick:
    target.last_seq += 1
    reference_price = previous.price if previous is not None else snapshot.reference
    return _NewTick(
        instrument_id=target.id,
        seq=target.last_seq,
        time=snapshot.as_of,
        price=snapshot.last,
        volume=traded,
        side=_tick_side(snapshot.last, reference_price, target.type),
        source=source_for(snapshot.source),
    )


_TICK_COLUMNS = ("instrument_id", "seq", "time", "price", "volume", "side", "source")


def _ticks_store(ticks: Sequence[_NewTick]) -> None:
    """Insert new ticks: PostgreSQL ``COPY`` (about 4x faster than ``bulk_create``, measured in
    bench/ingest.py), ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        Tick.objects.bulk_create([Tick(**t._asdict()) for t in ticks], batch_size=BATCH_SIZE)
        return
    table = connection.ops.quote_name(Tick._meta.db_table)
    statement = f"COPY {table} ({', '.join(_TICK_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for tick in ticks:
            copy.write_row(tick)  # _NewTick is in _TICK_COLUMNS order


def _tick_data(tick: _NewTick, snapshot: QuoteSnapshot) -> TickData:
    return TickData(
        symbol=snapshot.symbol,
        time=tick.time,
        price=tick.price,
        volume=tick.volume,
        side=tick.side,  # type: ignore[arg-type]
        source_id=None,
        source=snapshot.source,
    )


def _quote_row(target: _Target, snapshot: QuoteSnapshot) -> dict[str, Any]:
    """A quote's stored values, keyed like ``_QUOTE_JSON_TYPES``."""
    return {
        "instrument_id": target.id,
        "reference": snapshot.reference,
        "ceiling": snapshot.ceiling,
        "floor": snapshot.floor,
        "price": snapshot.last,
        "open": snapshot.open,
        "high": snapshot.high,
        "low": snapshot.low,
        "change": snapshot.change,
        "change_pct": snapshot.change_pct,
        "volume": snapshot.volume,
        "value": money(snapshot.value),
        "bids": _levels(snapshot.bids),
        "asks": _levels(snapshot.asks),
        "foreign_buy": snapshot.foreign_buy,
        "foreign_sell": snapshot.foreign_sell,
        "as_of": snapshot.as_of,
        "source": source_for(snapshot.source),
        "updated_at": timezone.now(),
    }


def _tick_message(symbol: str, tick: _NewTick, snapshot: QuoteSnapshot) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "price": str(tick.price),
        "change": str(snapshot.change),
        "change_pct": str(snapshot.change_pct),
        "volume": tick.volume,
        "ts": tick.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "seq": tick.seq,
        "source": tick.source,
    }


def _announce_quotes(
    ticks: list[dict[str, Any]],
    quotes: list[dict[str, Any]],
    board_quotes: list[dict[str, Any]] | None = None,
) -> None:
    """After commit: push the ticks (and the board fields of the stored quotes) to websocket
    groups and tell the listeners."""
    if ticks or board_quotes:
        try:
            from realtime.broadcast import publish_ticks
        except ImportError:
            logger.debug("realtime.broadcast is not installed; %d ticks not published", len(ticks))
        else:
            try:
                publish_ticks(ticks, quotes=board_quotes or ())
            except Exception:
                logger.exception("publishing %d ticks failed", len(ticks))
    if quotes:
        send_signal(quotes_updated, sender=Quote, quotes=quotes)
