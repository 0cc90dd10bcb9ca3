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
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, cast

import orjson
import redis.exceptions
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from market import aggregation
from market.adjustment import as_traded, cumulative_factor, symbol_share_factors
from market.board import board_quote
from market.calendar import (
    Exchange as CalendarExchange,
)
from market.calendar import (
    InstrumentType as CalendarInstrumentType,
)
from market.calendar import (
    is_trading_day,
    market_date,
    previous_trading_day,
    sessions_on,
    vn_midnight_utc,
)
from market.models import (
    Bar,
    BarInterval,
    DataSource,
    Exchange,
    Instrument,
    InstrumentGroup,
    InstrumentType,
    Quote,
    Tick,
    TickSide,
)
from market.providers.base import (
    BarData,
    InstrumentInfo,
    MarketDataProvider,
    QuoteSnapshot,
    TickData,
    get_provider,
)
from market.providers.validation import validate_bar, validate_quote, validate_tick
from market.short_names import short_name_for
from market.signals import daily_close_updated, quotes_updated
from market.text import instrument_search_text

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
SEEN_SECONDS = 86_400
_WHOLE = Decimal(1)
_CENT = Decimal("0.01")
_SYMBOL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SOURCES = frozenset(DataSource.values)
_BAR_FIELDS = ("open", "high", "low", "close", "volume", "value", "source")


# --- results ------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    groups_created: int = 0
    memberships_added: int = 0
    memberships_removed: int = 0
    rejections: dict[str, list[str]] = field(default_factory=dict)


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
class HistoryResult:
    symbol: str
    start: date
    end: date
    received: int = 0
    written: int = 0
    rejected: int = 0


# --- instruments --------------------------------------------------------------------------------


def _instrument_problems(info: InstrumentInfo) -> list[str]:
    problems = []
    if not info.symbol or not set(info.symbol) <= _SYMBOL_CHARS or len(info.symbol) > 20:
        problems.append(f"symbol {info.symbol!r} is not upper-case letters and digits")
    if info.exchange not in Exchange.values:
        problems.append(f"unknown exchange {info.exchange!r}")
    if info.type not in InstrumentType.values:
        problems.append(f"unknown instrument type {info.type!r}")
    if info.lot_size < 1:
        problems.append(f"lot size must be positive ({info.lot_size})")
    return problems


def instrument_sync(
    *,
    infos: Sequence[InstrumentInfo] | None = None,
    provider: MarketDataProvider | None = None,
) -> SyncResult:
    """Upsert instruments and their group memberships from ``infos`` (default: the provider's list).

    New instruments are active. An existing instrument keeps its ``is_active`` flag (an admin's
    choice) and keeps a non-empty text field when the source sends an empty one. Memberships are
    replaced for every group that appears in ``infos`` (VN30 changes twice a year); groups not
    mentioned are left alone, and instruments missing from ``infos`` are not deactivated (a source
    that lists fewer symbols than before is more likely broken than the market).
    """
    if infos is None:
        infos = (provider or get_provider()).list_instruments()
    result = SyncResult()
    accepted: dict[str, InstrumentInfo] = {}
    for info in infos:
        problems = _instrument_problems(info)
        if problems:
            result.rejected += 1
            result.rejections.setdefault(info.symbol or "?", []).extend(problems)
            continue
        accepted[info.symbol] = info
    if result.rejected:
        logger.warning(
            "instrument sync rejected %d records: %s", result.rejected, result.rejections
        )

    with transaction.atomic():
        existing = {i.symbol: i for i in Instrument.objects.filter(symbol__in=list(accepted))}
        now = timezone.now()
        to_write: list[Instrument] = []
        for symbol, info in accepted.items():
            current = existing.get(symbol)
            wanted = _instrument_values(info, current)
            if current is not None and all(
                getattr(current, name) == value for name, value in wanted.items()
            ):
                result.unchanged += 1
                continue
            if current is None:
                result.created += 1
            else:
                result.updated += 1
            to_write.append(
                Instrument(
                    symbol=symbol,
                    is_active=current.is_active if current is not None else True,
                    created_at=current.created_at if current is not None else now,
                    updated_at=now,
                    **wanted,
                )
            )
        if to_write:
            Instrument.objects.bulk_create(
                to_write,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["symbol"],
                update_fields=[*_INSTRUMENT_FIELDS, "updated_at"],
            )
        _sync_groups(accepted.values(), result)
    logger.info(
        "instrument sync: %d created, %d updated, %d unchanged, %d rejected",
        result.created,
        result.updated,
        result.unchanged,
        result.rejected,
    )
    return result


_INSTRUMENT_FIELDS = (
    "exchange",
    "type",
    "name",
    "name_en",
    "industry",
    "lot_size",
    "listed_shares",
    "short_name",
    "search_text",
)


def _instrument_values(info: InstrumentInfo, current: Instrument | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "exchange": str(info.exchange),
        "type": str(info.type),
        "lot_size": info.lot_size,
    }
    for name, incoming in (
        ("name", info.name),
        ("name_en", info.name_en),
        ("industry", info.industry),
        ("listed_shares", info.listed_shares),
        ("short_name", short_name_for(info.symbol, info.short_name)),
    ):
        keep = current is not None and incoming in ("", None)
        values[name] = getattr(current, name) if keep else incoming
    values["search_text"] = instrument_search_text(
        symbol=info.symbol,
        name=values["name"],
        name_en=values["name_en"],
        short_name=values["short_name"],
    )
    return values


def _sync_groups(infos: Iterable[InstrumentInfo], result: SyncResult) -> None:
    members: dict[str, set[str]] = defaultdict(set)
    for info in infos:
        for code in info.groups:
            members[code.strip().upper()].add(info.symbol)
    members.pop("", None)
    if not members:
        return
    known = set(
        InstrumentGroup.objects.filter(code__in=list(members)).values_list("code", flat=True)
    )
    missing = [InstrumentGroup(code=code, name=code) for code in sorted(set(members) - known)]
    if missing:
        InstrumentGroup.objects.bulk_create(missing, ignore_conflicts=True)
        result.groups_created += len(missing)
    group_ids = dict(
        InstrumentGroup.objects.filter(code__in=list(members)).values_list("code", "id")
    )
    symbols = {s for group in members.values() for s in group}
    instrument_ids = dict(
        Instrument.objects.filter(symbol__in=list(symbols)).values_list("symbol", "id")
    )
    through = Instrument.groups.through
    wanted = {
        (instrument_ids[symbol], group_ids[code])
        for code, group in members.items()
        for symbol in group
        if symbol in instrument_ids
    }
    current = set(
        through.objects.filter(instrumentgroup_id__in=list(group_ids.values())).values_list(
            "instrument_id", "instrumentgroup_id"
        )
    )
    stale = current - wanted
    fresh = wanted - current
    if stale:
        for instrument_id, group_id in stale:
            through.objects.filter(
                instrument_id=instrument_id, instrumentgroup_id=group_id
            ).delete()
        result.memberships_removed += len(stale)
    if fresh:
        through.objects.bulk_create(
            [through(instrument_id=i, instrumentgroup_id=g) for i, g in sorted(fresh)],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        result.memberships_added += len(fresh)


# --- quotes and ticks ---------------------------------------------------------------------------


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


def _money(value: Decimal) -> Decimal:
    return value.quantize(_WHOLE, rounding=ROUND_HALF_UP)


def _levels(levels: Sequence[tuple[Decimal, int]]) -> list[list[Any]]:
    return [[str(price), int(volume)] for price, volume in levels]


def _source(snapshot_source: str) -> str:
    return snapshot_source if snapshot_source in _SOURCES else DataSource.VNSTOCK


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
            result.bars = _rebuild_minute_bars(touched)
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


def _lock_targets(latest: Mapping[str, QuoteSnapshot]) -> dict[str, _Target]:
    """Lock the instruments' rows (PostgreSQL; SQLite serialises writers anyway) in id order and
    read each one's last tick seq through the (instrument, seq) index."""
    last_seq = Tick.objects.filter(instrument=OuterRef("pk")).order_by("-seq").values("seq")[:1]
    rows = (
        Instrument.objects.select_for_update(of=("self",))
        .filter(symbol__in=list(latest))
        .annotate(last_seq=Subquery(last_seq))
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
        source=_source(snapshot.source),
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
        "value": _money(snapshot.value),
        "bids": _levels(snapshot.bids),
        "asks": _levels(snapshot.asks),
        "foreign_buy": snapshot.foreign_buy,
        "foreign_sell": snapshot.foreign_sell,
        "as_of": snapshot.as_of,
        "source": _source(snapshot.source),
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
        _send(quotes_updated, sender=Quote, quotes=quotes)


def _send(signal: Any, **kwargs: Any) -> None:
    for receiver, response in signal.send_robust(**kwargs):
        if isinstance(response, Exception):
            logger.error(
                "receiver %r of a market signal failed",
                receiver,
                exc_info=(type(response), response, response.__traceback__),
            )


# --- bars ---------------------------------------------------------------------------------------


def _bar_upsert(*, interval: str, rows: Sequence[Bar]) -> list[Bar]:
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


def _rebuild_minute_bars(touched: set[tuple[int, datetime]]) -> int:
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
    return len(_bar_upsert(interval=BarInterval.M1, rows=rows))


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
            written["1m"] += len(_bar_upsert(interval=BarInterval.M1, rows=instrument_rows))
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
                written[interval] += len(_bar_upsert(interval=interval, rows=instrument_rows))
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
        changed = {bar.instrument_id for bar in _bar_upsert(interval=BarInterval.D1, rows=rows)}
        symbols = sorted(q.instrument.symbol for q in quotes if q.instrument_id in changed)
        if symbols:
            transaction.on_commit(
                lambda: _send(daily_close_updated, sender=Bar, symbols=symbols), robust=True
            )
    logger.info("daily close of %s: %d bars written", day, len(symbols))
    return symbols


# --- history --------------------------------------------------------------------------------------


def history_last_complete_day(*, now: datetime | None = None) -> date:
    """The latest trading day whose session has ended (today after 15:00 ICT on a trading day)."""
    now = now or timezone.now()
    today = market_date(now)
    if is_trading_day(today):
        closes = [window.end for window in sessions_on(CalendarExchange.UPCOM, today)]
        if closes and now >= max(closes):
            return today
    return previous_trading_day(today)


def history_window(
    *, symbol: str, days: int, only_missing: bool, now: datetime | None = None
) -> tuple[date, date] | None:
    """The date range to fetch for ``symbol``: the last ``days`` calendar days up to the last complete
    trading day; with ``only_missing``, only what follows the latest stored 1d bar (``None`` when
    nothing is missing)."""
    end = history_last_complete_day(now=now)
    start = end - timedelta(days=days)
    if only_missing:
        latest = (
            Bar.objects.filter(instrument__symbol=symbol, interval=BarInterval.D1)
            .order_by("-start")
            .values_list("start", flat=True)
            .first()
        )
        if latest is not None:
            latest_day = market_date(latest)
            if latest_day >= end:
                return None
            start = max(start, latest_day)
    return start, end


def history_store(*, symbol: str, bars: Sequence[BarData], start: date, end: date) -> HistoryResult:
    """Upsert provider history bars of one symbol (history is adjusted for corporate actions: past
    bars change, so they are overwritten). vnstock's bars are un-adjusted first for the share
    events known to have gone ex after them (``market.adjustment``): stored bars are as-traded.
    Bad bars are rejected, counted and logged. Sends ``daily_close_updated`` on commit when 1d
    bars changed."""
    result = HistoryResult(symbol=symbol, start=start, end=end, received=len(bars))
    instrument = Instrument.objects.filter(symbol=symbol).values_list("id", "type").first()
    if instrument is None:
        from portfolio_site.errors import NotFound

        raise NotFound(f"Unknown symbol {symbol}.", fields={"symbol": [symbol]})
    instrument_id, instrument_type = instrument
    factors = (
        symbol_share_factors(instrument_id=instrument_id)
        if any(bar.source == DataSource.VNSTOCK for bar in bars)
        else []
    )
    today = market_date(timezone.now())
    by_interval: dict[str, dict[datetime, Bar]] = defaultdict(dict)
    problems: list[str] = []
    for bar in bars:
        reasons = validate_bar(bar, instrument_type=cast(CalendarInstrumentType, instrument_type))
        if bar.symbol != symbol:
            reasons.append(f"bar for {bar.symbol} in the history of {symbol}")
        if reasons:
            result.rejected += 1
            problems.append(f"{bar.start.isoformat()}: {', '.join(reasons)}")
            continue
        if factors and bar.source == DataSource.VNSTOCK:
            factor = cumulative_factor(factors, bar.trading_date, today)
            if factor != 1:
                bar = replace(
                    bar,
                    open=as_traded(bar.open, factor=factor),
                    high=as_traded(bar.high, factor=factor),
                    low=as_traded(bar.low, factor=factor),
                    close=as_traded(bar.close, factor=factor),
                )
        by_interval[bar.interval][bar.start] = Bar(
            instrument_id=instrument_id,
            interval=bar.interval,
            start=bar.start,
            open=bar.open,
            high=bar.high,
            low=bar.low,
            close=bar.close,
            volume=bar.volume,
            value=_money(bar.value) if bar.value is not None else _money(bar.close * bar.volume),
            source=_source(bar.source),
        )
    if problems:
        logger.warning(
            "history of %s: rejected %d bars: %s", symbol, len(problems), "; ".join(problems[:20])
        )
    with transaction.atomic():
        daily_changed = False
        for interval, rows in by_interval.items():
            changed = _bar_upsert(interval=interval, rows=list(rows.values()))
            result.written += len(changed)
            daily_changed = daily_changed or (interval == BarInterval.D1 and bool(changed))
        if daily_changed:
            transaction.on_commit(
                lambda: _send(daily_close_updated, sender=Bar, symbols=[symbol]), robust=True
            )
    return result


def history_backfill_symbol(
    *,
    symbol: str,
    days: int,
    interval: str = "1d",
    only_missing: bool = False,
    provider: MarketDataProvider | None = None,
    now: datetime | None = None,
) -> HistoryResult | None:
    """Fetch and store ``days`` of history for one symbol (one provider call). ``None`` when
    ``only_missing`` and nothing is missing. Provider errors propagate (the caller retries)."""
    window = history_window(symbol=symbol, days=days, only_missing=only_missing, now=now)
    if window is None:
        return None
    start, end = window
    bars = (provider or get_provider()).history(symbol, interval=interval, start=start, end=end)  # type: ignore[arg-type]
    return history_store(symbol=symbol, bars=bars, start=start, end=end)


def symbols_expand(*, tokens: Iterable[str]) -> list[str]:
    """Turn group codes and symbols into the symbols they name (group ``VN30`` -> its members).

    A token that is a group code expands to its active members; any other token is a symbol.
    Order is kept, duplicates dropped. Unknown symbols raise ``NotFound``.
    """
    from portfolio_site.errors import NotFound

    out: dict[str, None] = {}
    wanted = [t.strip().upper() for t in tokens if t.strip()]
    groups = set(InstrumentGroup.objects.filter(code__in=wanted).values_list("code", flat=True))
    known = set(Instrument.objects.filter(symbol__in=wanted).values_list("symbol", flat=True))
    unknown = [t for t in wanted if t not in groups and t not in known]
    if unknown:
        raise NotFound(f"Unknown symbol(s): {', '.join(unknown)}.", fields={"symbols": unknown})
    for token in wanted:
        if token in groups:
            members = Instrument.objects.filter(groups__code=token, is_active=True).order_by(
                "symbol"
            )
            for symbol in members.values_list("symbol", flat=True):
                out[symbol] = None
        else:
            out[token] = None
    return list(out)


# --- housekeeping ---------------------------------------------------------------------------------


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
