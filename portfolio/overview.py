"""All portfolios of a user at once: totals, today's P&L, allocation by symbol and performance.

Built from each portfolio's own figures, so the overview can never disagree with them:

- each portfolio is valued by ``selectors.portfolio_valuation`` (its folded ledger, cached per
  portfolio version and invalidated exactly like the single-portfolio summary, x the latest
  quotes); a total is the sum of the portfolios' rounded summary figures, to the đồng. ``cash`` sums
  the portfolios that track cash (null when none does); ``receivables`` their pending
  entitlements (in ``total_value``, as in each summary). ``day_change_pct`` divides the summed day
  change by the summed exact day bases (what each portfolio's own percentage divides by).
- a portfolio whose stored ledger no longer folds (409 ``ledger_inconsistent`` on its summary) is
  listed with its ``error`` and left out of every total.
- ``share`` is a portfolio's total value in percent of the summed total value.
- allocation: the holdings' rounded market values summed per symbol across portfolios, largest
  first, then one cash slice (the summed cash, when positive) and one of the pending entitlements
  (when positive); weights are percent of the summed
  total value.
- performance: each portfolio's cached performance series over the range (no benchmark: the
  client asks a portfolio's own performance for that), summed per trading date. A portfolio whose
  series starts later joins with its first value as money paid in that day. The combined TWR links
  the daily returns of the summed series (``portfolio.returns.twr``), each portfolio's net flow of
  a day counted in at the start of the day when positive and out at its end when negative.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from portfolio import selectors
from portfolio.models import Portfolio
from portfolio.returns import max_drawdown, twr
from portfolio.valuation import (
    CASH_KEY,
    RECEIVABLES_KEY,
    Summary,
    Valuation,
    iso_utc,
    money,
    percent,
)
from portfolio_site.errors import Conflict

ZERO = Decimal(0)
SUMMED = (
    "cost_basis",
    "market_value",
    "total_value",
    "net_flows",
    "realized_pnl",
    "unrealized_pnl",
    "dividends",
    "interest",
    "fees",
    "taxes",
    "total_return",
    "day_change",
)


@dataclass
class PortfolioLine:
    id: int
    name: str
    cash_tracked: bool
    benchmark: str
    error: dict[str, str] | None = None
    summary: Summary | None = None
    share: Decimal | None = None


@dataclass
class Overview:
    as_of: str
    totals: dict[str, Any]
    portfolios: list[PortfolioLine]
    allocation: list[dict[str, Any]] = field(default_factory=list)
    performance: dict[str, Any] | None = None


def _day_base(valuation: Valuation) -> Decimal:
    """The exact base the portfolio's own day_change_pct divides by."""
    lines = [*valuation.holdings, *valuation.summary.day_closed]
    return sum(
        (
            line.day_base_quantity * line.reference_price
            + (line.day_pending_base or ZERO)
            + line.day_bought_value
            for line in lines
            if line.day_change is not None
            and line.reference_price is not None
            and line.day_base_quantity is not None
            and line.day_bought_value is not None
        ),
        ZERO,
    )


def portfolios_overview(*, user: Any, range_code: str = "1Y") -> Overview:
    """Every portfolio of ``user`` valued, summed and allocated; performance over ``range_code``
    (400 ``invalid_range`` like a portfolio's performance)."""
    portfolios = list(selectors.portfolio_list(user=user))
    lines: list[PortfolioLine] = []
    valuations: list[tuple[Portfolio, Valuation]] = []
    for portfolio in portfolios:
        line = PortfolioLine(
            id=portfolio.pk,
            name=portfolio.name,
            cash_tracked=portfolio.track_cash,
            benchmark=portfolio.benchmark,
        )
        try:
            valuation = selectors.portfolio_valuation(portfolio=portfolio)
        except Conflict as exc:
            line.error = {"code": exc.code, "message": exc.message}
        else:
            line.summary = valuation.summary
            valuations.append((portfolio, valuation))
        lines.append(line)

    summaries = [v.summary for _, v in valuations]
    totals: dict[str, Any] = {
        name: sum((getattr(s, name) for s in summaries), ZERO) for name in SUMMED
    }
    cash = [s.cash for s in summaries if s.cash is not None]
    totals["cash"] = sum(cash, ZERO) if cash else None
    totals["receivables"] = sum((s.receivables.total for s in summaries), ZERO)
    totals["day_change_pct"] = percent(
        totals["day_change"], sum((_day_base(v) for _, v in valuations), ZERO)
    )
    totals["holdings_count"] = len({h.symbol for _, v in valuations for h in v.holdings})
    totals["portfolios_count"] = len(lines)
    total_value = totals["total_value"]
    for line in lines:
        if line.summary is not None:
            line.share = percent(line.summary.total_value, total_value)

    by_symbol: dict[str, Decimal] = defaultdict(Decimal)
    labels: dict[str, str] = {}
    for _, valuation in valuations:
        for holding in valuation.holdings:
            by_symbol[holding.symbol] += holding.market_value
            labels[holding.symbol] = holding.name or holding.symbol
    allocation = [
        {"key": s, "label": labels[s], "market_value": v, "weight": percent(v, total_value)}
        for s, v in sorted(by_symbol.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    if totals["cash"] is not None and totals["cash"] > 0:
        allocation.append(
            {
                "key": CASH_KEY,
                "label": "Cash",
                "market_value": totals["cash"],
                "weight": percent(totals["cash"], total_value),
            }
        )
    if totals["receivables"] > 0:
        allocation.append(
            {
                "key": RECEIVABLES_KEY,
                "label": "Pending entitlements",
                "market_value": totals["receivables"],
                "weight": percent(totals["receivables"], total_value),
            }
        )
    newest = max((s.as_of for s in summaries), default=None)
    return Overview(
        as_of=newest or iso_utc(timezone.now()),
        totals=totals,
        portfolios=lines,
        allocation=allocation,
        performance=_combined_performance([p for p, _ in valuations], range_code),
    )


def _combined_performance(portfolios: list[Portfolio], range_code: str) -> dict[str, Any]:
    code = selectors.performance_range_code(range_code)
    results = [
        selectors.portfolio_performance(portfolio=p, range_code=code, benchmark="none")
        for p in portfolios
    ]
    values: dict[date, Decimal] = defaultdict(Decimal)
    inflows: dict[date, Decimal] = defaultdict(Decimal)
    outflows: dict[date, Decimal] = defaultdict(Decimal)
    flows: dict[date, Decimal] = defaultdict(Decimal)
    series_dates = [[date.fromisoformat(p["date"]) for p in r["series"]] for r in results]
    first = min((d[0] for d in series_dates if d), default=None)
    for result, days in zip(results, series_dates, strict=True):
        for index, (point, day) in enumerate(zip(result["series"], days, strict=True)):
            value, flow = Decimal(point["value"]), Decimal(point["flow"])
            if index == 0 and day != first:
                flow = value  # joins the combined series: its opening value is money paid in
            values[day] += value
            flows[day] += flow
            if flow > 0:
                inflows[day] += flow
            else:
                outflows[day] -= flow
    # Every series runs over the same trading calendar, ending on the same last close.
    dates = sorted(values)
    total = [values[d] for d in dates]
    growth = twr(
        [float(v) for v in total],
        [float(inflows[d]) for d in dates],
        [float(outflows[d]) for d in dates],
    )
    if dates:
        flows[dates[0]] = ZERO
    net_flows = sum((flows[d] for d in dates), ZERO)
    start_value = total[0] if total else ZERO
    end_value = total[-1] if total else ZERO
    return {
        "range": code,
        "start": min((r["start"] for r in results), default=None),
        "end": max((r["end"] for r in results), default=None),
        "start_value": money(start_value),
        "end_value": money(end_value),
        "net_flows": money(net_flows),
        "gain": money(end_value - start_value - net_flows),
        "twr": str(selectors.ratio(growth.twr)) if dates else None,
        "max_drawdown": str(selectors.ratio(max_drawdown(growth.index))) if dates else None,
        "series": [
            {
                "date": day.isoformat(),
                "value": money(value),
                "flow": money(flows[day]),
                "twr_index": str(selectors.ratio(float(index))),
            }
            for day, value, index in zip(dates, total, growth.index, strict=True)
        ],
    }
