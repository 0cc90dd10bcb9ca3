"""Sessions, holidays, settlement days, tick sizes and price bands of the Vietnamese exchanges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market import calendar
from market.calendar import VN_TZ, Exchange, Session

D = Decimal


def vn(day: date, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN_TZ)


TRADING_MONDAY = date(2026, 3, 2)


# --- sessions ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("08:59", Session.PRE_OPEN),
        ("09:00", Session.ATO),
        ("09:14", Session.ATO),
        ("09:15", Session.CONTINUOUS),
        ("11:29", Session.CONTINUOUS),
        ("11:30", Session.LUNCH_BREAK),
        ("12:59", Session.LUNCH_BREAK),
        ("13:00", Session.CONTINUOUS),
        ("14:29", Session.CONTINUOUS),
        ("14:30", Session.ATC),
        ("14:44", Session.ATC),
        ("14:45", Session.PUT_THROUGH),
        ("14:59", Session.PUT_THROUGH),
        ("15:00", Session.CLOSED),
        ("20:00", Session.CLOSED),
    ],
)
def test_hose_session_follows_the_published_timetable(clock: str, expected: Session) -> None:
    assert calendar.session_at(Exchange.HOSE, vn(TRADING_MONDAY, clock)) is expected


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("08:59", Session.PRE_OPEN),
        ("09:00", Session.CONTINUOUS),
        ("11:30", Session.LUNCH_BREAK),
        ("13:00", Session.CONTINUOUS),
        ("14:30", Session.ATC),
        ("14:45", Session.POST_CLOSE),
        ("15:00", Session.CLOSED),
    ],
)
def test_hnx_has_no_opening_auction_and_a_post_close_session(clock: str, expected: Session) -> None:
    assert calendar.session_at(Exchange.HNX, vn(TRADING_MONDAY, clock)) is expected


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("09:00", Session.CONTINUOUS),
        ("11:45", Session.LUNCH_BREAK),
        ("14:30", Session.CONTINUOUS),
        ("14:59", Session.CONTINUOUS),
        ("15:00", Session.CLOSED),
    ],
)
def test_upcom_trades_continuously_until_three_without_atc(clock: str, expected: Session) -> None:
    assert calendar.session_at(Exchange.UPCOM, vn(TRADING_MONDAY, clock)) is expected


@pytest.mark.parametrize(
    ("exchange", "clock", "expected"),
    [
        (Exchange.HOSE, "09:05", True),  # ATO
        (Exchange.HOSE, "12:00", False),  # lunch
        (Exchange.HOSE, "14:35", True),  # ATC
        (Exchange.HOSE, "14:50", False),  # put-through only, no matching
        (Exchange.HNX, "14:50", True),  # post-close matches at the closing price
        (Exchange.UPCOM, "08:30", False),
    ],
)
def test_is_open_only_while_orders_are_matched(
    exchange: Exchange, clock: str, expected: bool
) -> None:
    assert calendar.is_open(exchange, vn(TRADING_MONDAY, clock)) is expected


def test_session_reads_utc_instants_on_the_vietnam_clock() -> None:
    # Given 02:20 UTC, which is 09:20 in Hanoi
    when = datetime(2026, 3, 2, 2, 20, tzinfo=UTC)
    # Then HOSE is in its continuous session
    assert calendar.session_at(Exchange.HOSE, when) is Session.CONTINUOUS
    # And an instant late on Sunday UTC is already Monday morning in Vietnam
    assert calendar.market_date(datetime(2026, 3, 1, 18, 0, tzinfo=UTC)) == TRADING_MONDAY


@pytest.mark.parametrize("day", [date(2026, 2, 28), date(2026, 2, 17), date(2025, 9, 2)])
def test_weekends_and_holidays_are_closed_all_day(day: date) -> None:
    for exchange in Exchange:
        assert calendar.session_at(exchange, vn(day, "10:00")) is Session.CLOSED
        assert not calendar.is_open(exchange, vn(day, "10:00"))
    assert calendar.sessions_on(Exchange.HOSE, day) == ()


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 3, 2, 10, 0)  # the point of the test
    with pytest.raises(ValueError, match="naive"):
        calendar.session_at(Exchange.HOSE, naive)
    with pytest.raises(ValueError, match="naive"):
        calendar.is_open(Exchange.HNX, naive)
    with pytest.raises(ValueError, match="naive"):
        calendar.market_date(naive)


def test_sessions_on_lists_the_windows_of_a_trading_day_in_utc() -> None:
    windows = calendar.sessions_on(Exchange.HOSE, TRADING_MONDAY)
    assert windows[0].session is Session.ATO
    assert windows[0].start == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert windows[-1].end == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert all(w.start.tzinfo is UTC for w in windows)


# --- holidays and trading days -------------------------------------------------------------------


@pytest.mark.parametrize(
    "closed",
    [
        date(2024, 1, 1),
        date(2024, 2, 8),
        date(2024, 2, 14),
        date(2024, 4, 18),
        date(2024, 4, 29),
        date(2024, 9, 3),
        date(2025, 1, 27),
        date(2025, 1, 31),
        date(2025, 4, 7),
        date(2025, 5, 2),
        date(2025, 9, 1),
        date(2026, 2, 16),
        date(2026, 2, 20),
        date(2026, 4, 27),  # Hung Kings falls on Sunday 26 Apr: compensated on Monday
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2027, 2, 10),  # Tet 2027 weekend days compensated
        date(2027, 5, 3),  # 1 May 2027 is a Saturday: compensated on Monday
    ],
)
def test_holidays_are_not_trading_days(closed: date) -> None:
    assert closed.weekday() < 5
    assert not calendar.is_trading_day(closed)


@pytest.mark.parametrize(
    "open_day", [date(2026, 2, 13), date(2026, 2, 23), date(2025, 2, 3), date(2024, 2, 15)]
)
def test_days_around_tet_trade(open_day: date) -> None:
    assert calendar.is_trading_day(open_day)


def test_holiday_table_lists_only_weekdays_of_covered_years() -> None:
    assert all(d.weekday() < 5 for d in calendar.HOLIDAYS)
    assert {d.year for d in calendar.HOLIDAYS} == calendar.HOLIDAY_YEARS


def test_t_plus_two_skips_the_whole_tet_closure() -> None:
    # Given a buy on Friday 13 Feb 2026, the last session before Tet (16-20 Feb closed)
    # Then the shares settle on Tuesday 24 Feb
    assert calendar.add_trading_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_add_trading_days_skips_weekends_and_counts_backwards() -> None:
    assert calendar.add_trading_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri -> Mon
    assert calendar.add_trading_days(date(2026, 3, 5), 2) == date(2026, 3, 9)  # Thu -> Mon
    assert calendar.add_trading_days(date(2026, 4, 29), 1) == date(2026, 5, 4)  # over 30/4-1/5
    assert calendar.add_trading_days(date(2026, 2, 23), -1) == date(2026, 2, 13)
    assert calendar.add_trading_days(date(2026, 3, 7), 0) == date(2026, 3, 7)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 10, 1)), st.integers(-40, 40))
def test_add_trading_days_round_trips_from_a_trading_day(start: date, n: int) -> None:
    if not calendar.is_trading_day(start):
        start = calendar.add_trading_days(start, 1)
    moved = calendar.add_trading_days(start, n)
    assert calendar.is_trading_day(moved)
    assert calendar.add_trading_days(moved, -n) == start
    lo, hi = sorted((start, moved))
    assert len(calendar.trading_days_between(lo, hi)) == abs(n) + 1


def test_trading_days_between_is_inclusive_and_empty_over_tet() -> None:
    assert calendar.trading_days_between(date(2026, 2, 14), date(2026, 2, 22)) == []
    assert calendar.trading_days_between(date(2026, 2, 13), date(2026, 2, 23)) == [
        date(2026, 2, 13),
        date(2026, 2, 23),
    ]
    assert calendar.trading_days_between(date(2026, 3, 9), date(2026, 3, 2)) == []


def test_previous_and_next_trading_day_jump_over_closures() -> None:
    assert calendar.previous_trading_day(date(2026, 2, 23)) == date(2026, 2, 13)
    assert calendar.next_trading_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert calendar.previous_trading_day(date(2026, 3, 2)) == date(2026, 2, 27)


# --- tick sizes, grids and bands -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("exchange", "price", "kind", "tick"),
    [
        (Exchange.HOSE, D(9_990), "stock", D(10)),
        (Exchange.HOSE, D(10_000), "stock", D(50)),
        (Exchange.HOSE, D(49_950), "stock", D(50)),
        (Exchange.HOSE, D(50_000), "stock", D(100)),
        (Exchange.HOSE, D(60_000), "etf", D(10)),
        (Exchange.HOSE, D(60_000), "cw", D(10)),
        (Exchange.HOSE, D(60_000), "fund", D(100)),
        (Exchange.HNX, D(9_900), "stock", D(100)),
        (Exchange.UPCOM, D(50_000), "stock", D(100)),
    ],
)
def test_tick_size_at_the_tier_boundaries(
    exchange: Exchange, price: Decimal, kind: calendar.InstrumentType, tick: Decimal
) -> None:
    assert calendar.tick_size(exchange, price, kind) == tick


def test_indices_have_no_tick_or_band() -> None:
    with pytest.raises(ValueError, match="tick"):
        calendar.tick_size(Exchange.HOSE, D(1650), "index")
    with pytest.raises(ValueError, match="band"):
        calendar.price_band(Exchange.HOSE, D(1650), "index")


@pytest.mark.parametrize(
    ("price", "on_grid"),
    [(D(9_990), True), (D(10_010), False), (D(10_050), True), (D(50_050), False), (D(0), False)],
)
def test_tick_grid_depends_on_the_price_level(price: Decimal, on_grid: bool) -> None:
    assert calendar.is_on_tick_grid(Exchange.HOSE, price) is on_grid


def test_round_to_tick_respects_the_tier_of_the_price() -> None:
    assert calendar.round_to_tick(Exchange.HOSE, D(49_990)) == D(50_000)
    assert calendar.round_to_tick(Exchange.HOSE, D(49_990), rounding="down") == D(49_950)
    assert calendar.round_to_tick(Exchange.HOSE, D(9_995), rounding="up") == D(10_000)
    assert calendar.round_to_tick(Exchange.HNX, D(12_349)) == D(12_300)


@pytest.mark.parametrize(
    ("exchange", "reference", "first_day", "band"),
    [
        # ceiling 11,449 rounds DOWN to 11,400 (tick 50); floor 9,951 rounds UP to 9,960 (tick 10)
        (Exchange.HOSE, D(10_700), False, (D(9_960), D(11_400))),
        # ceiling 50,290 is in the 100 tier: 50,200; floor 43,710 in the 50 tier: 43,750
        (Exchange.HOSE, D(47_000), False, (D(43_750), D(50_200))),
        (Exchange.HNX, D(25_000), False, (D(22_500), D(27_500))),
        (Exchange.HNX, D(12_300), False, (D(11_100), D(13_500))),
        (Exchange.UPCOM, D(40_000), False, (D(34_000), D(46_000))),
        (Exchange.HOSE, D(30_000), True, (D(24_000), D(36_000))),
        (Exchange.UPCOM, D(10_000), True, (D(6_000), D(14_000))),
    ],
)
def test_price_band_rounds_ceiling_down_and_floor_up(
    exchange: Exchange, reference: Decimal, first_day: bool, band: tuple[Decimal, Decimal]
) -> None:
    assert calendar.price_band(exchange, reference, first_day=first_day) == band


@given(
    st.sampled_from(list(Exchange)),
    st.sampled_from(["stock", "etf"]),
    st.integers(min_value=1_000, max_value=300_000),
)
def test_band_limits_are_the_extreme_grid_prices_inside_the_percentage(
    exchange: Exchange, kind: calendar.InstrumentType, raw: int
) -> None:
    reference = calendar.round_to_tick(exchange, D(raw), kind)
    floor, ceiling = calendar.price_band(exchange, reference, kind)
    pct = {Exchange.HOSE: D("0.07"), Exchange.HNX: D("0.10"), Exchange.UPCOM: D("0.15")}[exchange]
    assert calendar.is_on_tick_grid(exchange, floor, kind)
    assert calendar.is_on_tick_grid(exchange, ceiling, kind)
    assert floor < reference < ceiling
    assert ceiling <= reference * (1 + pct)
    assert ceiling + calendar.tick_size(exchange, ceiling, kind) > reference * (1 + pct)
    assert floor >= reference * (1 - pct)
    below = floor - calendar.tick_size(exchange, floor - 1, kind)
    assert below < reference * (1 - pct)


def test_tiny_references_keep_one_tick_of_room() -> None:
    # UPCOM at 300 VND: 15% is less than a 100 VND tick, so the limits move one tick away
    assert calendar.price_band(Exchange.UPCOM, D(300)) == (D(200), D(400))


def test_vn_midnight_is_the_previous_evening_in_utc() -> None:
    assert calendar.vn_midnight_utc(date(2026, 3, 2)) == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
    assert calendar.vn_midnight_utc(date(2026, 3, 2)) + timedelta(hours=7) == datetime(
        2026, 3, 2, 0, 0, tzinfo=UTC
    )
