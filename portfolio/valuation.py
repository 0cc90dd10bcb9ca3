"""Valuation maths: holdings, summary, today's P&L and allocation of a folded ledger at given prices.

Pure (no database): ``portfolio.selectors.portfolio_valuation`` (REST) calls ``valuation_compute``
with the stored prices and ``realtime.valuation.LivePortfolio`` with the prices its ticks moved, so
the two can never disagree.

The definitions are the README's ("Portfolio numbers"), after the project's portfolio-maths
document. Rounding: the maths is exact Decimal; every VND figure a line shows is rounded half-up to
whole VND once, by ``money``, and a total is the sum of its rounded lines, so the holdings always
add up to the summary (cost, market value, unrealized, realized, day change). ``money`` never gives -0. Percentages (``percent``) have two decimals,
half-up, from the exact figures; a weight divides a line's rounded value by the rounded total value.

Receivables (README "Valuation across events"): from the ex-date until its ledger row lands, a
pending cash dividend (net) and pending new shares (at the symbol's price) count in
``total_value`` and ``total_return``, like the performance series' value; the summary's
``receivables`` says how much, each holding's ``pending_shares`` / ``pending_cash`` of what.

Today's P&L (the brokers' "lãi/lỗ trong ngày"), per symbol, "today" being the Vietnam trading day
``D`` of the symbol's quote::

    day_change = quantity_now * last + sold_D - base_quantity * reference - bought_D

where ``bought_D`` / ``sold_D`` are the gross values (q x p) of the BUYs / SELLs dated on or after
``D`` and ``base_quantity = quantity_now - bought shares + sold shares`` is the quantity held at the
close before ``D`` plus the bonus shares (STOCK_DIVIDEND) booked since: bonus shares are not bought
at a price; they move from the reference price, which the exchange adjusts for them. With
pending entitlements (``day_line``) their shares join ``quantity_now`` and their cash the value,
and those gone ex before ``D`` join the base (``pending_base``), so the ex-date's drop is offset
by the receivable: day change = value change less flows. The portfolio's day change is the sum
of the rounded lines, its percentage divides by
``sum(base_quantity * reference + pending_base + bought_D)``. A symbol sold out on ``D`` is no
holding any more but still has a line (``Summary.day_closed``). Without a quote's reference (valued at a daily close or
at cost) a line has no day change, nor when the quote is older than the symbol's last
``DAY_FLOW_DAYS`` trade dates (the folded ledger keeps only those).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from market.calendar import market_date
from portfolio.ledger import Kind, LedgerEntry
from portfolio.pickle_fields import pickle_by_fields
from portfolio_site.numbers import PERCENT_PLACES, VND_PLACES, half_up

if TYPE_CHECKING:
    from portfolio.selectors import LedgerSnapshot

ZERO = Decimal(0)
ALLOCATION_KEYS = ("symbol", "industry", "exchange", "type")
CASH_KEY = "CASH"
RECEIVABLES_KEY = "RECEIVABLES"
UNCLASSIFIED = "Unclassified"
# Trade days kept per symbol for today's P&L (a quote older than all of them has no day change).
DAY_FLOW_DAYS = 8


def money(value: Decimal) -> Decimal:
    """Whole VND, half-up (away from zero on a tie); never -0. The one rounding of every VND
    figure the API shows."""
    return half_up(value, VND_PLACES)


def percent(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """``numerator / denominator`` in percent, two decimals half-up; None when dividing by zero."""
    if denominator == 0:
        return None
    return half_up(numerator * 100 / denominator, PERCENT_PLACES)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- the trades today's P&L needs ---------------------------------------------------------------


@pickle_by_fields
@dataclass(frozen=True, slots=True)
class DayFlow:
    """One symbol's trades on one trade date: shares and gross value (q x p) bought and sold."""

    day: date
    bought_quantity: int
    bought_value: Decimal
    sold_quantity: int
    sold_value: Decimal


@pickle_by_fields
@dataclass(frozen=True, slots=True)
class DayFlows:
    """A symbol's newest trade days (oldest first); ``complete`` when no older one was left out."""

    days: tuple[DayFlow, ...]
    complete: bool


_DAY_FLOW_KINDS = frozenset({Kind.BUY, Kind.SELL, Kind.RIGHTS_SUBSCRIPTION})


def day_flows_from(entries: Iterable[LedgerEntry]) -> dict[str, DayFlows]:
    """Per symbol, the BUY/SELL totals of its newest ``DAY_FLOW_DAYS`` trade dates."""
    # An exercised right is bought at its subscription price, like a BUY.
    trades = [e for e in entries if e.kind in _DAY_FLOW_KINDS and e.symbol]
    dates: dict[str, set[date]] = defaultdict(set)
    for entry in trades:
        dates[entry.symbol].add(entry.trade_date)
    since = {symbol: heapq.nlargest(DAY_FLOW_DAYS, days)[-1] for symbol, days in dates.items()}
    totals: dict[str, dict[date, list[Any]]] = defaultdict(dict)
    for entry in trades:
        if entry.trade_date < since[entry.symbol]:
            continue
        row = totals[entry.symbol].setdefault(entry.trade_date, [0, ZERO, 0, ZERO])
        at = 2 if entry.kind is Kind.SELL else 0
        row[at] += entry.quantity
        row[at + 1] += entry.price * entry.quantity
    return {
        symbol: DayFlows(
            days=tuple(DayFlow(day, *by_day[day]) for day in sorted(by_day)),
            complete=len(dates[symbol]) <= DAY_FLOW_DAYS,
        )
        for symbol, by_day in totals.items()
    }


# --- what a valuation is made of ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricePoint:
    """The price a holding is valued at: a quote's (with its reference) or a daily close's."""

    price: Decimal
    reference: Decimal | None
    as_of: datetime
    source: str  # "quote" or "close"


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    name: str
    exchange: str
    industry: str
    type: str


UNKNOWN_INSTRUMENT = InstrumentInfo("", "", "", "")


@dataclass(frozen=True, slots=True)
class PendingEntitlement:
    """A corporate-action receivable open today (``selectors.pending_entitlements``): from the
    ex-date until its ledger row lands, ``cash`` (net of the tax withheld) and ``shares`` (new
    shares; negative for the shares a reverse split takes away) count in the value, the shares at
    the symbol's price. ``close_before``: the as-traded close of the last trading day before the
    ex-date (None when unknown), what the ex-date's day change is measured from."""

    symbol: str
    ex_date: date
    shares: int = 0
    cash: Decimal = ZERO
    close_before: Decimal | None = None


def pending_in_force(
    pending: Iterable[PendingEntitlement], price: PricePoint | None
) -> list[PendingEntitlement]:
    """The receivables a symbol's valuation counts: those gone ex by the trading day of its
    price (all of them without a price), so a price from before the ex-date never meets them."""
    if price is None:
        return list(pending)
    day = market_date(price.as_of)
    return [p for p in pending if p.ex_date <= day]


@dataclass(frozen=True, slots=True)
class DayLine:
    """One symbol's part of today's P&L (exact; rounded where it is shown)."""

    trading_day: date
    reference: Decimal
    base_quantity: int
    bought_value: Decimal
    sold_value: Decimal
    change: Decimal
    pending_base: Decimal = ZERO

    @property
    def base_value(self) -> Decimal:
        """What the day's change is measured against: base shares at the reference, the pending
        entitlements' part of the base, plus buys."""
        return self.base_quantity * self.reference + self.pending_base + self.bought_value


def day_line(
    *,
    quantity: int,
    flows: DayFlows | None,
    price: PricePoint | None,
    pending: Iterable[PendingEntitlement] = (),
) -> DayLine | None:
    """The symbol's day change on its quote's trading day; None without a quote's reference, or
    when the quote is older than the trade days kept.

    ``pending`` (the symbol's receivables counted now): their shares join the quantity and their
    cash the value; one gone ex before the trading day is in the base too (its shares in
    ``base_quantity`` at the reference, its cash in ``pending_base``), one going ex on it is not,
    so the ex-date's price drop is offset by what the holder receives. On that day the base
    shares are measured from the as-traded close before the ex-date (``close_before``), not from
    the exchange's reference, which is adjusted for the event: ``pending_base`` carries
    ``base shares x (close_before - reference)``.
    """
    if price is None or price.reference is None:
        return None
    day = market_date(price.as_of)
    kept = flows.days if flows is not None else ()
    if flows is not None and not flows.complete and (not kept or day < kept[0].day):
        return None
    since = [f for f in kept if f.day >= day]
    bought_quantity = sum(f.bought_quantity for f in since)
    sold_quantity = sum(f.sold_quantity for f in since)
    bought = sum((f.bought_value for f in since), ZERO)
    sold = sum((f.sold_value for f in since), ZERO)
    held_before = quantity - bought_quantity + sold_quantity
    counted = [p for p in pending if p.ex_date <= day]
    earlier = [p for p in counted if p.ex_date < day]
    base_quantity = held_before + sum(p.shares for p in earlier)
    pending_base = sum((p.cash for p in earlier), ZERO)
    going_ex = [p.close_before for p in counted if p.ex_date == day and p.close_before is not None]
    if going_ex:
        pending_base += held_before * (going_ex[0] - price.reference)
    pending_shares = sum(p.shares for p in counted)
    pending_cash = sum((p.cash for p in counted), ZERO)
    change = (
        (quantity + pending_shares) * price.price
        + pending_cash
        + sold
        - base_quantity * price.reference
        - pending_base
        - bought
    )
    return DayLine(day, price.reference, base_quantity, bought, sold, change, pending_base)


@dataclass(frozen=True, kw_only=True)
class DayFields:
    """The day-change figures a holding or a closed line shows, and what the client needs to move
    them with ticks: ``day_change = (quantity + pending_shares) * last + pending_cash +
    day_sold_value - day_base_quantity * reference_price - day_pending_base - day_bought_value``
    (the pending parts are a holding's; zero on a closed line)."""

    trading_day: str | None = None
    reference_price: Decimal | None = None
    day_base_quantity: int | None = None
    day_bought_value: Decimal | None = None
    day_sold_value: Decimal | None = None
    day_pending_base: Decimal | None = None
    day_change: Decimal | None = None
    day_change_pct: Decimal | None = None

    @classmethod
    def of(cls, line: DayLine | None) -> DayFields:
        return cls(**cls.values_of(line))

    @staticmethod
    def values_of(line: DayLine | None) -> dict[str, Any]:
        """The fields' values for ``line`` as keyword arguments (none: all None)."""
        if line is None:
            return {}
        return {
            "trading_day": line.trading_day.isoformat(),
            "reference_price": line.reference,
            "day_base_quantity": line.base_quantity,
            "day_bought_value": line.bought_value,
            "day_sold_value": line.sold_value,
            "day_pending_base": line.pending_base,
            "day_change": money(line.change),
            "day_change_pct": percent(line.change, line.base_value),
        }


@dataclass(frozen=True, kw_only=True)
class Holding(DayFields):
    symbol: str
    name: str
    exchange: str
    industry: str
    type: str
    quantity: int
    settled_quantity: int
    avg_cost: Decimal
    cost_basis: Decimal
    last_price: Decimal | None
    price_source: str  # "quote", "close" or "cost" (no price known: valued at cost)
    price_as_of: str | None
    market_value: Decimal
    unrealized_pnl: Decimal
    unrealized_pnl_pct: Decimal | None
    realized_pnl: Decimal
    weight: Decimal | None
    pending_shares: int = 0
    pending_cash: Decimal = ZERO


@dataclass(frozen=True, kw_only=True)
class ClosedDayLine(DayFields):
    """A symbol sold out on its trading day: not a holding, still part of the day change."""

    symbol: str
    name: str
    last_price: Decimal
    price_as_of: str


@dataclass(frozen=True)
class Receivables:
    """The pending entitlements counted in ``total_value``: net cash, new shares at their price
    (each symbol's rounded once), and their sum."""

    cash: Decimal = ZERO
    shares_value: Decimal = ZERO
    total: Decimal = ZERO


@dataclass(frozen=True)
class Summary:
    cash: Decimal | None
    settled_cash: Decimal | None
    cost_basis: Decimal
    market_value: Decimal
    total_value: Decimal
    net_flows: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    dividends: Decimal
    interest: Decimal
    fees: Decimal
    taxes: Decimal
    total_return: Decimal
    total_return_pct: Decimal | None
    day_change: Decimal
    day_change_pct: Decimal | None
    holdings_count: int
    transactions_count: int
    cash_tracked: bool
    as_of: str
    day_closed: list[ClosedDayLine] = field(default_factory=list)
    receivables: Receivables = field(default_factory=Receivables)


@dataclass(frozen=True)
class Valuation:
    holdings: list[Holding]
    summary: Summary


def valued_symbols(
    snapshot: LedgerSnapshot, pending: Iterable[PendingEntitlement] = ()
) -> list[str]:
    """Symbols a valuation needs prices for: the open positions, those traded lately (a symbol
    sold out today still has a day change) and those with pending entitlements."""
    return sorted(
        set(snapshot.state.open_positions) | set(snapshot.day_flows) | {p.symbol for p in pending}
    )


def _receivables(
    pending: Mapping[str, list[PendingEntitlement]], prices: Mapping[str, PricePoint]
) -> tuple[Receivables, dict[str, tuple[int, Decimal]]]:
    """The receivables counted now, and each symbol's (pending shares, pending cash)."""
    cash_total = shares_total = ZERO
    per_symbol: dict[str, tuple[int, Decimal]] = {}
    for symbol in sorted(pending):
        live = prices.get(symbol)
        counted = pending_in_force(pending[symbol], live)
        if not counted:
            continue
        shares = sum(p.shares for p in counted)
        cash = money(sum((p.cash for p in counted), ZERO))
        per_symbol[symbol] = (shares, cash)
        cash_total += cash
        # Without any price the shares count at nothing (a holding falls back to its cost).
        shares_total += money(shares * live.price) if live is not None else ZERO
    return Receivables(cash_total, shares_total, cash_total + shares_total), per_symbol


def valuation_compute(
    *,
    snapshot: LedgerSnapshot,
    prices: Mapping[str, PricePoint],
    instruments: Mapping[str, InstrumentInfo],
    pending: Iterable[PendingEntitlement] = (),
) -> Valuation:
    """Holdings and summary of a folded ledger at the given prices (pure: no database).

    A holding without a price is valued at its cost. Each line is rounded once (``money``) and the
    summary's totals are the sums of the rounded lines. ``pending``: the corporate-action
    receivables open today (README "Valuation across events"): in ``total_value`` and
    ``total_return``, in each holding's ``pending_shares`` / ``pending_cash`` and its day change.
    """
    return _valuate(snapshot, prices, instruments, pending, with_holdings=True)


def summary_compute(
    *,
    snapshot: LedgerSnapshot,
    prices: Mapping[str, PricePoint],
    instruments: Mapping[str, InstrumentInfo],
    pending: Iterable[PendingEntitlement] = (),
) -> Summary:
    """``valuation_compute(...).summary`` without building the holdings it does not show (the
    same lines, rounded the same way)."""
    return _valuate(snapshot, prices, instruments, pending, with_holdings=False).summary


def _valuate(
    snapshot: LedgerSnapshot,
    prices: Mapping[str, PricePoint],
    instruments: Mapping[str, InstrumentInfo],
    pending: Iterable[PendingEntitlement],
    *,
    with_holdings: bool,
) -> Valuation:
    state = snapshot.state
    positions = state.open_positions
    by_symbol: dict[str, list[PendingEntitlement]] = defaultdict(list)
    for item in pending:
        by_symbol[item.symbol].append(item)
    receivables, pending_lines = _receivables(by_symbol, prices)
    lines: list[tuple[str, Any, PricePoint | None, Decimal, DayLine | None]] = []
    newest: datetime | None = None
    for symbol in sorted(positions):
        position = positions[symbol]
        live = prices.get(symbol)
        value = money(live.price * position.quantity if live else position.cost)
        line = day_line(
            quantity=position.quantity,
            flows=snapshot.day_flows.get(symbol),
            price=live,
            pending=by_symbol.get(symbol, ()),
        )
        if live is not None and (newest is None or live.as_of > newest):
            newest = live.as_of
        lines.append((symbol, position, live, value, line))

    closed: list[ClosedDayLine] = []
    closed_lines: list[DayLine] = []
    for symbol in sorted(set(snapshot.day_flows) - set(positions)):
        live = prices.get(symbol)
        line = day_line(quantity=0, flows=snapshot.day_flows[symbol], price=live)
        if live is None or line is None or (line.bought_value == 0 and line.sold_value == 0):
            continue  # not traded on its quote's day: nothing moved today
        info = instruments.get(symbol, UNKNOWN_INSTRUMENT)
        closed_lines.append(line)
        closed.append(
            ClosedDayLine(
                symbol=symbol,
                name=info.name,
                last_price=money(live.price),
                price_as_of=iso_utc(live.as_of),
                **DayFields.values_of(line),
            )
        )

    cash = money(state.cash) if state.cash_tracked else None
    market_value = sum((value for *_, value, _ in lines), ZERO)
    total_value = market_value + (cash or ZERO) + receivables.total
    holdings = []
    cost_basis = ZERO
    for symbol, position, live, value, line in lines:
        cost = money(position.cost)
        cost_basis += cost
        if not with_holdings:
            continue
        info = instruments.get(symbol, UNKNOWN_INSTRUMENT)
        pending_shares, pending_cash = pending_lines.get(symbol, (0, ZERO))
        holdings.append(
            Holding(
                symbol=symbol,
                name=info.name,
                exchange=info.exchange,
                industry=info.industry,
                type=info.type,
                quantity=position.quantity,
                settled_quantity=position.settled_quantity,
                avg_cost=money(position.avg_cost),
                cost_basis=cost,
                last_price=money(live.price) if live else None,
                price_source=live.source if live else "cost",
                price_as_of=iso_utc(live.as_of) if live else None,
                market_value=value,
                unrealized_pnl=value - cost,
                unrealized_pnl_pct=percent(value - cost, position.cost),
                realized_pnl=money(position.realized_vnd),
                weight=percent(value, total_value),
                pending_shares=pending_shares,
                pending_cash=pending_cash,
                **DayFields.values_of(line),
            )
        )

    unrealized_total = market_value - cost_basis
    realized = money(sum((p.realized_vnd for p in state.positions.values()), ZERO))
    day_lines = [line for *_, line in lines if line is not None] + closed_lines
    day_change = sum((money(line.change) for line in day_lines), ZERO)
    day_base = sum((line.base_value for line in day_lines), ZERO)
    # Buy fees sit in the cost basis and sell fees/taxes in realized P&L: only FEE rows remain.
    total_return = (
        realized
        + unrealized_total
        + money(state.dividends)
        + money(state.interest)
        - money(state.fee_rows)
        + receivables.total
    )
    summary = Summary(
        cash=cash,
        settled_cash=money(state.settled_cash) if cash is not None else None,
        cost_basis=cost_basis,
        market_value=market_value,
        total_value=total_value,
        net_flows=money(state.net_flows),
        realized_pnl=realized,
        unrealized_pnl=unrealized_total,
        dividends=money(state.dividends),
        interest=money(state.interest),
        fees=money(state.fees),
        taxes=money(state.taxes),
        total_return=total_return,
        total_return_pct=snapshot.returns.percent(total_value),
        day_change=day_change,
        day_change_pct=percent(day_change, day_base),
        holdings_count=len(lines),
        transactions_count=state.entry_count,
        cash_tracked=state.cash_tracked,
        as_of=iso_utc(newest or snapshot.computed_at),
        day_closed=closed,
        receivables=receivables,
    )
    return Valuation(holdings=holdings, summary=summary)


# --- allocation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationSlice:
    key: str
    label: str
    market_value: Decimal
    weight: Decimal | None


def allocation_slices(*, valuation: Valuation, by: str) -> list[AllocationSlice]:
    """The one allocation: the holdings' rounded market values grouped by ``by`` (symbol,
    industry, exchange or type), largest first, then cash as its own slice when it is tracked and
    positive, then the pending entitlements (``RECEIVABLES``) when positive; each weight is the
    slice's percent of the summary's total value (cash and receivables included), so the
    by-symbol slices carry exactly the holdings' ``weight``."""
    groups: dict[str, Decimal] = defaultdict(Decimal)
    labels: dict[str, str] = {}
    for holding in valuation.holdings:
        key = getattr(holding, by) or UNCLASSIFIED
        groups[key] += holding.market_value
        labels[key] = holding.name if by == "symbol" and holding.name else key
    total = valuation.summary.total_value
    slices = [
        AllocationSlice(key, labels[key], value, percent(value, total))
        for key, value in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    cash = valuation.summary.cash
    if cash is not None and cash > 0:
        slices.append(AllocationSlice(CASH_KEY, "Cash", cash, percent(cash, total)))
    pending = valuation.summary.receivables.total
    if pending > 0:
        slices.append(
            AllocationSlice(
                RECEIVABLES_KEY, "Pending entitlements", pending, percent(pending, total)
            )
        )
    return slices
