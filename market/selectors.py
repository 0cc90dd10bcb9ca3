"""Reads of the market app: instruments, quotes (with staleness), bars, ticks, daily closes, the
market summary and the symbols the poller watches.

Staleness: a quote is stale when it is more than ``QUOTE_STALE_SECONDS`` older than the last
moment its exchange was trading. While a session is open that moment is now, so a quote that
stopped moving (provider down) turns stale after ``QUOTE_STALE_SECONDS``. During the lunch break,
after the close and over weekends it is the end of the last session, so the closing quote stays
fresh all night while a quote frozen at 11:00 shows stale. With ``SIMULATED_ALWAYS_OPEN`` the
simulated feed trades around the clock, and its quotes are judged against now.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import redis.exceptions
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from market.calendar import (
    MATCHING_SESSIONS,
    Session,
    last_trading_day,
    market_date,
    session_at,
    sessions_on,
    vn_midnight_utc,
)
from market.calendar import Exchange as CalendarExchange
from market.models import (
    Bar,
    BarInterval,
    DataSource,
    Exchange,
    Instrument,
    InstrumentType,
    Quote,
    Tick,
)
from market.services import quote_seen_key
from market.text import search_words
from portfolio_site.errors import NotFound

logger = logging.getLogger(__name__)

SUMMARY_CACHE_KEY = "market:summary:v1"
SUMMARY_CACHE_SECONDS = 6 * 3600
SUMMARY_TOP = 10
BARS_MAX = 5000
INTEREST_GROUP = "VN30"
_NOT_TRADING = frozenset({Session.PRE_OPEN, Session.LUNCH_BREAK, Session.CLOSED})
_LOOKBACK_DAYS = 20


# --- instruments --------------------------------------------------------------------------------


def instrument_get(*, symbol: str) -> Instrument:
    """The instrument with ``symbol`` (case-insensitive), groups prefetched; ``NotFound`` if none."""
    instrument = (
        Instrument.objects.filter(symbol=symbol.strip().upper())
        .prefetch_related("groups")
        .select_related("quote")
        .first()
    )
    if instrument is None:
        raise NotFound(f"Unknown symbol {symbol!r}.", fields={"symbol": [symbol]})
    return instrument


def instrument_list(
    *,
    exchange: str | None = None,
    type: str | None = None,
    group: str | None = None,
    search: str | None = None,
    active_only: bool = True,
) -> QuerySet[Instrument]:
    """Instruments ordered by symbol; ``search`` matches the symbol prefix, or each of its words
    the symbol, short name or either name, accents ignored."""
    instruments = Instrument.objects.all().prefetch_related("groups").order_by("symbol")
    if active_only:
        instruments = instruments.filter(is_active=True)
    if exchange:
        instruments = instruments.filter(exchange=exchange)
    if type:
        instruments = instruments.filter(type=type)
    if group:
        instruments = instruments.filter(groups__code=group.upper())
    if search and search.strip():
        # Accent-insensitive (``market/text.py``): every word of the term within the folded symbol,
        # short name or names ("sua", "vinamilk", "sữa việt" find VNM), or the symbol's prefix.
        words = Q()
        for word in search_words(search):
            words &= Q(search_text__contains=word)
        instruments = instruments.filter(Q(symbol__istartswith=search.strip()) | words)
    return instruments.distinct() if group else instruments


def symbols_of_interest(*, trading_at: datetime | None = None) -> list[str]:
    """Active instruments the poller follows: held or traded in any portfolio, watched, under an
    active alert, in VN30, or an index. The portfolio models are looked up by name so that the
    market app does not import the portfolio app; a missing model is skipped. With
    ``trading_at``, only instruments whose exchange is in a session at that moment."""
    wanted = Q(groups__code=INTEREST_GROUP) | Q(type=InstrumentType.INDEX)
    for model_name, extra in (
        ("Transaction", {}),
        ("WatchlistItem", {}),
        ("Alert", {"is_active": True}),
    ):
        try:
            model = apps.get_model("portfolio", model_name)
        except LookupError:
            continue
        ids = model.objects.filter(instrument__isnull=False, **extra).values("instrument_id")
        wanted |= Q(id__in=ids)
    rows = (
        Instrument.objects.filter(wanted, is_active=True)
        .order_by("symbol")
        .values_list("symbol", "exchange")
        .distinct()
    )
    if trading_at is None:
        return [symbol for symbol, _ in rows]
    trading = {
        exchange
        for exchange in Exchange.values
        if exchange_is_trading(exchange=exchange, now=trading_at)
    }
    return [symbol for symbol, exchange in rows if exchange in trading]


# --- quotes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteRow:
    symbol: str
    name: str
    exchange: str
    type: str
    price: Decimal
    reference: Decimal
    ceiling: Decimal | None
    floor: Decimal | None
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    change: Decimal
    change_pct: Decimal
    volume: int
    value: Decimal
    bids: list[list[Any]]
    asks: list[list[Any]]
    foreign_buy: int
    foreign_sell: int
    as_of: datetime
    source: str
    stale: bool
    age_seconds: int


def last_trading_moment(*, exchange: str, now: datetime) -> datetime:
    """``now`` while ``exchange`` is in a trading window, otherwise the end of its last window
    (lunch break excluded) before ``now``."""
    day = market_date(now)
    for _ in range(_LOOKBACK_DAYS):
        ends = []
        for window in sessions_on(CalendarExchange(exchange), day):
            if window.session in _NOT_TRADING:
                continue
            if window.start <= now < window.end:
                return now
            if window.end <= now:
                ends.append(window.end)
        if ends:
            return max(ends)
        day -= timedelta(days=1)
    return now


def exchange_is_trading(*, exchange: str, now: datetime) -> bool:
    """True in any session window of the day except the lunch break (ATO to put-through/close)."""
    return last_trading_moment(exchange=exchange, now=now) == now


def quote_staleness(
    *, as_of: datetime, exchange: str, source: str, now: datetime, seen_at: datetime | None = None
) -> tuple[bool, int]:
    """``(stale, age_seconds)`` of a quote valid at ``as_of`` and last confirmed by the source at
    ``seen_at`` (a quiet symbol's board line does not change but is still current). The age counts
    from the later of the two; see the module docstring for when that is stale."""
    confirmed = max(as_of, seen_at) if seen_at is not None else as_of
    age = max(0, int((now - confirmed).total_seconds()))
    always_open = settings.SIMULATED_ALWAYS_OPEN and source == DataSource.SIMULATED
    moment = now if always_open else last_trading_moment(exchange=exchange, now=now)
    stale = (moment - confirmed).total_seconds() > settings.QUOTE_STALE_SECONDS
    return stale, age


def _seen(symbols: Iterable[str]) -> dict[str, datetime]:
    keys = {quote_seen_key(s): s for s in symbols}
    if not keys:
        return {}
    try:
        found = cache.get_many(list(keys))
    except redis.exceptions.RedisError as exc:
        logger.warning("quote freshness unavailable: %s", exc)
        return {}
    return {keys[key]: value for key, value in found.items() if isinstance(value, datetime)}


def _quote_row(
    quote: Quote, instrument: Instrument, now: datetime, seen_at: datetime | None = None
) -> QuoteRow:
    stale, age = quote_staleness(
        as_of=quote.as_of,
        exchange=instrument.exchange,
        source=quote.source,
        now=now,
        seen_at=seen_at,
    )
    return QuoteRow(
        symbol=instrument.symbol,
        name=instrument.name,
        exchange=instrument.exchange,
        type=instrument.type,
        price=quote.price,
        reference=quote.reference,
        ceiling=quote.ceiling,
        floor=quote.floor,
        open=quote.open,
        high=quote.high,
        low=quote.low,
        change=quote.change,
        change_pct=quote.change_pct,
        volume=quote.volume,
        value=quote.value,
        bids=list(quote.bids or []),
        asks=list(quote.asks or []),
        foreign_buy=quote.foreign_buy,
        foreign_sell=quote.foreign_sell,
        as_of=quote.as_of,
        source=quote.source,
        stale=stale,
        age_seconds=age,
    )


def quote_map(*, symbols: Iterable[str], now: datetime | None = None) -> dict[str, QuoteRow]:
    """The stored quote of each symbol that has one (symbols without a quote are absent)."""
    now = now or timezone.now()
    wanted = {s.strip().upper() for s in symbols if s and s.strip()}
    if not wanted:
        return {}
    quotes = list(Quote.objects.filter(instrument__symbol__in=wanted).select_related("instrument"))
    seen = _seen(q.instrument.symbol for q in quotes)
    return {
        q.instrument.symbol: _quote_row(q, q.instrument, now, seen.get(q.instrument.symbol))
        for q in quotes
    }


def quote_prices(*, symbols: Iterable[str]) -> dict[str, tuple[Decimal, Decimal, datetime]]:
    """``(price, reference, as_of)`` of each symbol's stored quote, for valuations: one narrow
    query, no staleness or order book (``quote_map`` has those)."""
    wanted = {s.strip().upper() for s in symbols if s and s.strip()}
    if not wanted:
        return {}
    rows = Quote.objects.filter(instrument__symbol__in=wanted).values_list(
        "instrument__symbol", "price", "reference", "as_of"
    )
    return {symbol: (price, reference, as_of) for symbol, price, reference, as_of in rows}


def quote_list(*, symbols: Sequence[str], now: datetime | None = None) -> list[QuoteRow]:
    """Quotes in the order of ``symbols``. Unknown symbols raise ``NotFound`` (naming them);
    known symbols without a quote yet are left out."""
    wanted = list(dict.fromkeys(s.strip().upper() for s in symbols if s.strip()))
    known = set(Instrument.objects.filter(symbol__in=wanted).values_list("symbol", flat=True))
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise NotFound(f"Unknown symbol(s): {', '.join(unknown)}.", fields={"symbols": unknown})
    rows = quote_map(symbols=wanted, now=now)
    return [rows[s] for s in wanted if s in rows]


# --- bars, ticks, daily closes ------------------------------------------------------------------


@dataclass(frozen=True)
class BarPage:
    bars: list[Bar]
    truncated: bool


def bar_list(
    *,
    instrument: Instrument,
    interval: str,
    start: datetime,
    end: datetime,
    limit: int = BARS_MAX,
) -> BarPage:
    """Bars of ``interval`` starting in ``[start, end)``, oldest first. When more than ``limit``
    match, the most recent ``limit`` are returned and ``truncated`` is true."""
    recent = list(
        Bar.objects.filter(
            instrument=instrument, interval=interval, start__gte=start, start__lt=end
        ).order_by("-start")[: limit + 1]
    )
    truncated = len(recent) > limit
    return BarPage(bars=list(reversed(recent[:limit])), truncated=truncated)


def bars_adjusted(*, instrument: Instrument, bars: list[Bar], today: date) -> list[Bar]:
    """Copies of the as-traded ``bars`` scaled to today's shares: each price divided by the share
    factor of the events gone ex after the bar (``market.adjustment``); volume unchanged."""
    from market.adjustment import adjusted, cumulative_factor, symbol_share_factors

    factors = symbol_share_factors(instrument_id=instrument.pk)
    if not factors:
        return bars
    scaled = []
    for bar in bars:
        factor = cumulative_factor(factors, market_date(bar.start), today)
        if factor == 1:
            scaled.append(bar)
            continue
        scaled.append(
            Bar(
                instrument_id=bar.instrument_id,
                interval=bar.interval,
                start=bar.start,
                open=adjusted(bar.open, factor=factor),
                high=adjusted(bar.high, factor=factor),
                low=adjusted(bar.low, factor=factor),
                close=adjusted(bar.close, factor=factor),
                volume=bar.volume,
                value=bar.value,
                source=bar.source,
            )
        )
    return scaled


def tick_list(
    *, instrument: Instrument, since: datetime | None = None, after_seq: int | None = None
) -> QuerySet[Tick]:
    """Ticks of ``instrument`` at or after ``since`` and/or with ``seq > after_seq``, oldest first."""
    ticks = Tick.objects.filter(instrument=instrument)
    if since is not None:
        ticks = ticks.filter(time__gte=since)
    if after_seq is not None:
        ticks = ticks.filter(seq__gt=after_seq)
    return ticks.order_by("seq")


def tick_latest_time(*, instrument: Instrument) -> datetime | None:
    return (
        Tick.objects.filter(instrument=instrument)
        .order_by("-seq")
        .values_list("time", flat=True)
        .first()
    )


def daily_closes(
    *, symbols: Iterable[str], start: date, end: date, include_today: bool = False
) -> list[tuple[str, date, Decimal]]:
    """``(symbol, trading date, close)`` rows of the 1d bars from ``start`` to ``end`` (both
    included), oldest first, ready for ``portfolio.performance.PriceTable.from_rows``.

    Each symbol's last close before ``start`` is included too (so the table can value holdings on
    its first day). With ``include_today``, a symbol whose stored quote is from a later trading
    day than its last 1d bar (the session is running, the bar is written after the close) gets
    that quote's price as the close of the quote's date, when that date is within ``end``.
    """
    wanted = sorted({s.strip().upper() for s in symbols if s and s.strip()})
    if not wanted:
        return []
    first = vn_midnight_utc(start)
    after_end = vn_midnight_utc(end + timedelta(days=1))
    daily = Bar.objects.filter(interval=BarInterval.D1)
    previous = (
        daily.filter(instrument=OuterRef("pk"), start__lt=first)
        .order_by("-start")
        .values("start")[:1]
    )
    instruments = Instrument.objects.filter(symbol__in=wanted).annotate(
        previous_start=Subquery(previous)
    )
    id_to_symbol: dict[int, str] = {}
    seeds = Q(pk__in=[])
    for pk, symbol, previous_start in instruments.values_list("id", "symbol", "previous_start"):
        id_to_symbol[pk] = symbol
        if previous_start is not None:
            seeds |= Q(instrument_id=pk, start=previous_start)
    rows = (
        daily.filter(
            Q(instrument_id__in=id_to_symbol, start__gte=first, start__lt=after_end) | seeds
        )
        .order_by("start", "instrument_id")
        .values_list("instrument_id", "start", "close")
    )
    out = [(id_to_symbol[pk], market_date(when), close) for pk, when, close in rows]
    if include_today:
        last_bar = dict(
            daily.filter(instrument_id__in=id_to_symbol)
            .values("instrument_id")
            .annotate(last=Max("start"))
            .values_list("instrument_id", "last")
        )
        for quote in Quote.objects.filter(instrument_id__in=id_to_symbol, as_of__lt=after_end):
            day = market_date(quote.as_of)
            last = last_bar.get(quote.instrument_id)
            if day >= start and (last is None or market_date(last) < day):
                out.append((id_to_symbol[quote.instrument_id], day, quote.price))
        out.sort(key=lambda row: (row[1], row[0]))
    return out


# --- market summary -----------------------------------------------------------------------------


def market_summary_build(*, now: datetime | None = None) -> dict[str, Any]:
    """Index levels, top gainers/losers/most active (by traded value) and breadth over the quotes
    of the most recent trading day in the store. Plain data, ready to cache."""
    now = now or timezone.now()
    quotes = list(Quote.objects.select_related("instrument").filter(instrument__is_active=True))
    if not quotes:
        return {
            "indices": [],
            "gainers": [],
            "losers": [],
            "most_active": [],
            "breadth": {"advancers": 0, "decliners": 0, "unchanged": 0},
            "as_of": None,
            "source": None,
        }
    latest_day = max(market_date(q.as_of) for q in quotes)
    today = [q for q in quotes if market_date(q.as_of) == latest_day]
    seen = _seen(q.instrument.symbol for q in today)
    rows = [_quote_row(q, q.instrument, now, seen.get(q.instrument.symbol)) for q in today]
    indices = sorted((r for r in rows if r.type == InstrumentType.INDEX), key=lambda r: r.symbol)
    securities = [r for r in rows if r.type != InstrumentType.INDEX]
    gainers = sorted(
        (r for r in securities if r.change_pct > 0), key=lambda r: (-r.change_pct, r.symbol)
    )
    losers = sorted(
        (r for r in securities if r.change_pct < 0), key=lambda r: (r.change_pct, r.symbol)
    )
    active = sorted(
        (r for r in securities if r.volume > 0), key=lambda r: (-r.value, -r.volume, r.symbol)
    )
    sources = sorted({r.source for r in rows})
    return {
        "indices": [asdict(r) for r in indices],
        "gainers": [asdict(r) for r in gainers[:SUMMARY_TOP]],
        "losers": [asdict(r) for r in losers[:SUMMARY_TOP]],
        "most_active": [asdict(r) for r in active[:SUMMARY_TOP]],
        "breadth": {
            "advancers": sum(1 for r in securities if r.change > 0),
            "decliners": sum(1 for r in securities if r.change < 0),
            "unchanged": sum(1 for r in securities if r.change == 0),
        },
        "as_of": max(r.as_of for r in rows),
        "source": sources[0] if len(sources) == 1 else "mixed",
    }


def market_status(*, source: str | None, as_of: datetime | None, now: datetime) -> dict[str, Any]:
    """The HOSE session at ``now`` for the market-status badge. The simulated feed with
    ``SIMULATED_ALWAYS_OPEN`` trades around the clock: while its quotes are fresh (at most
    ``QUOTE_STALE_SECONDS`` old) it is reported in the continuous session and open, whatever the
    exchange clock says; ``always_open`` tells the client so."""
    session = session_at(CalendarExchange.HOSE, now)
    always_open = bool(settings.SIMULATED_ALWAYS_OPEN) and source == DataSource.SIMULATED
    if always_open:
        fresh = as_of is not None and (now - as_of).total_seconds() <= settings.QUOTE_STALE_SECONDS
        if fresh:
            session = Session.CONTINUOUS
        return {"exchange": "HOSE", "session": session, "is_open": fresh, "always_open": True}
    return {
        "exchange": "HOSE",
        "session": session,
        "is_open": session in MATCHING_SESSIONS,
        "always_open": False,
    }


def market_summary_refresh(*, now: datetime | None = None) -> dict[str, Any]:
    """Build the summary and store it in the cache (the worker calls this after each poll)."""
    summary = market_summary_build(now=now)
    try:
        cache.set(SUMMARY_CACHE_KEY, summary, SUMMARY_CACHE_SECONDS)
    except redis.exceptions.RedisError as exc:
        logger.warning("could not cache the market summary: %s", exc)
    return summary


def market_summary(*, now: datetime | None = None) -> dict[str, Any]:
    """The cached summary (built and cached on a miss; built from the database if Redis is down).
    Quote rows carry ``stale``/``age_seconds`` recomputed for ``now``, and ``last_trading_day`` is
    the exchange calendar's for ``now`` (the day a trade entered now may be dated)."""
    now = now or timezone.now()
    try:
        summary = cache.get(SUMMARY_CACHE_KEY)
    except redis.exceptions.RedisError as exc:
        logger.warning("market summary cache unavailable: %s", exc)
        return _restale(market_summary_build(now=now), now)
    if summary is None:
        summary = market_summary_refresh(now=now)
    return _restale(summary, now)


def _restale(summary: dict[str, Any], now: datetime) -> dict[str, Any]:
    out = dict(summary)
    out["last_trading_day"] = last_trading_day(market_date(now))
    out["market_status"] = market_status(
        source=summary.get("source"), as_of=summary.get("as_of"), now=now
    )
    keys = ("indices", "gainers", "losers", "most_active")
    seen = _seen({data["symbol"] for key in keys for data in summary.get(key, [])})
    for key in keys:
        rows = []
        for data in summary.get(key, []):
            row = QuoteRow(**data)
            stale, age = quote_staleness(
                as_of=row.as_of,
                exchange=row.exchange,
                source=row.source,
                now=now,
                seen_at=seen.get(row.symbol),
            )
            rows.append(replace(row, stale=stale, age_seconds=age))
        out[key] = rows
    return out
