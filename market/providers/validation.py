"""Sanity checks the ingestion service runs on every provider record before storing it.

Each function returns the list of reasons to reject the record (empty = accept), so the caller can
log them all at once. Indices are levels in points: they skip the tick-grid and band checks.
History bars skip the tick grid too, because vnstock's history is adjusted for corporate actions.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from market.calendar import Exchange, InstrumentType, is_on_tick_grid
from market.providers.base import INTERVALS, BarData, QuoteSnapshot, TickData

_SIDES = ("buy", "sell", "unknown")


def _bad_price(label: str, price: Decimal | None, *, required: bool) -> str | None:
    if price is None:
        return f"{label} missing" if required else None
    if not isinstance(price, Decimal):
        return f"{label} is {type(price).__name__}, not Decimal"
    if not price.is_finite():
        return f"{label} is not a finite number ({price})"
    if price <= 0:
        return f"{label} must be positive ({price})"
    return None


def _naive(label: str, when: datetime) -> str | None:
    if when.tzinfo is None or when.utcoffset() is None:
        return f"{label} is a naive datetime"
    return None


def validate_quote(q: QuoteSnapshot, *, instrument_type: InstrumentType) -> list[str]:
    reasons: list[str] = []
    if not q.symbol:
        reasons.append("symbol missing")
    prices: dict[str, Decimal | None] = {
        "reference": q.reference,
        "last": q.last,
        "open": q.open,
        "high": q.high,
        "low": q.low,
    }
    is_index = instrument_type == "index"
    if not is_index:
        prices["ceiling"] = q.ceiling
        prices["floor"] = q.floor
    required = {"reference", "last"} | (set() if is_index else {"ceiling", "floor"})
    valid: dict[str, Decimal] = {}
    for label, price in prices.items():
        problem = _bad_price(label, price, required=label in required)
        if problem:
            reasons.append(problem)
        elif price is not None:
            valid[label] = price
    levels = [("bid", i, p, v) for i, (p, v) in enumerate(q.bids, 1)] + [
        ("ask", i, p, v) for i, (p, v) in enumerate(q.asks, 1)
    ]
    for side, i, price, volume in levels:
        problem = _bad_price(f"{side} {i} price", price, required=True)
        if problem:
            reasons.append(problem)
        else:
            valid[f"{side} {i}"] = price
        if volume < 0:
            reasons.append(f"{side} {i} volume is negative ({volume})")
    if "high" in valid and "low" in valid and valid["high"] < valid["low"]:
        reasons.append(f"high {valid['high']} below low {valid['low']}")
    if q.volume > 0 and "high" in valid and "low" in valid:
        for label in ("open", "last"):
            if label in valid and not valid["low"] <= valid[label] <= valid["high"]:
                reasons.append(f"{label} {valid[label]} outside low/high")
    if not is_index:
        exchange = Exchange(q.exchange)
        for label, price in valid.items():
            if label == "reference" and exchange is Exchange.UPCOM:
                continue  # UPCOM's reference is the previous session's weighted average
            if not is_on_tick_grid(exchange, price, instrument_type):
                reasons.append(f"{label} {price} is off the {exchange} tick grid")
        if "ceiling" in valid and "floor" in valid:
            floor, ceiling = valid["floor"], valid["ceiling"]
            if floor > ceiling:
                reasons.append(f"floor {floor} above ceiling {ceiling}")
            for label, price in valid.items():
                if label in ("ceiling", "floor"):
                    continue
                if not floor <= price <= ceiling:
                    reasons.append(f"{label} {price} outside the band {floor}-{ceiling}")
    if q.volume < 0:
        reasons.append(f"volume is negative ({q.volume})")
    if not q.value.is_finite() or q.value < 0:
        reasons.append(f"value must be a non-negative number ({q.value})")
    if q.foreign_buy < 0 or q.foreign_sell < 0:
        reasons.append("foreign volumes must not be negative")
    problem = _naive("as_of", q.as_of)
    if problem:
        reasons.append(problem)
    return reasons


def validate_bar(b: BarData, *, instrument_type: InstrumentType = "stock") -> list[str]:
    reasons: list[str] = []
    if not b.symbol:
        reasons.append("symbol missing")
    if b.interval not in INTERVALS:
        reasons.append(f"unknown interval {b.interval!r}")
    prices = {"open": b.open, "high": b.high, "low": b.low, "close": b.close}
    problems = [_bad_price(label, price, required=True) for label, price in prices.items()]
    reasons.extend(p for p in problems if p)
    if not any(problems):
        if b.high < b.low:
            reasons.append(f"high {b.high} below low {b.low}")
        if not b.low <= b.open <= b.high:
            reasons.append(f"open {b.open} outside low/high")
        if not b.low <= b.close <= b.high:
            reasons.append(f"close {b.close} outside low/high")
    if b.volume < 0:
        reasons.append(f"volume is negative ({b.volume})")
    if b.value is not None and (not b.value.is_finite() or b.value < 0):
        reasons.append(f"value must be a non-negative number ({b.value})")
    problem = _naive("start", b.start)
    if problem:
        reasons.append(problem)
    return reasons


def validate_tick(
    t: TickData,
    *,
    reference_band: tuple[Decimal, Decimal] | None,
    exchange: Exchange | str | None = None,
    instrument_type: InstrumentType = "stock",
) -> list[str]:
    """``reference_band`` is the day's ``(floor, ceiling)``; pass ``exchange`` to check the grid."""
    reasons: list[str] = []
    if not t.symbol:
        reasons.append("symbol missing")
    problem = _bad_price("price", t.price, required=True)
    if problem:
        reasons.append(problem)
    else:
        if reference_band is not None:
            floor, ceiling = reference_band
            if not floor <= t.price <= ceiling:
                reasons.append(f"price {t.price} outside the band {floor}-{ceiling}")
        if (
            exchange is not None
            and instrument_type != "index"
            and not is_on_tick_grid(exchange, t.price, instrument_type)
        ):
            reasons.append(f"price {t.price} is off the {exchange} tick grid")
    if t.volume <= 0:
        reasons.append(f"volume must be positive ({t.volume})")
    if t.side not in _SIDES:
        reasons.append(f"unknown side {t.side!r}")
    problem = _naive("time", t.time)
    if problem:
        reasons.append(problem)
    return reasons
