"""Performance maths: daily values, TWR, XIRR, risk figures and ranges, by hand and by property."""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portfolio.ledger import Kind, LedgerConfig, LedgerEntry, fold
from portfolio.performance import PriceTable, compute_performance, daily_values, range_bounds
from portfolio.returns import annualised_return, max_drawdown, twr, volatility, xirr
from tests.portfolio.ledger_builders import START, SYMBOLS, entry, ledgers

D = Decimal
CASH = LedgerConfig()
NO_CASH = LedgerConfig(track_cash=False)
# Mon 4 .. Fri 8 and Mon 11, Tue 12 March 2024.
TRADING_DAYS = [date(2024, 3, d) for d in (4, 5, 6, 7, 8, 11, 12)]
FPT_CLOSES = {
    date(2024, 3, 1): 98_000,  # before the range
    date(2024, 3, 4): 100_000,
    date(2024, 3, 5): 110_000,
    date(2024, 3, 6): 105_000,
    date(2024, 3, 7): 120_000,
    # no row on 8 March: the 7 March close carries forward
    date(2024, 3, 11): 90_000,
    date(2024, 3, 12): 99_000,
}


def fpt_table() -> PriceTable:
    return PriceTable.from_closes(
        {"FPT": [(d, D(c)) for d, c in FPT_CLOSES.items()]}, dates=TRADING_DAYS
    )


def march_entries() -> list[LedgerEntry]:
    return [
        entry(1, Kind.DEPOSIT, date(2024, 3, 1), amount="1000000"),  # before the range
        entry(2, Kind.BUY, date(2024, 3, 4), "FPT", 5, "100000", settle_date=date(2024, 3, 6)),
        entry(3, Kind.DEPOSIT, date(2024, 3, 9), amount="200000"),  # Saturday -> Monday 11th
        entry(4, Kind.SELL, date(2024, 3, 12), "FPT", 2, "95000", settle_date=date(2024, 3, 14)),
    ]


def npv(rate: float, dates: list[date], flows: list[float]) -> float:
    return sum(
        f / (1 + rate) ** ((d - dates[0]).days / 365) for d, f in zip(dates, flows, strict=True)
    )


def bisect_rate(dates: list[date], flows: list[float], low: float, high: float) -> float | None:
    """An independent XIRR: plain bisection on the rate."""
    f_low, f_high = npv(low, dates, flows), npv(high, dates, flows)
    if f_low * f_high > 0:
        return None
    for _ in range(300):
        middle = (low + high) / 2
        f_middle = npv(middle, dates, flows)
        if (f_middle < 0) == (f_low < 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2


# --- price table -----------------------------------------------------------------------------


def test_price_table_forward_fills_and_keeps_nan_before_the_first_close() -> None:
    table = PriceTable.from_rows(
        [("FPT", date(2024, 3, 4), D("100000")), ("HPG", date(2024, 3, 6), D("30000"))],
        dates=[date(2024, 3, 5)],
    )

    assert table.symbols == ("FPT", "HPG")
    assert [d.item() for d in table.dates] == [date(2024, 3, d) for d in (4, 5, 6)]
    np.testing.assert_array_equal(table.closes[:, 0], [100_000, 100_000, 100_000])
    assert np.isnan(table.closes[:2, 1]).all()
    assert table.closes[2, 1] == 30_000


def test_price_table_refuses_a_misshapen_matrix() -> None:
    with pytest.raises(ValueError, match="one row per date"):
        PriceTable(
            dates=np.array(["2024-03-04"], dtype="datetime64[D]"),
            symbols=("A",),
            closes=np.zeros((2, 1)),
        )


# --- daily values ----------------------------------------------------------------------------


def test_daily_values_by_hand() -> None:
    # when
    series = daily_values(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 3, 4),
        end=date(2024, 3, 12),
    )

    # then: cash 1,000,000 - 500,000 = 500,000 until the Saturday deposit (+200,000, counted on
    # Monday) and the sale of 2 x 95,000 on the 12th; shares 5 then 3.
    assert [d.item() for d in series.dates] == TRADING_DAYS
    np.testing.assert_array_equal(
        series.values,
        [
            5 * 100_000 + 500_000,
            5 * 110_000 + 500_000,
            5 * 105_000 + 500_000,
            5 * 120_000 + 500_000,
            5 * 120_000 + 500_000,  # carried close
            5 * 90_000 + 700_000,
            3 * 99_000 + 890_000,
        ],
    )
    # the first day's flows are everything up to and including it (already in its value)
    np.testing.assert_array_equal(series.flows, [1_000_000, 0, 0, 0, 0, 200_000, 0])


def test_untracked_cash_makes_trades_the_external_flows() -> None:
    series = daily_values(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 3, 4),
        end=date(2024, 3, 12),
        track_cash=False,
    )

    # then values are the shares alone; the deposit is no flow, the sale's proceeds flow out
    np.testing.assert_array_equal(
        series.values, [500_000, 550_000, 525_000, 600_000, 600_000, 450_000, 297_000]
    )
    np.testing.assert_array_equal(series.flows, [500_000, 0, 0, 0, 0, 0, -190_000])


def test_missing_closes_fall_back_to_the_last_trade_price() -> None:
    # given HPG first priced on the 7th and XYZ not in the table at all
    table = PriceTable.from_rows(
        [("FPT", d, D(c)) for d, c in FPT_CLOSES.items()] + [("HPG", date(2024, 3, 7), D(30_000))],
        dates=TRADING_DAYS,
    )
    entries = [
        entry(1, Kind.BUY, date(2024, 3, 5), "HPG", 10, "28000"),
        entry(2, Kind.BUY, date(2024, 3, 5), "XYZ", 10, "20000"),
        entry(3, Kind.BUY, date(2024, 3, 7), "XYZ", 10, "22000", sequence=2),
        entry(5, Kind.BUY, date(2024, 3, 7), "XYZ", 10, "23000", sequence=1),
        entry(4, Kind.STOCK_DIVIDEND, date(2024, 3, 5), "NOPRICE", 10),
    ]

    series = daily_values(
        entries=entries,
        prices=table,
        start=date(2024, 3, 4),
        end=date(2024, 3, 8),
        track_cash=False,
    )

    # then HPG uses its buy price until its first close; XYZ its last trade price throughout
    # (22,000 on the 7th: the later of that day's trades); shares with no price count as zero
    np.testing.assert_array_equal(
        series.values,
        [
            0,
            10 * 28_000 + 10 * 20_000,
            10 * 28_000 + 10 * 20_000,
            10 * 30_000 + 30 * 22_000,
            10 * 30_000 + 30 * 22_000,
        ],
    )


def test_range_starting_on_a_weekend_uses_the_previous_close_as_base() -> None:
    series = daily_values(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 3, 10),  # Sunday
        end=date(2024, 3, 17),
    )

    assert [d.item() for d in series.dates] == [date(2024, 3, d) for d in (8, 11, 12)]
    assert series.values[0] == 1_100_000


@settings(max_examples=100)
@given(
    ledgers,
    st.lists(st.integers(1, 2000), min_size=len(SYMBOLS) * 80, max_size=len(SYMBOLS) * 80),
    st.integers(0, 60),
    st.sampled_from([CASH, NO_CASH]),
)
def test_daily_values_agree_with_the_ledger_fold(
    entries: list[LedgerEntry], closes: list[int], start_offset: int, config: LedgerConfig
) -> None:
    # given valid ledgers and a close for every calendar day of the period
    days = [START + timedelta(days=i) for i in range(80)]
    rows = [
        (symbol, day, D(closes[s * 80 + i] * 100))
        for s, symbol in enumerate(SYMBOLS)
        for i, day in enumerate(days)
    ]
    start, end = days[start_offset], days[-1]

    # when
    series = daily_values(
        entries=entries,
        prices=PriceTable.from_rows(rows),
        start=start,
        end=end,
        track_cash=config.track_cash,
    )

    # then each day's value equals the ledger folded up to that day, valued at that day's closes
    for i in {0, len(series.dates) // 2, len(series.dates) - 1}:
        day = series.dates[i].item()
        prices = {
            symbol: D(closes[s * 80 + (day - START).days] * 100) for s, symbol in enumerate(SYMBOLS)
        }
        state = fold([e for e in entries if e.trade_date <= day], config=config)
        assert D(int(series.values[i])) == state.total_value(prices)
        assert series.values[i] == int(series.values[i])


# --- TWR -------------------------------------------------------------------------------------


def test_twr_by_hand_with_a_deposit() -> None:
    # given the March scenario
    result = compute_performance(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 3, 4),
        end=date(2024, 3, 12),
        config=CASH,
    )

    # then r = 1,050/1,000, 1,025/1,050, 1,100/1,025, 1, 1,150/(1,100 + 200), 1,187/1,150 (the
    # deposit counts at the start of its day); the index telescopes to 1.05, 1.025, 1.1, 1.1,
    # 1.1 x 1,150/1,300, 1.1 x 1,187/1,300
    expected = [1.0, 1.05, 1.025, 1.1, 1.1, 1.1 * 1150 / 1300, 1.1 * 1187 / 1300]
    np.testing.assert_allclose(result.twr_index, expected, rtol=1e-12)
    assert result.twr == pytest.approx(1.1 * 1187 / 1300 - 1, rel=1e-12)
    assert result.start_value == D("1000000")
    assert result.end_value == D("1187000")
    assert result.net_flows == D("200000")
    assert result.gain == D("-13000")
    assert result.flows == [D(0), 0, 0, 0, 0, D("200000"), 0]
    assert result.values[4] == D("1100000")
    # the drawdown is measured on the TWR index: 1 - 1,150/1,300, though raw value never fell
    assert result.max_drawdown == pytest.approx(1 - 1150 / 1300, rel=1e-12)
    assert result.annualised is None  # shorter than a year
    assert result.cash_tracked is True


def test_twr_with_untracked_cash_treats_trades_as_flows() -> None:
    result = compute_performance(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 3, 4),
        end=date(2024, 3, 12),
        config=NO_CASH,
    )

    # 550/500, 525/550, 600/525, 1, 450/600, (297 + 190)/450 -> index 0.9 x 487/450 = 0.974
    assert result.twr == pytest.approx(-0.026, rel=1e-12)
    assert result.net_flows == D("-190000")
    assert result.cash_tracked is False


def test_twr_skips_only_days_with_nothing_at_their_start() -> None:
    # given an empty start, 100 paid in on day 2, +10 %, 110 taken out on day 4, 50 paid in on day 6
    values = [0, 0, 100, 110, 0, 0, 50]
    inflows = [0, 0, 100, 0, 0, 0, 50]
    outflows = [0, 0, 0, 0, 110, 0, 0]

    result = twr(values, inflows, outflows)

    # then the days after an empty day count when money comes in at their start
    np.testing.assert_array_equal(result.counted, [False, True, True, True, False, True])
    np.testing.assert_allclose(result.returns, [0, 0, 0.1, 0.0, 0, 0])
    assert result.twr == pytest.approx(0.1)


positive_values = st.lists(st.integers(1, 10**12), min_size=2, max_size=60)


@given(positive_values)
def test_twr_without_flows_is_the_value_ratio(values: list[int]) -> None:
    result = twr(values, [0] * len(values), [0] * len(values))

    assert result.twr == pytest.approx(values[-1] / values[0] - 1, rel=1e-9, abs=1e-12)


@settings(max_examples=100)
@given(
    st.lists(st.integers(1, 2000), min_size=len(SYMBOLS) * 30, max_size=len(SYMBOLS) * 30),
    st.lists(st.integers(1, 5000), min_size=len(SYMBOLS), max_size=len(SYMBOLS)),
    st.integers(0, 10**9),
    st.sampled_from([CASH, NO_CASH]),
)
def test_twr_with_flows_only_on_day_zero_equals_end_over_start_value(
    closes: list[int], quantities: list[int], spare_cash: int, config: LedgerConfig
) -> None:
    # given a deposit and buys on the first day only, then prices wandering for 30 days
    days = [START + timedelta(days=i) for i in range(30)]
    rows = [
        (symbol, day, D(closes[s * 30 + i] * 100))
        for s, symbol in enumerate(SYMBOLS)
        for i, day in enumerate(days)
    ]
    cost = sum(q * closes[s * 30] * 100 for s, q in enumerate(quantities))
    entries = [entry(0, Kind.DEPOSIT, START, amount=D(cost + spare_cash + 1))] + [
        entry(s + 1, Kind.BUY, START, symbol, quantities[s], D(closes[s * 30] * 100))
        for s, symbol in enumerate(SYMBOLS)
    ]

    # when
    result = compute_performance(
        entries=entries, prices=PriceTable.from_rows(rows), start=START, end=days[-1], config=config
    )

    # then
    ratio = float(result.end_value) / float(result.start_value) - 1
    assert result.twr == pytest.approx(ratio, rel=1e-9, abs=1e-12)
    assert result.net_flows == 0


# --- XIRR ------------------------------------------------------------------------------------


def test_xirr_of_ten_percent_over_a_year() -> None:
    result = xirr([date(2023, 1, 1), date(2024, 1, 1)], [D(-1000), D(1100)])

    assert result.rate == pytest.approx(0.1, abs=1e-12)
    assert result.note is None


def test_xirr_falls_back_to_bracketing_when_newton_fails() -> None:
    # Newton from 500% overshoots below -100%, so the bracketing search must find 10%
    result = xirr([date(2023, 1, 1), date(2024, 1, 1)], [-1000.0, 1100.0], guess=5.0)

    assert result.rate == pytest.approx(0.1, abs=1e-12)


@pytest.mark.parametrize(
    ("dates", "flows", "note"),
    [
        ([date(2024, 1, 1), date(2024, 6, 1)], [-100.0, -50.0], "negative and one positive"),
        ([date(2024, 1, 1), date(2024, 6, 1)], [100.0, 0.0], "negative and one positive"),
        ([], [], "negative and one positive"),
        ([date(2024, 1, 1), date(2024, 1, 1)], [-100.0, 110.0], "one day"),
        # -100 + 50 u - 100 u^2 < 0 for every discount factor u > 0: no root anywhere
        ([date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3)], [-100.0, 50.0, -100.0], "no rate"),
        # a root at 1 + x = 1e9^365: beyond what a float holds
        ([date(2024, 1, 1), date(2024, 1, 2)], [-1.0, 1e9], "too large"),
    ],
)
def test_xirr_explains_when_there_is_no_rate(
    dates: list[date], flows: list[float], note: str
) -> None:
    result = xirr(dates, flows)

    assert result.rate is None
    assert result.note is not None
    assert note in result.note


@settings(max_examples=200)
@given(
    st.lists(st.integers(1, 10**9), min_size=1, max_size=5),
    st.lists(st.integers(1, 10**9), min_size=1, max_size=5),
    st.lists(st.integers(1, 200), min_size=10, max_size=10),
)
def test_xirr_agrees_with_an_independent_bisection(
    outflows: list[int], inflows: list[int], gaps: list[int]
) -> None:
    # given money paid in first and taken out later: one sign change, so one root
    flows = [-float(a) for a in outflows] + [float(a) for a in inflows]
    dates = [START]
    for gap in gaps[: len(flows) - 1]:
        dates.append(dates[-1] + timedelta(days=gap))
    assume((dates[-1] - dates[0]).days >= 30)
    expected = bisect_rate(dates, flows, -0.99, 1000.0)
    assume(expected is not None)

    # when
    result = xirr(dates, flows)

    # then
    assert result.rate is not None
    assert result.rate == pytest.approx(expected, abs=1e-6, rel=1e-6)


def test_performance_xirr_uses_start_value_flows_and_end_value() -> None:
    result = compute_performance(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 3, 4),
        end=date(2024, 3, 12),
        config=CASH,
    )

    # investor flows: -1,000,000 on the 4th, -200,000 on the 11th, +1,187,000 on the 12th
    dates = [date(2024, 3, 4), date(2024, 3, 11), date(2024, 3, 12)]
    expected = bisect_rate(dates, [-1_000_000.0, -200_000.0, 1_187_000.0], -0.99, 10.0)
    assert expected is not None
    assert result.xirr == pytest.approx(expected, abs=1e-9)
    assert result.xirr_note is None


# --- risk figures and benchmark --------------------------------------------------------------


def test_volatility_is_the_sample_deviation_of_counted_returns_annualised() -> None:
    returns = np.array([0.0, 0.01, -0.02, 0.03, 0.5])
    counted = np.array([False, True, True, True, False])

    assert volatility(returns, counted) == pytest.approx(
        statistics.stdev([0.01, -0.02, 0.03]) * math.sqrt(250), rel=1e-12
    )
    assert volatility(returns, np.array([False, True, False, False, False])) is None


def test_max_drawdown_is_the_deepest_fall_from_a_peak() -> None:
    # 1.2 -> 0.9 is 25%; the later 1.3 -> 1.04 is 20%
    assert max_drawdown([1.0, 1.2, 0.9, 1.1, 1.3, 1.04]) == pytest.approx(0.25)
    assert max_drawdown([1.0, 1.1, 1.2]) == 0.0
    assert max_drawdown([]) == 0.0


def test_annualised_return_only_for_a_year_or_more() -> None:
    assert annualised_return(0.21, days=730) == pytest.approx(0.1)
    assert annualised_return(0.1, days=365) == pytest.approx(0.1)
    assert annualised_return(0.1, days=364) is None


def test_annualised_figure_is_reported_for_long_ranges() -> None:
    # given two years of a steadily rising price and shares bought on day one
    days = [date(2022, 1, 3) + timedelta(days=i) for i in range(731)]
    rows = [("FPT", d, D(100_000 + 10 * i)) for i, d in enumerate(days)]
    entries = [entry(1, Kind.BUY, days[0], "FPT", 100, "100000")]

    result = compute_performance(
        entries=entries,
        prices=PriceTable.from_rows(rows),
        start=days[0],
        end=days[-1],
        config=NO_CASH,
    )

    # 100,000 -> 107,300 over 730 days
    assert result.twr == pytest.approx(0.073)
    assert result.annualised == pytest.approx(1.073 ** (365 / 730) - 1)
    assert result.volatility is not None


def test_benchmark_is_rebased_to_the_first_date() -> None:
    benchmark = {date(2024, 3, 1): D(1000), date(2024, 3, 5): D(1100), date(2024, 3, 12): D(990)}

    result = compute_performance(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 3, 4),
        end=date(2024, 3, 12),
        config=CASH,
        benchmark=benchmark,
    )

    assert result.benchmark_index == pytest.approx([1.0, 1.1, 1.1, 1.1, 1.1, 1.1, 0.99])
    assert result.benchmark_return == pytest.approx(-0.01)


def test_empty_range_gives_an_empty_result() -> None:
    result = compute_performance(
        entries=march_entries(),
        prices=fpt_table(),
        start=date(2024, 1, 1),
        end=date(2024, 2, 1),
        config=CASH,
    )

    assert (result.dates, result.values, result.twr, result.xirr) == ([], [], 0.0, None)
    assert result.xirr_note is not None


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="precedes start"):
        compute_performance(
            entries=[],
            prices=fpt_table(),
            start=date(2024, 3, 5),
            end=date(2024, 3, 4),
            config=CASH,
        )


# --- ranges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "start"),
    [
        ("1W", date(2024, 3, 24)),
        ("1M", date(2024, 2, 29)),  # 31 March minus a month, clamped to February's end
        ("3M", date(2023, 12, 31)),
        ("6M", date(2023, 9, 30)),
        ("YTD", date(2023, 12, 31)),
        ("ytd", date(2023, 12, 31)),
        ("1Y", date(2023, 3, 31)),
        ("3Y", date(2021, 3, 31)),
        ("ALL", date(2020, 5, 6)),
    ],
)
def test_range_bounds(code: str, start: date) -> None:
    today = date(2024, 3, 31)

    assert range_bounds(code, today=today, first_date=date(2020, 5, 6)) == (start, today)


def test_range_never_starts_before_the_first_transaction() -> None:
    today = date(2024, 3, 31)

    assert range_bounds("1Y", today=today, first_date=date(2024, 3, 20)) == (
        date(2024, 3, 20),
        today,
    )
    assert range_bounds("ALL", today=today, first_date=None) == (today, today)


def test_unknown_range_code_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown range"):
        range_bounds("2W", today=date(2024, 3, 31), first_date=None)
