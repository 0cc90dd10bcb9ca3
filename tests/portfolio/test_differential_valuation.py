"""Holdings, summary and today's P&L through the selectors, on the database, against the reference.

A few generated histories are recorded through the services (which derive fees, taxes and
settlement themselves) on past trading days, a live quote is set for each symbol, and the REST
valuation must agree with the reference ledger to the đồng, line by line and in total. One
rounding (portfolio-maths.md, "Rounding and bounds"): each line's figure is the exact one rounded
half-up once, a line's unrealized P&L is its market value less its cost as shown, and a total is
the sum of its lines, so the lines add up to the summary. Today's P&L counts today's trades:
shares bought today move from their buy price, shares sold today up to their sell price.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market.calendar import Exchange, is_trading_day, round_to_tick, trading_days_between
from market.models import Quote
from portfolio import selectors, services
from portfolio.ledger import Kind, LedgerEntry
from portfolio.models import Portfolio
from tests.portfolio.factories import InstrumentFactory, quote
from tests.portfolio.reference.ledger import ReferenceLedger, half_up, replay
from tests.portfolio.reference.performance import day_changes
from tests.portfolio.reference.scenarios import (
    COST_METHODS,
    DIVIDEND_TAX_RATE,
    SELL_TAX_RATE,
    SYMBOLS,
    Scenario,
    scenarios,
)

ON_THE_DATABASE = settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIRST_TRADING_DAY = date(2024, 1, 2)
HALF = Fraction(1, 2)  # VND: what one rounding may move a figure
_names = itertools.count()


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _on_trading_days(scenario: Scenario) -> tuple[list[LedgerEntry], dict[date, date]]:
    """The scenario moved onto real Vietnamese trading days (weekday i -> trading day i)."""
    real = trading_days_between(FIRST_TRADING_DAY, FIRST_TRADING_DAY + timedelta(days=60))
    day = dict(zip(scenario.dates, real, strict=False))

    def moved(when: date) -> date:  # a weekend cash row joins the next trading day
        return day[min(d for d in scenario.dates if d >= when)]

    entries = [
        replace(e, trade_date=moved(e.trade_date), settle_date=moved(e.trade_date))
        for e in scenario.entries
    ]
    return entries, day


def _portfolio(user: Any, scenario: Scenario) -> Portfolio:
    """A portfolio charging the scenario's rates."""
    taxed = scenario.taxed
    return services.portfolio_create(
        owner=user,
        name=f"Differential {next(_names)}",
        cost_method=scenario.cost_method,
        track_cash=scenario.track_cash,
        fee_rate=_decimal(scenario.fee_rate),
        sell_tax_rate=_decimal(SELL_TAX_RATE) if taxed else Decimal(0),
        dividend_tax_rate=_decimal(DIVIDEND_TAX_RATE) if taxed else Decimal(0),
    )


def _record(portfolio: Portfolio, entries: list[LedgerEntry]) -> None:
    for e in entries:
        services.transaction_record(
            portfolio=portfolio,
            kind=e.kind,
            trade_date=e.trade_date,
            symbol=e.symbol or None,
            quantity=e.quantity or None,
            price=e.price or None,
            amount=e.amount or None,
        )


@pytest.fixture
def symbols(db: Any) -> None:
    for symbol in SYMBOLS:
        InstrumentFactory(symbol=symbol)


@pytest.mark.django_db
@ON_THE_DATABASE
@given(data=st.data())
def test_holdings_and_summary_agree_with_the_reference_and_add_up(
    user: Any, symbols: None, data: st.DataObject
) -> None:
    method = data.draw(st.sampled_from(COST_METHODS))
    scenario = data.draw(scenarios(cost_method=method, max_days=6))
    entries, _ = _on_trading_days(scenario)
    portfolio = _portfolio(user, scenario)
    _record(portfolio, entries)
    last_day = scenario.dates[-1]
    previous_day = scenario.dates[-2]
    last = {s: scenario.closes[s][last_day] for s in SYMBOLS}
    reference_price = {s: scenario.closes[s][previous_day] for s in SYMBOLS}
    for symbol in SYMBOLS:
        quote(
            symbol,
            price=int(last[symbol]),
            reference=int(reference_price[symbol]),
            as_of=timezone.now(),
        )

    valuation = selectors.portfolio_valuation(portfolio=portfolio)
    ref = replay(entries, cost_method=scenario.cost_method, track_cash=scenario.track_cash)
    _assert_summary_agrees(valuation.summary, ref, last)

    # every line against the reference ...
    lines = {h.symbol: h for h in valuation.holdings}
    open_symbols = {s for s, p in ref.positions.items() if p.quantity}
    assert set(lines) == open_symbols
    today = max(e.trade_date for e in entries) + timedelta(days=1)  # nothing traded today
    changes = day_changes(entries, today=today, last=last, reference=reference_price)
    for symbol in open_symbols:
        mine, line = ref.positions[symbol], lines[symbol]
        assert line.quantity == mine.quantity
        assert line.cost_basis == half_up(mine.cost)
        assert line.market_value == half_up(mine.quantity * last[symbol])
        assert line.unrealized_pnl == line.market_value - line.cost_basis
        assert (
            abs(Fraction(line.unrealized_pnl) - (mine.quantity * last[symbol] - mine.cost)) <= HALF
        )
        assert line.realized_pnl == mine.realized_shown
        assert line.day_change == half_up(changes[symbol].change)

    # ... and the lines add up to the summary
    summary = valuation.summary
    assert sum(h.market_value for h in valuation.holdings) == summary.market_value
    assert sum(h.cost_basis for h in valuation.holdings) == summary.cost_basis
    assert sum(h.unrealized_pnl for h in valuation.holdings) == summary.unrealized_pnl
    assert sum(h.day_change or 0 for h in valuation.holdings) == summary.day_change
    assert summary.day_change == half_up(sum((c.change for c in changes.values()), Fraction(0)))


def _assert_summary_agrees(summary: Any, ref: ReferenceLedger, last: dict[str, Fraction]) -> None:
    """Totals of lines are sums of the once-rounded lines (within half a đồng a line of the exact
    total); single figures are rounded once."""
    market_value = ref.market_value(last)  # whole VND: whole prices x shares
    positions = ref.positions.values()
    assert summary.market_value == half_up(market_value)
    assert summary.cost_basis == sum(half_up(p.cost) for p in positions if p.quantity)
    assert summary.unrealized_pnl == summary.market_value - summary.cost_basis
    assert summary.realized_pnl == sum(p.realized_shown for p in positions)
    for total, exact in (
        (summary.cost_basis, ref.cost_basis),
        (summary.unrealized_pnl, market_value - ref.cost_basis),
        (summary.realized_pnl, ref.realized),
    ):
        assert abs(Fraction(total) - exact) <= HALF * max(len(ref.positions), ref.sales)
    assert summary.fees == half_up(ref.fees)
    assert summary.taxes == half_up(ref.taxes)
    assert summary.dividends == half_up(ref.dividends)
    assert summary.interest == half_up(ref.interest)
    assert summary.net_flows == half_up(ref.net_flows)
    if ref.track_cash:
        assert summary.cash == half_up(ref.cash)
        assert summary.total_value == half_up(market_value + ref.cash)
    else:
        assert summary.cash is None


# --- one rounding, so the lines add up (issue 13 item 5) ------------------------------------------


@pytest.mark.django_db
def test_holdings_cost_and_unrealized_add_up_to_the_summary(user: Any) -> None:
    # three symbols each bought 3 at 10,000 with a 1 VND fee, one of each sold: each line's cost
    # is 20,000.67 (shown 20,001), the summary's 60,002
    portfolio = services.portfolio_create(owner=user, name="Thirds", track_cash=False)
    day = date(2024, 3, 4)
    for symbol in ("AAA", "BBB", "CCC"):
        InstrumentFactory(symbol=symbol)
        services.transaction_record(
            portfolio=portfolio,
            kind=Kind.BUY,
            trade_date=day,
            symbol=symbol,
            quantity=3,
            price=Decimal(10_000),
            fee=Decimal(1),
        )
        services.transaction_record(
            portfolio=portfolio,
            kind=Kind.SELL,
            trade_date=day + timedelta(days=2),
            symbol=symbol,
            quantity=1,
            price=Decimal(10_000),
            fee=Decimal(0),
            tax=Decimal(0),
        )
        quote(symbol, price=10_000, reference=10_000, as_of=timezone.now())
    valuation = selectors.portfolio_valuation(portfolio=portfolio)
    summary = valuation.summary
    assert sum(h.cost_basis for h in valuation.holdings) == summary.cost_basis
    assert sum(h.unrealized_pnl for h in valuation.holdings) == summary.unrealized_pnl


@pytest.mark.django_db
def test_a_lines_unrealized_pnl_is_its_market_value_less_its_cost_as_shown(user: Any) -> None:
    # 2 bought at 10,000 with a 1 VND fee, 1 sold: the cost left is 10,000.5, shown 10,001; at
    # 11,000 the line shows 11,000 - 10,001 = 999 (rounding 999.5 by itself would give 1,000)
    portfolio = services.portfolio_create(owner=user, name="Half a dong", track_cash=False)
    InstrumentFactory(symbol="AAA")
    day = date(2024, 3, 4)
    for kind, when, quantity, fee in ((Kind.BUY, day, 2, 1), (Kind.SELL, day + timedelta(2), 1, 0)):
        services.transaction_record(
            portfolio=portfolio,
            kind=kind,
            trade_date=when,
            symbol="AAA",
            quantity=quantity,
            price=Decimal(10_000),
            fee=Decimal(fee),
            tax=Decimal(0),
        )
    quote("AAA", price=11_000, reference=11_000, as_of=timezone.now())
    valuation = selectors.portfolio_valuation(portfolio=portfolio)
    [line] = valuation.holdings
    assert (line.market_value, line.cost_basis, line.unrealized_pnl) == (11_000, 10_001, 999)
    assert valuation.summary.unrealized_pnl == 999


# --- today's trades in today's P&L (issue 13 item 1) ---------------------------------------------


def _trading_today() -> date:
    today = services.market_today()
    if not is_trading_day(today):
        pytest.skip(f"{today} is no trading day in Vietnam: no BUY or SELL can be dated today")
    return today


def _fpt_trades(user: Any, *trades: tuple[Kind, int, int, int]) -> tuple[Portfolio, date]:
    """A cash-less portfolio with FPT trades (kind, days before today, quantity, price) and the
    quote reference 109,900, last 108,700. Skips when today is no trading day in Vietnam."""
    today = _trading_today()
    InstrumentFactory(symbol="FPT")
    portfolio = services.portfolio_create(owner=user, name="Today", track_cash=False)
    earlier = trading_days_between(today - timedelta(days=30), today)
    for kind, days_before, quantity, price in trades:
        services.transaction_record(
            portfolio=portfolio,
            kind=kind,
            trade_date=earlier[-1 - days_before],
            symbol="FPT",
            quantity=quantity,
            price=Decimal(price),
        )
    quote("FPT", price=108_700, reference=109_900, as_of=timezone.now())
    return portfolio, today


@pytest.mark.django_db
def test_shares_bought_today_move_from_their_buy_price(user: Any) -> None:
    # nothing held; BUY 1,000 FPT today at 108,600; reference 109,900, last 108,700: +100,000
    portfolio, _ = _fpt_trades(user, (Kind.BUY, 0, 1_000, 108_600))
    summary = selectors.portfolio_valuation(portfolio=portfolio).summary
    assert summary.day_change == 100_000


@pytest.mark.django_db
def test_shares_sold_today_move_up_to_their_sell_price(user: Any) -> None:
    # 1,000 held from before; SELL 400 today at 110,000; reference 109,900, last 108,700:
    # 600 x 108,700 + 400 x 110,000 - 1,000 x 109,900 = -680,000 (not 600 x -1,200 = -720,000)
    portfolio, today = _fpt_trades(
        user, (Kind.BUY, 10, 1_000, 100_000), (Kind.SELL, 0, 400, 110_000)
    )
    valuation = selectors.portfolio_valuation(portfolio=portfolio)
    expected = day_changes(
        services.ledger_entries(portfolio=portfolio),
        today=today,
        last={"FPT": Fraction(108_700)},
        reference={"FPT": Fraction(109_900)},
    )["FPT"].change
    assert expected == -680_000
    assert [h.day_change for h in valuation.holdings] == [expected]
    assert valuation.summary.day_change == expected


@pytest.mark.django_db
@settings(ON_THE_DATABASE, max_examples=5)
@given(data=st.data())
def test_day_change_with_todays_trades_agrees_with_the_reference(
    user: Any, symbols: None, data: st.DataObject
) -> None:
    # a generated (settled) history, then today: per symbol maybe a sale of part of what is held
    # and a purchase at a price other than the reference; lines and total against the reference
    today = _trading_today()
    scenario = data.draw(scenarios(cost_method="average", track_cash=False, max_days=5))
    entries, _ = _on_trading_days(scenario)
    portfolio = _portfolio(user, scenario)
    _record(portfolio, entries)
    held = replay(entries, track_cash=False)
    last: dict[str, Fraction] = {}
    reference_price: dict[str, Fraction] = {}
    for symbol in SYMBOLS:
        reference_price[symbol] = Fraction(scenario.closes[symbol][scenario.dates[-1]])
        reference = int(reference_price[symbol])
        # today's quote comes first: a trade dated today must lie inside its band
        band = quote(symbol, price=reference, reference=reference, as_of=timezone.now())
        move = Fraction(100 + data.draw(st.integers(-7, 7)), 100)
        last[symbol] = _tradable(reference_price[symbol] * move, band)
        quote(symbol, price=int(last[symbol]), reference=reference, as_of=timezone.now())
        quantity = held.quantity(symbol)
        if quantity and data.draw(st.booleans()):
            sold = data.draw(st.integers(1, quantity))
            _trade_today(portfolio, today, Kind.SELL, symbol, sold, last[symbol])
        bought = data.draw(st.integers(1, 20)) * 100
        offset = data.draw(st.sampled_from((-300, -100, 100, 200)))
        price = _tradable(reference_price[symbol] + offset, band)
        _trade_today(portfolio, today, Kind.BUY, symbol, bought, price)

    valuation = selectors.portfolio_valuation(portfolio=portfolio)
    changes = day_changes(
        services.ledger_entries(portfolio=portfolio),
        today=today,
        last=last,
        reference=reference_price,
    )
    assert {h.symbol: h.day_change for h in valuation.holdings} == {
        s: half_up(c.change) for s, c in changes.items()
    }
    assert valuation.summary.day_change == half_up(
        sum((c.change for c in changes.values()), Fraction(0))
    )


def _tradable(price: Fraction, band: Quote) -> Fraction:
    """``price`` moved inside the quote's floor-ceiling band and onto the HOSE tick grid (the
    exchange rules every write checks)."""
    assert band.floor is not None
    assert band.ceiling is not None
    inside = min(max(Decimal(int(price)), band.floor), band.ceiling)
    snapped = round_to_tick(Exchange.HOSE, inside)
    if snapped > band.ceiling:
        snapped = round_to_tick(Exchange.HOSE, inside, rounding="down")
    elif snapped < band.floor:
        snapped = round_to_tick(Exchange.HOSE, inside, rounding="up")
    return Fraction(int(snapped))


def _trade_today(
    portfolio: Portfolio, today: date, kind: Kind, symbol: str, quantity: int, price: Fraction
) -> None:
    services.transaction_record(
        portfolio=portfolio,
        kind=kind,
        trade_date=today,
        symbol=symbol,
        quantity=quantity,
        price=Decimal(int(price)),
    )
