"""Returns that never explode: TWR flow timing, the summary's linked Modified Dietz, XIRR's search.

docs/portfolio-maths.md (Returns): inflows count at the start of their day and outflows at its end;
the summary's "Return %" is a named standard return; XIRR searches all of (-1, +inf).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from portfolio import services
from portfolio.ledger import Kind, LedgerConfig, LedgerEntry
from portfolio.performance import PriceTable, compute_performance
from portfolio.returns import linked_modified_dietz, xirr
from tests.portfolio.api_helpers import record
from tests.portfolio.ledger_builders import START, SYMBOLS, entry

D = Decimal
CASH = LedgerConfig()
NO_CASH = LedgerConfig(track_cash=False)
# Mon 3 .. Fri 7 March 2025
WEEK = [date(2025, 3, d) for d in (3, 4, 5, 6, 7)]


def closes(symbol: str, by_day: dict[date, int]) -> list[tuple[str, date, Decimal]]:
    return [(symbol, day, D(close)) for day, close in by_day.items()]


# --- item 2: TWR with inflows at the start of the day, outflows at its end ---------------------


def test_twr_stays_near_zero_when_a_nearly_empty_portfolio_takes_a_large_deposit() -> None:
    # given cash tracked: 1,000,000 deposited, all but 1 VND withdrawn, then 1,000,000,000
    # deposited and 100,000 shares bought at 10,000 the same day; closes 10,100 then 10,000
    entries = [
        entry(1, Kind.DEPOSIT, WEEK[0], amount="1000000"),
        entry(2, Kind.WITHDRAWAL, WEEK[1], amount="999999"),
        entry(3, Kind.DEPOSIT, WEEK[3], amount="1000000000", sequence=3),
        entry(4, Kind.BUY, WEEK[3], "XYZ", 100_000, "10000", sequence=4),
    ]
    prices = PriceTable.from_rows(closes("XYZ", {WEEK[3]: 10_100, WEEK[4]: 10_000}), dates=WEEK)

    # when
    result = compute_performance(
        entries=entries, prices=prices, start=WEEK[0], end=WEEK[4], config=CASH
    )

    # then 1,010,000,001 / (1 + 1,000,000,000) x 1,000,000,001 / 1,010,000,001 = 1
    assert [float(v) for v in result.values] == [1e6, 1, 1, 1_010_000_001, 1_000_000_001]
    assert result.twr == pytest.approx(0.0, abs=1e-12)
    assert max(result.twr_index) == pytest.approx(1_010_000_001 / 1_000_000_001, rel=1e-12)


def test_twr_of_a_large_purchase_without_cash_tracking_is_the_days_price_move() -> None:
    # given 1,000,000 of AAA held, then 1,000,000,000 of BBB bought on a day it closes 3 % up
    entries = [
        entry(1, Kind.BUY, WEEK[0], "AAA", 100, "10000"),
        entry(2, Kind.BUY, WEEK[1], "BBB", 100_000, "10000"),
    ]
    rows = closes("AAA", {WEEK[0]: 10_000, WEEK[1]: 10_000}) + closes("BBB", {WEEK[1]: 10_300})
    prices = PriceTable.from_rows(rows, dates=WEEK[:2])

    # when
    result = compute_performance(
        entries=entries, prices=prices, start=WEEK[0], end=WEEK[1], config=NO_CASH
    )

    # then (1,000,000 + 1,030,000,000) / (1,000,000 + 1,000,000,000) - 1, about 3 %
    assert result.twr == pytest.approx(1_031_000_000 / 1_001_000_000 - 1, rel=1e-12)


def test_twr_counts_the_day_after_an_empty_day() -> None:
    # given nothing at the first close, then a deposit invested in shares closing 5 % up
    entries = [
        entry(1, Kind.DEPOSIT, WEEK[1], amount="1000000", sequence=1),
        entry(2, Kind.BUY, WEEK[1], "XYZ", 100, "10000", sequence=2),
    ]
    prices = PriceTable.from_rows(closes("XYZ", {WEEK[1]: 10_500}), dates=WEEK[:2])

    # when
    result = compute_performance(
        entries=entries, prices=prices, start=WEEK[0], end=WEEK[1], config=CASH
    )

    # then the day is in the chain: 1,050,000 / (0 + 1,000,000)
    assert result.values == [D(0), D(1_050_000)]
    assert result.twr == pytest.approx(0.05, rel=1e-12)


# --- TWR invariants (property tests) --------------------------------------------------------


@dataclass
class Scenario:
    """A valid day-by-day ledger at the day's closes, and what each day's base was made of."""

    days: list[date]
    closes: dict[str, list[int]]
    entries: list[LedgerEntry] = field(default_factory=list)
    # per day t >= 1: symbols held at the close of t - 1; cash at t - 1 plus day t's deposits;
    # whether day t has buys
    held_before: list[set[str]] = field(default_factory=list)
    cash_base: list[int] = field(default_factory=list)
    buys: list[bool] = field(default_factory=list)

    def prices(self) -> PriceTable:
        rows = [
            (symbol, day, D(series[i]))
            for symbol, series in self.closes.items()
            for i, day in enumerate(self.days)
        ]
        return PriceTable.from_rows(rows)

    def result(self, config: LedgerConfig) -> Any:
        return compute_performance(
            entries=self.entries,
            prices=self.prices(),
            start=self.days[0],
            end=self.days[-1],
            config=config,
        )


def _fee(gross: int, rate: Decimal) -> Decimal:
    return (gross * rate).quantize(D(1), rounding=ROUND_HALF_UP)


@st.composite
def scenarios(
    draw: st.DrawFn, *, moving: bool, fee_rate: Decimal, flows_after_day0: bool = True
) -> Scenario:
    """Deposits, withdrawals (down to 1 VND), buys and sells at the close, day by day."""
    count = draw(st.integers(2, 10))
    days = [START + timedelta(days=i) for i in range(count)]
    symbols = SYMBOLS[:2]
    if moving:
        series = {
            s: draw(st.lists(st.integers(1, 2000), min_size=count, max_size=count)) for s in symbols
        }
    else:
        series = {s: [draw(st.integers(1, 2000))] * count for s in symbols}
    closes_vnd = {s: [c * 100 for c in values] for s, values in series.items()}
    scenario = Scenario(days=days, closes=closes_vnd)
    held = dict.fromkeys(symbols, 0)
    cash = D(0)
    sequence = 0

    def add(
        kind: Kind, day: date, symbol: str = "", quantity: int = 0, price: int = 0, **money: Any
    ) -> None:
        nonlocal sequence, cash
        sequence += 1
        made = entry(sequence, kind, day, symbol, quantity, D(price), sequence=sequence, **money)
        scenario.entries.append(made)
        if kind is Kind.DEPOSIT:
            cash += made.amount
        elif kind is Kind.WITHDRAWAL:
            cash -= made.amount
        elif kind is Kind.BUY:
            cash -= quantity * price + made.fee
            held[symbol] += quantity
        elif kind is Kind.SELL:
            cash += quantity * price - made.fee - made.tax
            held[symbol] -= quantity

    for t, day in enumerate(days):
        held_before = {s for s, q in held.items() if q > 0}
        cash_before = cash
        deposits = D(0)
        bought = False
        actions = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["deposit", "withdraw", "buy", "sell"]),
                    st.sampled_from(symbols),
                    st.integers(1, 10**6),
                    st.integers(1, 100),
                ),
                max_size=4,
            )
        )
        if t == 0:
            actions = [("deposit", symbols[0], 10**6, 100), *actions]
        for action, symbol, size, percent in actions:
            price = closes_vnd[symbol][t]
            if action == "deposit" and (t == 0 or flows_after_day0):
                add(Kind.DEPOSIT, day, amount=D(size) * 1000)
                deposits += D(size) * 1000
            elif action == "withdraw" and flows_after_day0 and cash > 1:
                amount = max(int((cash - 1) * percent / 100), 1)
                add(Kind.WITHDRAWAL, day, amount=D(amount))
            elif action == "buy":
                quantity = size % 5000 + 1
                fee = _fee(quantity * price, fee_rate)
                if quantity * price + fee > cash:
                    if not flows_after_day0 and t > 0:
                        continue
                    top_up = quantity * price + fee - cash
                    add(Kind.DEPOSIT, day, amount=top_up)
                    deposits += top_up
                add(Kind.BUY, day, symbol, quantity, price, fee=fee)
                bought = True
            elif action == "sell" and held[symbol] > 0:
                quantity = max(held[symbol] * percent // 100, 1)
                gross = quantity * price
                add(
                    Kind.SELL,
                    day,
                    symbol,
                    quantity,
                    price,
                    fee=_fee(gross, fee_rate),
                    tax=_fee(gross, fee_rate / 2),
                )
        if t > 0:
            scenario.held_before.append(held_before)
            scenario.cash_base.append(int(cash_before + deposits))
            scenario.buys.append(bought)
    return scenario


@settings(max_examples=150, deadline=None)
@given(scenarios(moving=False, fee_rate=D(0)), st.sampled_from([CASH, NO_CASH]))
def test_twr_is_zero_when_prices_never_move_whatever_the_flows(
    scenario: Scenario, config: LedgerConfig
) -> None:
    assert scenario.result(config).twr == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(scenarios(moving=False, fee_rate=D("0.0015")), st.sampled_from([CASH, NO_CASH]))
def test_twr_is_only_the_fees_when_prices_never_move(
    scenario: Scenario, config: LedgerConfig
) -> None:
    result = scenario.result(config)

    assert -0.2 < result.twr <= 1e-12


@settings(max_examples=150, deadline=None)
@given(scenarios(moving=True, fee_rate=D("0.0015"), flows_after_day0=False))
def test_twr_without_flows_after_day_zero_is_end_over_start_value(scenario: Scenario) -> None:
    # given cash tracked: deposits on day 0 only, then trades (not external) at moving prices
    result = scenario.result(CASH)

    # then
    assert result.net_flows == 0
    expected = float(result.end_value) / float(result.start_value) - 1
    assert result.twr == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(scenarios(moving=True, fee_rate=D(0)), st.sampled_from([CASH, NO_CASH]))
def test_twr_lies_between_the_worst_and_best_price_relatives_of_what_was_held(
    scenario: Scenario, config: LedgerConfig
) -> None:
    # given trades at the close and no fees, each day's return is a weighted mean of the price
    # relatives of the shares held overnight and 1 (cash, or shares bought at that close)
    low = high = 1.0
    for t in range(1, len(scenario.days)):
        relatives = [
            scenario.closes[s][t] / scenario.closes[s][t - 1] for s in scenario.held_before[t - 1]
        ]
        new_money = scenario.cash_base[t - 1] > 0 if config.track_cash else scenario.buys[t - 1]
        if new_money:
            relatives.append(1.0)
        if relatives:
            low *= min(relatives)
            high *= max(relatives)

    # when
    growth = 1 + scenario.result(config).twr

    # then
    assert low * (1 - 1e-9) <= growth <= high * (1 + 1e-9)


# --- item 3: the summary's Return % is a linked Modified Dietz -------------------------------


def round_trips(count: int, *, first: date, gain: int) -> list[LedgerEntry]:
    """`count` round trips of 100,000,000: buy 1,000 at 100,000, sell the next day (+gain each)."""
    made: list[LedgerEntry] = []
    for k in range(count):
        made.append(
            entry(2 * k, Kind.BUY, first + timedelta(days=k), "FPT", 1000, "100000", sequence=2 * k)
        )
        made.append(
            entry(
                2 * k + 1,
                Kind.SELL,
                first + timedelta(days=k + 1),
                "FPT",
                1000,
                D(100_000 + gain),
                sequence=2 * k + 1,
            )
        )
    return made


def test_return_of_ten_round_trips_at_one_percent_is_about_ten_percent_without_cash() -> None:
    # given ten successive round trips of 100,000,000 at +1 % each, long before today
    entries = round_trips(10, first=date(2025, 3, 3), gain=1000)

    # when
    returns = linked_modified_dietz(entries, track_cash=False, end=date(2026, 3, 3))

    # then 1.01 ** 10 - 1: idle days after the last sale do not dilute it
    assert returns.percent(D(0)) == D("10.46")


def test_return_of_ten_round_trips_with_cash_tracked_is_ten_percent() -> None:
    entries = [entry("d", Kind.DEPOSIT, date(2025, 3, 3), amount="100000000", sequence=-1)]
    entries += round_trips(10, first=date(2025, 3, 3), gain=1000)

    returns = linked_modified_dietz(entries, track_cash=True, end=date(2026, 3, 3))

    # each round trip adds 1,000,000 to the cash: 110,000,000 / 100,000,000
    assert returns.percent(D(110_000_000)) == D("10.00")


def test_return_weighs_a_withdrawal_by_the_days_it_was_out() -> None:
    # given 100,000,000 deposited and invested for 100 days; 50,000,000 withdrawn after 50 days
    first = date(2025, 1, 1)
    entries = [
        entry(1, Kind.DEPOSIT, first, amount="100000000", sequence=1),
        entry(2, Kind.BUY, first, "FPT", 1000, "90000", sequence=2),
        entry(3, Kind.WITHDRAWAL, first + timedelta(days=50), amount="5000000", sequence=3),
    ]
    end = first + timedelta(days=99)  # 100 days, inclusive

    returns = linked_modified_dietz(entries, track_cash=True, end=end)

    # the deposit's period closed at once (R = 0); then V0 = 100,000,000 and the withdrawal
    # leaves at the end of day 50 of 100: base 100,000,000 - 5,000,000 x 49 / 100
    base = D(100_000_000) - D(5_000_000) * 49 / 100
    gain = D(105_000_000) - D(100_000_000) + D(5_000_000)
    expected = (gain / base * 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert returns.percent(D(105_000_000)) == expected == D("10.25")


def test_return_keeps_a_late_dividend_and_ignores_idle_days_after_selling_out() -> None:
    # given no cash tracking: 100,000,000 bought, sold for 101,000,000 ten days later, then a
    # 2,000,000 dividend a month after the sale, and nothing since for a year
    first = date(2025, 1, 2)
    entries = [
        entry(1, Kind.BUY, first, "FPT", 1000, "100000"),
        entry(2, Kind.SELL, first + timedelta(days=10), "FPT", 1000, "101000"),
        entry(3, Kind.DIVIDEND, first + timedelta(days=40), "FPT", amount="2000000"),
    ]

    returns = linked_modified_dietz(entries, track_cash=False, end=first + timedelta(days=400))

    # then the money out weighs as on the day the last share left: 3,000,000 / 100,000,000
    assert returns.percent(D(0)) == D("3.00")


def test_return_is_none_before_anything_was_invested() -> None:
    assert linked_modified_dietz([], track_cash=True, end=date(2025, 1, 1)).percent(D(0)) is None


@pytest.mark.django_db
def test_summary_return_pct_names_a_standard_return_without_cash_tracking(
    auth_client: APIClient, user: Any, instruments: Any
) -> None:
    # given a portfolio without cash, no fees, and ten round trips of 100,000,000 at +1 % each
    portfolio = services.portfolio_create(
        owner=user, name="Trader", track_cash=False, enforce_settlement=False,
        fee_rate=D(0), sell_tax_rate=D(0),
    )  # fmt: skip
    trading = [date(2025, 3, 3) + timedelta(days=i) for i in range(15)]
    trading = [d for d in trading if d.weekday() < 5][:11]
    for k in range(10):
        for kind, price, day in (("BUY", 100_000, trading[k]), ("SELL", 101_000, trading[k + 1])):
            response = record(
                auth_client, portfolio, kind=kind, symbol="FPT", quantity=1000, price=price,
                trade_date=day.isoformat(),
            )  # fmt: skip
            assert response.status_code == 201, response.json()

    # when
    body = auth_client.get(f"/api/portfolios/{portfolio.pk}/summary/").json()

    # then the gain is 10,000,000 and the return 1.01 ** 10 - 1, not 10,000,000 / 1,000,000,000
    assert body["total_return"] == "10000000"
    assert body["total_return_pct"] == "10.46"


# --- item 6: XIRR over the whole interval (-1, +inf) -----------------------------------------


def test_xirr_finds_a_large_short_horizon_loss() -> None:
    # given -100 on 6 January and +68 on 13 January
    result = xirr([date(2025, 1, 6), date(2025, 1, 13)], [D(-100), D(68)])

    # then (1 + x) ** (7 / 365) = 0.68
    assert result.note is None
    assert result.rate is not None
    assert result.rate == pytest.approx(0.68 ** (365 / 7) - 1, abs=1e-15)
    assert -1 < result.rate < -0.99999999


def test_xirr_finds_a_loss_and_a_gain_of_the_same_size() -> None:
    loss = xirr([date(2025, 1, 6), date(2025, 1, 13)], [-100.0, 68.0])
    gain = xirr([date(2025, 1, 6), date(2025, 1, 13)], [-100.0, 132.0])

    assert gain.rate == pytest.approx(1.32 ** (365 / 7) - 1, rel=1e-9)
    assert loss.rate == pytest.approx(0.68 ** (365 / 7) - 1, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 10**9),
    st.floats(1e-6, 1e6),
    st.integers(1, 3650),
)
def test_xirr_of_two_flows_is_their_annualised_ratio(paid: int, ratio: float, days: int) -> None:
    # given paid in, then paid out `ratio` times as much `days` later: one root, log(ratio) / t
    result = xirr([START, START + timedelta(days=days)], [-float(paid), paid * ratio])

    expected = math.log(ratio) * 365 / days
    if expected > 709:  # 1 + x beyond a float
        assert result.rate is None
        return
    assert result.rate == pytest.approx(math.expm1(expected), rel=1e-9, abs=1e-12)
