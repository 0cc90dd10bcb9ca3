"""Return and risk figures: TWR, XIRR, linked Modified Dietz, volatility, drawdown, annualising.

The definitions are docs/portfolio-maths.md's (section Returns); ``portfolio.performance`` builds the
daily series they run on, and the summary's "Return %" is ``linked_modified_dietz``.

- TWR: inflows I_t count at the START of day t, outflows O_t at its END:
  r_t = (V_t + O_t) / (V_{t-1} + I_t) - 1; a day whose base V_{t-1} + I_t is below half a VND
  contributes nothing (r = 0, left out of volatility). A deposit the day after an empty day is
  therefore counted, and a nearly empty day before a large deposit cannot make the return explode.
- XIRR: searched over the whole interval (-1, +inf), in y = log(1 + x) space where the net present
  value never overflows; "no rate" only when no root exists.
- Return % (the summary): Modified Dietz over the portfolio's life, linked at every point where it
  held no shares (its value is then known without a price: the cash, or zero without cash
  tracking). Cheap: one pass over the dated flows, no price history.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from portfolio.ledger import SHARE_SIGN, Kind, LedgerEntry, cash_effect, trade_order
from portfolio_site.numbers import PERCENT_PLACES, half_up

TRADING_DAYS_PER_YEAR = 250
DAYS_PER_YEAR = 365
ZERO_VALUE = 0.5  # a value below half a VND is nothing

FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")


# --- time-weighted return --------------------------------------------------------------------


@dataclass(frozen=True)
class TwrResult:
    index: FloatArray  # I_0 = 1, I_t = prod(1 + r_s) for s <= t
    returns: FloatArray  # r_t for t >= 1 (0 where skipped)
    counted: npt.NDArray[np.bool_]  # False where the day's base V_{t-1} + I_t was zero or less
    twr: float


def twr(
    values: FloatArray | Sequence[float],
    inflows: FloatArray | Sequence[float],
    outflows: FloatArray | Sequence[float],
) -> TwrResult:
    """Time-weighted return: inflows at the start of their day, outflows at its end.

    `inflows` and `outflows` are per day and non-negative; those of day 0 are ignored (V_0 holds
    them). Without flows after day 0 the growth factors are V_t / V_{t-1}, so TWR = V_end / V_0 - 1.
    """
    v = np.asarray(values, dtype=np.float64)
    i = np.asarray(inflows, dtype=np.float64)
    o = np.asarray(outflows, dtype=np.float64)
    if v.size == 0:
        empty = np.zeros(0)
        return TwrResult(index=empty, returns=empty, counted=np.zeros(0, dtype=bool), twr=0.0)
    base = v[:-1] + i[1:]
    counted = base >= ZERO_VALUE
    safe = np.where(counted, base, 1.0)
    # Chain the growth factors themselves: 1 + (g - 1) would lose digits when g is small.
    growth = np.where(counted, (v[1:] + o[1:]) / safe, 1.0)
    index = np.concatenate([[1.0], np.cumprod(growth)])
    return TwrResult(index=index, returns=growth - 1.0, counted=counted, twr=float(index[-1] - 1.0))


def max_drawdown(index: FloatArray | Sequence[float]) -> float:
    """max over t of 1 - I_t / max_{s<=t} I_s (0 for an empty or rising series)."""
    series = np.asarray(index, dtype=np.float64)
    if series.size == 0:
        return 0.0
    peaks = np.maximum.accumulate(series)
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdowns = np.where(peaks > 0, 1.0 - series / peaks, 0.0)
    return float(max(drawdowns.max(), 0.0))


def volatility(returns: FloatArray, counted: npt.NDArray[np.bool_]) -> float | None:
    """Annualised volatility of the counted daily returns; None with fewer than two."""
    sample = returns[counted]
    if sample.size < 2:
        return None
    return float(np.std(sample, ddof=1) * math.sqrt(TRADING_DAYS_PER_YEAR))


def annualised_return(total: float, *, days: int) -> float | None:
    """(1 + total) ** (365 / days) - 1 for ranges of at least a year, else None."""
    if days < DAYS_PER_YEAR or total <= -1.0:
        return None
    return float((1.0 + total) ** (DAYS_PER_YEAR / days) - 1.0)


# --- money-weighted return (XIRR) ------------------------------------------------------------


@dataclass(frozen=True)
class XirrResult:
    rate: float | None
    note: str | None = None  # why there is no rate


def _npv(rate: float, years: FloatArray, flows: FloatArray) -> float:
    return float(np.sum(flows * np.power(1.0 + rate, -years)))


def _scaled_npv(log_growth: FloatArray, years: FloatArray, flows: FloatArray) -> FloatArray:
    """NPV at each y = log(1 + x), times a positive factor that keeps every exponent <= 0.

    NPV(y) = sum(CF_i * exp(-y * t_i)). For y >= 0 the exponents -y * t_i are already <= 0; for
    y < 0 the sum is multiplied by exp(y * t_max), giving exponents y * (t_max - t_i) <= 0. The
    sign, which is all a root search needs, is unchanged, and nothing overflows.
    """
    y = np.asarray(log_growth, dtype=np.float64)[:, None]
    shift = np.where(y < 0, float(years.max()), 0.0)
    return (flows[None, :] * np.exp(-y * (years[None, :] - shift))).sum(axis=1)


def _limit_sign(years: FloatArray, flows: FloatArray, *, first: bool) -> float:
    """Sign of the NPV as y -> +inf (the earliest flows dominate) or -inf (the latest do)."""
    for t in np.unique(years)[:: 1 if first else -1]:
        total = float(flows[years == t].sum())
        if total != 0.0:
            return math.copysign(1.0, total)
    return 0.0


# Grid of y * t_max (the exponent at the longest horizon) for the bracket search: dense near 0,
# out to +-700, where exp() still fits a float.
_EXPONENTS = np.exp(np.linspace(math.log(1e-6), math.log(700.0), 600))
_EXPONENT_GRID = np.concatenate([-_EXPONENTS[::-1], [0.0], _EXPONENTS])


def xirr(
    dates: Sequence[date] | DateArray,
    cashflows: Sequence[Decimal | float] | FloatArray,
    *,
    guess: float = 0.1,
) -> XirrResult:
    """The annual rate x with sum(CF_i / (1 + x) ** ((d_i - d_0) / 365)) == 0.

    Newton's method from `guess`; when it fails to converge, a bracket search over the whole
    interval (-1, +inf) (``_xirr_bracketed``) finds the root nearest to x = 0.
    """
    days = np.asarray(dates, dtype="datetime64[D]")
    flows = np.asarray([float(cf) for cf in cashflows], dtype=np.float64)
    if days.shape != flows.shape:
        raise ValueError("dates and cashflows must have the same length")
    keep = flows != 0
    days, flows = days[keep], flows[keep]
    if flows.size < 2 or not (np.any(flows > 0) and np.any(flows < 0)):
        return XirrResult(None, "needs at least one negative and one positive cash flow")
    years = (days - days.min()).astype(np.float64) / DAYS_PER_YEAR
    if float(years.max()) == 0.0:
        return XirrResult(None, "all cash flows fall on one day")
    scale = float(np.abs(flows).sum())
    tolerance = 1e-10 * scale

    rate = guess
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(50):
            discount = np.power(1.0 + rate, -years)
            value = float(np.sum(flows * discount))
            slope = float(np.sum(-years * flows * discount / (1.0 + rate)))
            if slope == 0.0 or not math.isfinite(slope) or not math.isfinite(value):
                break
            step = value / slope
            rate -= step
            if not math.isfinite(rate) or rate <= -1.0:
                break
            if abs(step) < 1e-12 * max(1.0, abs(rate)):
                if abs(_npv(rate, years, flows)) <= tolerance:
                    return XirrResult(rate)
                break
    return _xirr_bracketed(years, flows)


def _xirr_bracketed(years: FloatArray, flows: FloatArray) -> XirrResult:
    """The root nearest to x = 0 over all of (-1, +inf), by bisection in y = log(1 + x).

    A grid of y (scaled to the flows' horizon) looks for sign changes; beyond its ends the sign
    tends to that of the earliest (y -> +inf) or the latest (y -> -inf) flows, so a root out
    there is found by doubling the bracket. No sign change anywhere means no root.
    """
    horizon = float(years.max())
    grid = _EXPONENT_GRID / horizon
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        sign = np.sign(_scaled_npv(grid, years, flows))
    roots = np.flatnonzero(sign == 0)
    if roots.size:
        y = float(grid[roots[np.argmin(np.abs(grid[roots]))]])
        return _rate_from_log(y)
    changes = np.flatnonzero(sign[:-1] * sign[1:] < 0)
    brackets = [(float(grid[c]), float(grid[c + 1])) for c in changes]
    # Beyond the grid's ends the sign tends to that of the latest flows (y -> -inf) or of the
    # earliest (y -> +inf): a different sign there means a root further out.
    for end_index, limit in (
        (0, _limit_sign(years, flows, first=False)),
        (-1, _limit_sign(years, flows, first=True)),
    ):
        end_sign = float(sign[end_index])
        if limit == 0.0 or end_sign == 0.0 or limit == end_sign:
            continue
        inner = float(grid[end_index])
        outer = inner * 2
        while _sign_at(outer, years, flows) == end_sign and abs(outer) < 1e300:
            inner, outer = outer, outer * 2
        brackets.append((min(inner, outer), max(inner, outer)))
    if not brackets:
        return XirrResult(None, "no rate makes the cash flows' net present value zero")
    low, high = min(brackets, key=lambda b: min(abs(b[0]), abs(b[1])))
    low_sign = _sign_at(low, years, flows)
    for _ in range(2000):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        value = _sign_at(middle, years, flows)
        if value == 0.0:
            low = high = middle
            break
        if value == low_sign:
            low = middle
        else:
            high = middle
    return _rate_from_log((low + high) / 2)


def _sign_at(log_growth: float, years: FloatArray, flows: FloatArray) -> float:
    return float(np.sign(_scaled_npv(np.array([log_growth]), years, flows))[0])


def _rate_from_log(log_growth: float) -> XirrResult:
    if log_growth > math.log(np.finfo(np.float64).max):
        return XirrResult(None, "the rate is too large to represent")
    return XirrResult(math.expm1(log_growth))


# --- the summary's Return %: linked Modified Dietz --------------------------------------------


_CASH_FLOWS = frozenset({Kind.DEPOSIT, Kind.WITHDRAWAL})


@dataclass(frozen=True)
class DietzPeriod:
    """A Modified Dietz sub-period still open at the valuation date."""

    start_value: Decimal  # V_0, known exactly (cash, or zero without cash tracking)
    net_flow: Decimal  # sum of F_i
    weighted_base: Decimal  # V_0 + sum of w_i * F_i


@dataclass(frozen=True)
class LinkedDietz:
    """The portfolio's return over its life, up to a value known only at valuation time.

    ``rate(end_value)`` = prod(1 + R_k) - 1 over the closed sub-periods and the open one, where
    R = (V_end - V_0 - sum F_i) / (V_0 + sum w_i F_i). Sub-periods whose base is zero or less
    contribute nothing; None when none had a positive base.
    """

    growth: Decimal  # prod(1 + R_k) over the closed sub-periods
    counted: bool  # whether any closed sub-period had a positive base
    open: DietzPeriod | None

    def rate(self, end_value: Decimal) -> Decimal | None:
        growth, counted = self.growth, self.counted
        period = self.open
        if period is not None and period.weighted_base > 0:
            gain = end_value - period.start_value - period.net_flow
            growth *= ONE + gain / period.weighted_base
            counted = True
        return growth - ONE if counted else None

    def percent(self, end_value: Decimal) -> Decimal | None:
        """``rate(end_value)`` in percent, half-up to two decimals."""
        rate = self.rate(end_value)
        if rate is None:
            return None
        return half_up(rate * 100, PERCENT_PLACES)


def _dietz(
    start_value: Decimal, start: date, end: date, flows: list[tuple[date, Decimal]]
) -> tuple[Decimal, Decimal]:
    """(net flow, weighted base V_0 + sum w_i F_i) of a sub-period, day weights up to `end`.

    An inflow on day d is invested from the start of d: weight (end - d + 1) / days; an outflow
    leaves at the end of d: weight (end - d) / days, where days = end - start + 1 (inclusive).
    Flows after `end` weigh as on `end`.
    """
    net = invested_days = ZERO
    for day, flow in flows:
        left = (end - min(day, end)).days
        net += flow
        invested_days += flow * (left + 1 if flow > 0 else left)
    return net, start_value + invested_days / ((end - start).days + 1)


def linked_modified_dietz(
    entries: Iterable[LedgerEntry], *, track_cash: bool, end: date
) -> LinkedDietz:
    """The summary's "Return %" up to `end`: Modified Dietz linked where no shares were held.

    A sub-period closes when the portfolio, holding no shares, takes new shares: its end value is
    the cash (zero without cash tracking), its last day the day the last share left. Entries made
    while holding nothing (a late dividend, a withdrawal) belong to the sub-period that just
    closed, weighted as on its last day, so idle days never dilute the return. The sub-period
    still open is weighted up to `end` (or its last day when it holds nothing) and valued by the
    caller. One pass in trade order (the ledger snapshot runs it on every ledger change).
    """
    growth, counted = ONE, False
    shares = 0
    cash = ZERO
    # the sub-period being built: its opening value, first and last day, flows, whether it held
    opened = False
    start_value = ZERO
    first = last = end
    flows: list[tuple[date, Decimal]] = []
    held = False
    for entry in sorted(entries, key=trade_order):
        kind, day = entry.kind, entry.trade_date
        delta = SHARE_SIGN.get(kind, 0) * entry.quantity
        if opened and shares == 0 and delta > 0:
            net, base = _dietz(start_value, first, last, flows)
            if base > 0:
                value = cash if track_cash else ZERO
                growth *= ONE + (value - start_value - net) / base
                counted = True
            opened = False
        if not opened:
            opened, held, flows = True, False, []
            start_value = cash if track_cash else ZERO
            first = last = day
        effect = cash_effect(entry)
        # External flows: deposits and withdrawals with cash tracked; without, every other cash
        # movement crosses the securities' edge (BUY cost and FEE rows in; proceeds, dividends
        # and interest out), the opposite of its effect on cash.
        if (kind in _CASH_FLOWS) == track_cash and effect:
            flows.append((day, effect if track_cash else -effect))
        shares += delta
        cash += effect
        if delta or shares > 0:
            last, held = day, True
        elif not held:
            last = day
    if not opened:
        return LinkedDietz(growth=growth, counted=counted, open=None)
    net, base = _dietz(start_value, first, max(end, last) if shares > 0 else last, flows)
    return LinkedDietz(
        growth=growth,
        counted=counted,
        open=DietzPeriod(start_value=start_value, net_flow=net, weighted_base=base),
    )
