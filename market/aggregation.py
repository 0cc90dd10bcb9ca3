"""OHLCV aggregation: ticks into 1-minute bars, and bars into longer bars. Pure (no ORM, no I/O).

Buckets are aligned on the epoch in UTC. Vietnam is UTC+7 with no DST, so 1m, 5m, 15m and 1h
buckets are also aligned on the Vietnam wall clock (09:15-09:20 ICT is one 5m bar). Daily bars are
not built here: the 1d bar starts at Vietnam midnight and is closed from the day's quote.

A bar folds its inputs in time order (ties broken by ``seq`` for ticks):
open = first price, high = max, low = min, close = last price, volume = sum of volumes,
value = sum of price x volume (whole VND, rounded half up at the end).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

INTERVAL_SECONDS: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600}
ROLLUP_INTERVALS: tuple[str, ...] = ("5m", "15m", "1h")
_WHOLE = Decimal(1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TickLike(Protocol):
    @property
    def key(self) -> Hashable: ...
    @property
    def seq(self) -> int: ...
    @property
    def time(self) -> datetime: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def volume(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TickRow:
    """A tick as the aggregator sees it; ``key`` says which series it belongs to (instrument id)."""

    key: Hashable
    seq: int
    time: datetime
    price: Decimal
    volume: int


@dataclass(frozen=True, slots=True)
class BarRow:
    key: Hashable
    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int
    value: Decimal


def bucket_start(when: datetime, interval: str) -> datetime:
    """Start (aware UTC) of the ``interval`` bucket that contains ``when`` (aware)."""
    if when.tzinfo is None:
        raise ValueError("aware datetime required")
    seconds = INTERVAL_SECONDS[interval]
    offset = int((when - _EPOCH).total_seconds() // seconds) * seconds
    return _EPOCH + timedelta(seconds=offset)


def bucket_end(start: datetime, interval: str) -> datetime:
    return start + timedelta(seconds=INTERVAL_SECONDS[interval])


@dataclass(slots=True)
class _Fold:
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int
    value: Decimal

    def row(self, key: Hashable, start: datetime) -> BarRow:
        return BarRow(
            key=key,
            start=start,
            open=self.open,
            high=self.high,
            low=self.low,
            close=self.close,
            volume=self.volume,
            value=self.value.quantize(_WHOLE, rounding=ROUND_HALF_UP),
        )


def bars_from_ticks(ticks: Iterable[TickLike], *, interval: str = "1m") -> list[BarRow]:
    """One bar per (key, bucket) that has ticks, sorted by key then start.

    Input order does not matter: ticks are folded by ``(time, seq)``.
    """
    folds: dict[tuple[Hashable, datetime], _Fold] = {}
    for tick in sorted(ticks, key=lambda t: (t.time, t.seq)):
        slot = (tick.key, bucket_start(tick.time, interval))
        fold = folds.get(slot)
        price = tick.price
        if fold is None:
            folds[slot] = _Fold(price, price, price, price, tick.volume, price * tick.volume)
            continue
        fold.high = max(fold.high, price)
        fold.low = min(fold.low, price)
        fold.close = price
        fold.volume += tick.volume
        fold.value += price * tick.volume
    return _rows(folds)


def roll_up(bars: Iterable[BarRow], *, interval: str) -> list[BarRow]:
    """Combine shorter bars into ``interval`` bars (5m, 15m, 1h from 1m bars)."""
    folds: dict[tuple[Hashable, datetime], _Fold] = {}
    for bar in sorted(bars, key=lambda b: b.start):
        slot = (bar.key, bucket_start(bar.start, interval))
        fold = folds.get(slot)
        if fold is None:
            folds[slot] = _Fold(bar.open, bar.high, bar.low, bar.close, bar.volume, bar.value)
            continue
        fold.high = max(fold.high, bar.high)
        fold.low = min(fold.low, bar.low)
        fold.close = bar.close
        fold.volume += bar.volume
        fold.value += bar.value
    return _rows(folds)


def _rows(folds: dict[tuple[Hashable, datetime], _Fold]) -> list[BarRow]:
    ordered = sorted(folds.items(), key=lambda item: (str(item[0][0]), item[0][1]))
    return [fold.row(key, start) for (key, start), fold in ordered]
