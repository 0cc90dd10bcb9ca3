"""Returns against the independent reference (tests/portfolio/reference/), plus invariants.

Production's TWR and XIRR are float64; they must agree with the exact reference to 1e-9: the
TWR with inflows on any day (counted at the start of their day, outflows at its end), the XIRR
for any rate, however far from zero (a large loss within a week included).
"""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.ledger import Kind, LedgerConfig
from portfolio.performance import PerformanceResult, PriceTable, compute_performance, xirr
from tests.portfolio.reference import performance as reference
from tests.portfolio.reference.ledger import half_up
from tests.portfolio.reference.scenarios import Scenario, ledger_entry, scenarios

RATE_TOLERANCE = 1e-9
DIFFERENTIAL = settings(max_examples=30, derandomize=True, deadline=None, database=None)


def _production(scenario: Scenario) -> PerformanceResult:
    table = PriceTable.from_closes(
        {
            symbol: [(day, Decimal(int(close))) for day, close in series.items()]
            for symbol, series in scenario.closes.items()
        },
        dates=scenario.dates,
    )
    return compute_performance(
        entries=scenario.entries,
        prices=table,
        start=scenario.dates[0],
        end=scenario.dates[-1],
        config=LedgerConfig(cost_method=scenario.cost_method, track_cash=scenario.track_cash),
    )


def _points(scenario: Scenario) -> list[reference.DayPoint]:
    return reference.daily_values(
        scenario.entries,
        dates=scenario.dates,
        closes=scenario.closes,
        track_cash=scenario.track_cash,
    )


def _same_rate(production: float, exact: Fraction | float) -> bool:
    return abs(production - float(exact)) <= RATE_TOLERANCE * max(1.0, abs(float(exact)))


# --- daily values and TWR ---------------------------------------------------------------------


@DIFFERENTIAL
@given(scenario=scenarios())
def test_daily_values_agree_with_the_reference(scenario: Scenario) -> None:
    result, points = _production(scenario), _points(scenario)
    assert result.dates == [p.day for p in points]
    assert result.values == [Decimal(half_up(p.value)) for p in points]


@pytest.mark.parametrize("track_cash", [True, False], ids=["cash", "no-cash"])
@DIFFERENTIAL
@given(data=st.data())
def test_twr_agrees_with_the_reference_with_inflows_on_any_day(
    track_cash: bool, data: st.DataObject
) -> None:
    scenario = data.draw(scenarios(track_cash=track_cash))
    assert _same_rate(_production(scenario).twr, reference.twr(_points(scenario)))


def _day(n: int) -> date:
    return date(2024, 1, 1) + timedelta(days=n)


NEARLY_EMPTY_THEN_A_BILLION = Scenario(
    # withdraw everything but 1 VND, later deposit 1,000,000,000 and buy 100,000 x 10,000 the
    # same day; the stock closes 10,100, then 10,000: the truth is a TWR of exactly 0.
    entries=(
        ledger_entry(0, Kind.DEPOSIT, _day(0), amount=1_000_000),
        ledger_entry(1, Kind.WITHDRAWAL, _day(1), amount=999_999),
        ledger_entry(2, Kind.DEPOSIT, _day(2), amount=1_000_000_000),
        ledger_entry(3, Kind.BUY, _day(2), "AAA", 100_000, price=10_000),
    ),
    dates=(_day(0), _day(1), _day(2), _day(3)),
    closes={
        "AAA": {
            _day(0): Fraction(10_000),
            _day(1): Fraction(10_000),
            _day(2): Fraction(10_100),
            _day(3): Fraction(10_000),
        }
    },
    cost_method="average",
    track_cash=True,
)

SMALL_HOLDING_THEN_A_BIG_BUY = Scenario(
    # cash not tracked: hold 1,000,000 of AAA (flat), buy 1,000,000,000 of BBB that closes 3 % up
    entries=(
        ledger_entry(0, Kind.BUY, _day(0), "AAA", 100, price=10_000),
        ledger_entry(1, Kind.BUY, _day(1), "BBB", 100_000, price=10_000),
    ),
    dates=(_day(0), _day(1)),
    closes={
        "AAA": {_day(0): Fraction(10_000), _day(1): Fraction(10_000)},
        "BBB": {_day(0): Fraction(10_000), _day(1): Fraction(10_300)},
    },
    cost_method="average",
    track_cash=False,
)


SAME_DAY_DEPOSIT_AND_WITHDRAWAL = Scenario(
    # 1,000,000 in AAA; the next day 1,000,000 comes in and goes out again, AAA closes 10 % up
    entries=(
        ledger_entry(0, Kind.DEPOSIT, _day(0), amount=1_000_000),
        ledger_entry(1, Kind.BUY, _day(0), "AAA", 100, price=10_000),
        ledger_entry(2, Kind.DEPOSIT, _day(1), amount=1_000_000),
        ledger_entry(3, Kind.WITHDRAWAL, _day(1), amount=1_000_000),
    ),
    dates=(_day(0), _day(1)),
    closes={"AAA": {_day(0): Fraction(10_000), _day(1): Fraction(11_000)}},
    cost_method="average",
    track_cash=True,
)


def test_a_same_day_deposit_and_withdrawal_stay_apart_in_the_twr() -> None:
    # the document's I_t and O_t are gross: (1,100,000 + 1,000,000) / (1,000,000 + 1,000,000) - 1
    # = 5 %, where netting them into no flow at all would give 10 %
    expected = Fraction(1, 20)
    assert reference.twr(_points(SAME_DAY_DEPOSIT_AND_WITHDRAWAL)) == expected
    assert _same_rate(_production(SAME_DAY_DEPOSIT_AND_WITHDRAWAL).twr, expected)


def test_reference_twr_of_the_issues_scenarios_is_hand_computed() -> None:
    assert reference.twr(_points(NEARLY_EMPTY_THEN_A_BILLION)) == 0
    # (1,000,000 + 1,030,000,000) / (1,000,000 + 1,000,000,000) - 1, about 2.997 %
    assert reference.twr(_points(SMALL_HOLDING_THEN_A_BIG_BUY)) == Fraction(1_031, 1_001) - 1


@pytest.mark.parametrize(
    "scenario",
    [NEARLY_EMPTY_THEN_A_BILLION, SMALL_HOLDING_THEN_A_BIG_BUY],
    ids=["cash-nearly-empty", "no-cash-big-buy"],
)
def test_twr_does_not_explode_around_a_nearly_empty_portfolio(scenario: Scenario) -> None:
    assert _same_rate(_production(scenario).twr, reference.twr(_points(scenario)))


# --- XIRR ---------------------------------------------------------------------------------------


def _assert_xirr_agrees(production_rate: float | None, flows: list[tuple[date, Fraction]]) -> None:
    roots = reference.xirr_roots(flows)
    if production_rate is None:  # no rate, or one too large for a float (production's note says)
        assert all(math.isinf(root) for root in roots), roots
        return
    assert roots, f"production found {production_rate} where no rate exists"
    # with several roots production may pick another one than the reference: it must be a root
    assert any(_same_rate(production_rate, root) for root in roots), (production_rate, roots)
    if len(roots) == 1:
        assert _same_rate(production_rate, roots[0])


@DIFFERENTIAL
@given(scenario=scenarios())
def test_xirr_agrees_with_the_reference(scenario: Scenario) -> None:
    # rates far from zero included: a 7 % one-day loss is x = 0.93^365 - 1, 1 + x = e^-26.5
    flows = reference.investor_flows(_points(scenario))
    _assert_xirr_agrees(_production(scenario).xirr, flows)


@DIFFERENTIAL
@given(
    days=st.integers(1, 3650),
    outcome=st.integers(1, 10_000),  # per mille of what was put in
    paid=st.integers(1, 10**12),
)
def test_xirr_agrees_with_the_reference_on_moderate_outcomes(
    days: int, outcome: int, paid: int
) -> None:
    """One deposit, one value: any horizon, from a 99.9 % loss to a tenfold gain."""
    growth = Fraction(outcome, 1000)
    flows = [(_day(0), Fraction(-paid)), (_day(days), paid * growth)]
    _assert_xirr_agrees(
        xirr([d for d, _ in flows], [Decimal(c.numerator) / c.denominator for _, c in flows]).rate,
        flows,
    )


# -100 on 6 Jan, +68 on 13 Jan: 0.68 ** (365 / 7) - 1, about -0.99999999815
LARGE_SHORT_LOSS = [(date(2026, 1, 6), Fraction(-100)), (date(2026, 1, 13), Fraction(68))]


def test_reference_xirr_of_a_large_short_horizon_loss_is_hand_computed() -> None:
    assert reference.xirr(LARGE_SHORT_LOSS) == pytest.approx(0.68 ** (365 / 7) - 1, abs=1e-12)
    # the same size of gain: 1.32 ** (365 / 7) - 1
    gain = [LARGE_SHORT_LOSS[0], (date(2026, 1, 13), Fraction(132))]
    assert reference.xirr(gain) == pytest.approx(1.32 ** (365 / 7) - 1, rel=1e-12)


def test_xirr_finds_the_rate_of_a_large_short_horizon_loss() -> None:
    _assert_xirr_agrees(xirr([d for d, _ in LARGE_SHORT_LOSS], [-100, 68]).rate, LARGE_SHORT_LOSS)


def test_xirr_of_a_rate_too_large_for_a_float_is_no_rate_with_a_note() -> None:
    # tenfold in a day: x = 10^365 - 1, beyond the largest float (about 1.8e308)
    flows = [(_day(0), Fraction(-1000)), (_day(1), Fraction(10_000))]
    assert reference.xirr(flows) == math.inf
    result = xirr([_day(0), _day(1)], [-1000, 10_000])
    assert (result.rate, result.note) == (None, "the rate is too large to represent")


@DIFFERENTIAL
@given(days=st.integers(1, 7), kept=st.integers(1, 500))
def test_xirr_finds_a_rate_for_every_large_short_horizon_loss(days: int, kept: int) -> None:
    # keeping at most half within a week puts 1 + x below e^-20 (the old grid's lower end)
    flows = [(_day(0), Fraction(-1000)), (_day(days), Fraction(kept))]
    _assert_xirr_agrees(xirr([d for d, _ in flows], [-1000, kept]).rate, flows)


# --- invariants ---------------------------------------------------------------------------------


@pytest.mark.parametrize("track_cash", [True, False], ids=["cash", "no-cash"])
@DIFFERENTIAL
@given(data=st.data())
def test_prices_that_never_move_give_a_twr_of_zero_less_charges(
    track_cash: bool, data: st.DataObject
) -> None:
    scenario = data.draw(
        scenarios(
            track_cash=track_cash,
            flat_prices=True,
            trades_at_close=True,
            bonus=False,
            income=False,
        )
    )
    result = _production(scenario)
    if scenario.charges == 0:
        assert result.twr == pytest.approx(0, abs=1e-12)
    else:
        assert result.twr <= 1e-12
        assert _same_rate(result.twr, reference.twr(_points(scenario)))


@pytest.mark.parametrize("track_cash", [True, False], ids=["cash", "no-cash"])
@DIFFERENTIAL
@given(data=st.data())
def test_without_external_flows_twr_is_end_value_over_start_value(
    track_cash: bool, data: st.DataObject
) -> None:
    scenario = data.draw(
        scenarios(track_cash=track_cash, inflows_after_start=False, outflows_after_start=False)
    )
    points = _points(scenario)
    assert all(p.inflow == p.outflow == 0 for p in points[1:])
    expected = points[-1].value / points[0].value - 1
    assert reference.twr(points) == expected
    assert _same_rate(_production(scenario).twr, expected)


def _price_relative_bounds(
    scenario: Scenario, points: list[reference.DayPoint]
) -> tuple[Fraction, Fraction]:
    """Compounded worst and best one-day relative of what was held (cash and new money: 1)."""
    worst = best = Fraction(1)
    for previous, point in itertools.pairwise(points):
        relatives = [
            scenario.closes[s][point.day] / scenario.closes[s][previous.day]
            for s in previous.holdings
        ]
        if (scenario.track_cash and previous.cash > 0) or point.inflow > 0:
            relatives.append(Fraction(1))
        if relatives:
            worst *= min(relatives)
            best *= max(relatives)
    return worst, best


@pytest.mark.parametrize("track_cash", [True, False], ids=["cash", "no-cash"])
@DIFFERENTIAL
@given(data=st.data())
def test_twr_lies_between_the_worst_and_best_price_relatives_of_what_was_held(
    track_cash: bool, data: st.DataObject
) -> None:
    # Fee-free trades at the close, no income and no bonus issues (their price adjustment is not
    # modelled): every day's growth is a weighted mean of the relatives of what was held.
    scenario = data.draw(
        scenarios(
            track_cash=track_cash,
            trades_at_close=True,
            charges=False,
            income=False,
            bonus=False,
        )
    )
    points = _points(scenario)
    worst, best = _price_relative_bounds(scenario, points)
    assert worst - 1 <= reference.twr(points) <= best - 1
    twr = _production(scenario).twr
    assert float(worst - 1) - 1e-12 <= twr <= float(best - 1) + 1e-12
