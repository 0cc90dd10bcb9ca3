"""Builders for the market tests: instruments, price-board snapshots, bars, and fixed instants."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from market.calendar import VN_TZ, price_band
from market.models import Instrument, InstrumentGroup
from market.providers.base import BarData, InstrumentInfo, QuoteSnapshot

MONDAY = date(2026, 1, 5)  # a trading day
TUESDAY = date(2026, 1, 6)


def vn(day: date, clock: str) -> datetime:
    """An aware UTC instant for a Vietnam wall-clock time."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=VN_TZ).astimezone(UTC)


def instrument(
    symbol: str = "FPT",
    *,
    exchange: str = "HOSE",
    type: str = "stock",
    groups: tuple[str, ...] = (),
    name: str = "",
    **fields: Any,
) -> Instrument:
    obj = Instrument.objects.create(
        symbol=symbol, exchange=exchange, type=type, name=name or f"{symbol} JSC", **fields
    )
    for code in groups:
        group, _ = InstrumentGroup.objects.get_or_create(code=code, defaults={"name": code})
        obj.groups.add(group)
    return obj


def snapshot(
    symbol: str = "FPT",
    *,
    last: str | Decimal = "100000",
    volume: int = 1000,
    as_of: datetime | None = None,
    reference: str | Decimal = "100000",
    exchange: str = "HOSE",
    kind: str = "stock",
    source: str = "simulated",
    **overrides: Any,
) -> QuoteSnapshot:
    """A valid price-board line (band from the reference, high/low around last)."""
    ref = Decimal(reference)
    price = Decimal(last)
    if kind == "index":
        floor = ceiling = None
    else:
        floor, ceiling = price_band(exchange, ref, kind)  # type: ignore[arg-type]
    traded = volume > 0
    quote = QuoteSnapshot(
        symbol=symbol,
        exchange=exchange,  # type: ignore[arg-type]
        reference=ref,
        ceiling=ceiling,
        floor=floor,
        last=price,
        open=min(price, ref) if traded else None,
        high=max(price, ref) if traded else None,
        low=min(price, ref) if traded else None,
        volume=volume,
        value=price * volume,
        bids=((price - 100, 500),) if kind != "index" else (),
        asks=((price + 100, 700),) if kind != "index" else (),
        foreign_buy=0,
        foreign_sell=0,
        as_of=as_of or vn(MONDAY, "09:30"),
        source=source,
    )
    return replace(quote, **overrides) if overrides else quote


def info(
    symbol: str,
    *,
    exchange: str = "HOSE",
    type: str = "stock",
    groups: tuple[str, ...] = (),
    name: str = "",
    **fields: Any,
) -> InstrumentInfo:
    return InstrumentInfo(
        symbol=symbol,
        exchange=exchange,  # type: ignore[arg-type]
        type=type,  # type: ignore[arg-type]
        name=name or f"{symbol} JSC",
        name_en=fields.pop("name_en", f"{symbol} Corporation"),
        industry=fields.pop("industry", "Technology"),
        groups=groups,
        **fields,
    )


def daily_bar(
    symbol: str, day: date, close: str, *, volume: int = 10_000, source: str = "simulated"
) -> BarData:
    price = Decimal(close)
    return BarData(
        symbol=symbol,
        interval="1d",
        start=datetime.combine(day, time(0), tzinfo=VN_TZ).astimezone(UTC),
        open=price,
        high=price + 100,
        low=price - 100,
        close=price,
        volume=volume,
        value=price * volume,
        source=source,
    )


def trading_days(start: date, count: int) -> list[date]:
    from market.calendar import is_trading_day

    days = []
    day = start
    while len(days) < count:
        if is_trading_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days
