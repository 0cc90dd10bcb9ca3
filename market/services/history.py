"""Daily history: the window to fetch, storing a provider's bars, backfills."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import cast

from django.db import transaction
from django.utils import timezone

from market.adjustment import as_traded, cumulative_factor, symbol_share_factors
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
)
from market.models import (
    Bar,
    BarInterval,
    DataSource,
    Instrument,
    InstrumentGroup,
)
from market.providers.base import (
    BarData,
    MarketDataProvider,
    get_provider,
)
from market.providers.validation import validate_bar
from market.services.bars import bar_upsert
from market.services.common import money, send_signal, source_for
from market.signals import daily_close_updated

logger = logging.getLogger(__name__)


@dataclass
class HistoryResult:
    symbol: str
    start: date
    end: date
    received: int = 0
    written: int = 0
    rejected: int = 0


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
            value=money(bar.value) if bar.value is not None else money(bar.close * bar.volume),
            source=source_for(bar.source),
        )
    if problems:
        logger.warning(
            "history of %s: rejected %d bars: %s", symbol, len(problems), "; ".join(problems[:20])
        )
    with transaction.atomic():
        daily_changed = False
        for interval, rows in by_interval.items():
            changed = bar_upsert(interval=interval, rows=list(rows.values()))
            result.written += len(changed)
            daily_changed = daily_changed or (interval == BarInterval.D1 and bool(changed))
        if daily_changed:
            transaction.on_commit(
                lambda: send_signal(daily_close_updated, sender=Bar, symbols=[symbol]), robust=True
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
