"""The reference returns: portfolio-maths.md's "Returns" and "Today's P&L" in exact arithmetic.

Values and flows are `Fraction`s and the TWR is an exact product. XIRR has no closed form, so it
is found by bisection on g = ln(1 + x) in 40-digit `Decimal`: a bracket where the net present
value changes sign is located on a grid (extended outwards, towards x -> -1 and x -> +inf, as far
as the flows' signs say a root must lie), then halved until it is narrower than 1e-18.

Series conventions (the document says "close of the last trading day <= t"; the rest follows the
production engine's documented choices so the two can be compared):
- the series runs over the given trading dates; an entry counts on the first date on or after its
  trade date, and entries on or before the first date are already in V_0;
- external flows, cash tracked: DEPOSIT in, WITHDRAWAL out. Cash not tracked: BUY gross cost
  (q*p + fee) in; SELL net proceeds, DIVIDEND net and INTEREST out; a FEE row in (the document
  lists no FEE rows here; paying one from outside is money put in, so prices that never move
  give TWR = 0 less fees, as its invariant says).
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

from portfolio.ledger import LedgerEntry
from tests.portfolio.reference.ledger import ReferenceLedger

DAYS_PER_YEAR = 365
XIRR_DIGITS = 40
LARGEST_LOG_RATE = math.log(sys.float_info.max)  # beyond it 1 + x is no float: x = +inf


@dataclass(frozen=True)
class DayPoint:
    day: date
    value: Fraction  # V_t at the close
    inflow: Fraction  # I_t, counted at the start of the day
    outflow: Fraction  # O_t, counted at the end of the day
    holdings: dict[str, int]  # shares held at the close
    cash: Fraction  # cash at the close (computed even when not tracked)


def external_flow(entry: LedgerEntry, *, track_cash: bool) -> tuple[Fraction, Fraction]:
    """(money in, money out) of the valued portfolio for one entry."""
    kind = str(entry.kind)
    gross = Fraction(entry.price) * int(entry.quantity)
    fee, tax, amount = Fraction(entry.fee), Fraction(entry.tax), Fraction(entry.amount)
    if track_cash:
        if kind == "DEPOSIT":
            return amount, Fraction(0)
        if kind == "WITHDRAWAL":
            return Fraction(0), amount
        return Fraction(0), Fraction(0)
    if kind == "BUY":
        return gross + fee, Fraction(0)
    if kind == "SELL":
        return Fraction(0), gross - fee - tax
    if kind == "DIVIDEND":
        return Fraction(0), amount - tax
    if kind == "INTEREST":
        return Fraction(0), amount
    if kind == "FEE":
        return amount, Fraction(0)
    return Fraction(0), Fraction(0)


def daily_values(
    entries: Iterable[LedgerEntry],
    *,
    dates: Sequence[date],
    closes: Mapping[str, Mapping[date, Fraction]],
    track_cash: bool,
) -> list[DayPoint]:
    """V_t, I_t and O_t on each date; `closes` must hold every held symbol on every date."""
    ordered = sorted(entries, key=lambda e: (e.trade_date, e.sequence))
    ledger = ReferenceLedger(track_cash=False)  # the books only: no refusals here
    points: list[DayPoint] = []
    position = 0
    for t, day in enumerate(dates):
        inflow = outflow = Fraction(0)
        while position < len(ordered) and (ordered[position].trade_date <= day):
            entry = ordered[position]
            ledger.apply(entry)
            if t > 0:
                money_in, money_out = external_flow(entry, track_cash=track_cash)
                inflow += money_in
                outflow += money_out
            position += 1
        held = {s: p.quantity for s, p in ledger.positions.items() if p.quantity}
        value = sum((Fraction(closes[s][day]) * q for s, q in held.items()), Fraction(0))
        if track_cash:
            value += ledger.cash
        points.append(DayPoint(day, value, inflow, outflow, held, ledger.cash))
    return points


def daily_returns(points: Sequence[DayPoint]) -> list[Fraction | None]:
    """r_t = (V_t + O_t) / (V_{t-1} + I_t) - 1 for t >= 1; None where the base is zero or less."""
    returns: list[Fraction | None] = []
    for previous, point in itertools.pairwise(points):
        base = previous.value + point.inflow
        returns.append(None if base <= 0 else (point.value + point.outflow) / base - 1)
    return returns


def twr(points: Sequence[DayPoint]) -> Fraction:
    growth = Fraction(1)
    for r in daily_returns(points):
        if r is not None:
            growth *= 1 + r
    return growth - 1


def investor_flows(points: Sequence[DayPoint]) -> list[tuple[date, Fraction]]:
    """XIRR flows: -V_0 on the first date, withdrawals (+) and deposits (-), +V_end on the last."""
    flows = [(points[0].day, -points[0].value)]
    flows += [(p.day, p.outflow - p.inflow) for p in points[1:]]
    flows.append((points[-1].day, points[-1].value))
    return flows


# --- XIRR ---------------------------------------------------------------------------------------


def _merged(flows: Iterable[tuple[date, Fraction]]) -> list[tuple[Fraction, Fraction]]:
    """(years since the first date, net flow) per date, zero flows dropped."""
    by_day: dict[date, Fraction] = {}
    for day, amount in flows:
        by_day[day] = by_day.get(day, Fraction(0)) + Fraction(amount)
    if not by_day:
        return []
    first = min(by_day)
    return [
        (Fraction((day - first).days, DAYS_PER_YEAR), amount)
        for day, amount in sorted(by_day.items())
        if amount != 0
    ]


def _sign_float(g: float, flows: Sequence[tuple[float, float]]) -> int:
    """Sign of NPV at g = ln(1 + x), scaled so that nothing overflows."""
    exponents = [-g * years for years, _ in flows]
    top = max(exponents)
    total = math.fsum(cf * math.exp(e - top) for (_, cf), e in zip(flows, exponents, strict=True))
    return (total > 0) - (total < 0)


def _npv_decimal(g: Decimal, flows: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    return sum((cf * (-g * years).exp() for years, cf in flows), Decimal(0))


def _bisect(low: float, high: float, flows: Sequence[tuple[Fraction, Fraction]]) -> float | None:
    with localcontext() as ctx:
        ctx.prec, ctx.Emax, ctx.Emin = XIRR_DIGITS, 10**8, -(10**8)
        exact = [
            (Decimal(y.numerator) / y.denominator, Decimal(c.numerator) / c.denominator)
            for y, c in flows
        ]
        lo, hi = Decimal(repr(low)), Decimal(repr(high))
        lo_value, hi_value = _npv_decimal(lo, exact), _npv_decimal(hi, exact)
        if lo_value == 0:
            return float(lo)
        if hi_value == 0:
            return float(hi)
        if (lo_value > 0) == (hi_value > 0):
            return None  # the float scan was wrong about this bracket
        width = Decimal("1e-18")
        while hi - lo > width:
            middle = (lo + hi) / 2
            value = _npv_decimal(middle, exact)
            if value == 0:
                return float(middle)
            if (value > 0) == (lo_value > 0):
                lo, lo_value = middle, value
            else:
                hi = middle
        return float((lo + hi) / 2)


def xirr_roots(flows: Iterable[tuple[date, Fraction]]) -> list[float]:
    """Every rate x in (-1, +inf) with sum(CF_i / (1 + x) ** years_i) = 0 that a sign change shows
    (math.inf for a rate too large for a float: a tenfold gain in a day is x = 10^365 - 1)."""
    return [_rate(g) for g in xirr_log_roots(flows)]


def _rate(log_root: float) -> float:
    return math.inf if log_root > LARGEST_LOG_RATE else math.expm1(log_root)


def xirr_log_roots(flows: Iterable[tuple[date, Fraction]]) -> list[float]:
    """The roots as g = ln(1 + x) (x itself rounds to -1.0 in floats for a large quick loss).

    As x -> -1 (g -> -inf) the NPV takes the sign of the last flow, as x -> +inf that of the
    first, so when they differ a root must exist and the grid is extended until it is bracketed.
    A root where the NPV only touches zero (no sign change) is not reported.
    """
    merged = _merged(flows)
    if len(merged) < 2 or not (any(c > 0 for _, c in merged) and any(c < 0 for _, c in merged)):
        return []
    floats = [(float(y), float(c)) for y, c in merged]
    grid = [i / 4 for i in range(-256, 257)]  # g from -64 to 64
    # towards -1: the NPV ends with the last flow's sign; towards +inf with the first flow's.
    last_sign = 1 if merged[-1][1] > 0 else -1
    first_sign = 1 if merged[0][1] > 0 else -1
    low = grid[0]
    while _sign_float(low, floats) != last_sign and low > -(2.0**24):
        low *= 2
        grid.insert(0, low)
    high = grid[-1]
    while _sign_float(high, floats) != first_sign and high < 2.0**24:
        high *= 2
        grid.append(high)
    signs = [_sign_float(g, floats) for g in grid]
    roots = []
    for i in range(len(grid) - 1):
        if signs[i] == 0:
            roots.append(grid[i])
        elif signs[i] * signs[i + 1] < 0:
            root = _bisect(grid[i], grid[i + 1], merged)
            if root is not None:
                roots.append(root)
    return roots


def xirr(flows: Iterable[tuple[date, Fraction]]) -> float | None:
    """The root nearest to x = 0, or None when no rate exists."""
    roots = xirr_log_roots(flows)
    return _rate(min(roots, key=abs)) if roots else None


# --- today's P&L --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayChange:
    change: Fraction
    base: Fraction  # quantity at yesterday's close x reference + today's buys q x p


def day_changes(
    entries: Iterable[LedgerEntry],
    *,
    today: date,
    last: Mapping[str, Fraction],
    reference: Mapping[str, Fraction],
) -> dict[str, DayChange]:
    """Per symbol: quantity_now*last + sells q*p - quantity_at_yesterday_close*reference - buys q*p.

    Symbols held at yesterday's close or traded today; entries after `today` are ignored.
    """
    before: dict[str, int] = {}
    now: dict[str, int] = {}
    bought: dict[str, Fraction] = {}
    sold: dict[str, Fraction] = {}
    for entry in entries:
        kind, symbol, q = str(entry.kind), entry.symbol, int(entry.quantity)
        if entry.trade_date > today or kind not in (
            "BUY",
            "SELL",
            "STOCK_DIVIDEND",
            "SHARE_CONSOLIDATION",
        ):
            continue
        delta = -q if kind in ("SELL", "SHARE_CONSOLIDATION") else q
        now[symbol] = now.get(symbol, 0) + delta
        if entry.trade_date < today:
            before[symbol] = before.get(symbol, 0) + delta
        elif kind == "BUY":
            bought[symbol] = bought.get(symbol, Fraction(0)) + q * Fraction(entry.price)
        elif kind == "SELL":
            sold[symbol] = sold.get(symbol, Fraction(0)) + q * Fraction(entry.price)
    lines = {}
    for symbol in sorted(set(now)):
        if not (before.get(symbol) or symbol in bought or symbol in sold):
            continue
        held_before = before.get(symbol, 0)
        change = (
            now[symbol] * Fraction(last[symbol])
            + sold.get(symbol, Fraction(0))
            - held_before * Fraction(reference[symbol])
            - bought.get(symbol, Fraction(0))
        )
        base = held_before * Fraction(reference[symbol]) + bought.get(symbol, Fraction(0))
        lines[symbol] = DayChange(change, base)
    return lines
