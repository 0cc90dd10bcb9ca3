"""The simulated market: on the grid, inside the band, deterministic, consistent with itself."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market import calendar
from market.calendar import VN_TZ, Exchange, Session
from market.providers.base import ProviderDataError, QuoteSnapshot
from market.providers.simulated import UNIVERSE, SimulatedProvider
from market.providers.simulated_trades import bridge
from market.providers.validation import validate_bar, validate_quote, validate_tick

SYMBOLS = [spec.symbol for spec in UNIVERSE]
TYPES = {spec.symbol: spec.type for spec in UNIVERSE}
UNIVERSE_EXCHANGE = {spec.symbol: spec.exchange for spec in UNIVERSE}
TRADING_DAY = date(2026, 3, 4)  # a Wednesday


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=VN_TZ)


def provider(now: datetime, **kwargs: object) -> SimulatedProvider:
    return SimulatedProvider(clock=lambda: now, seed=kwargs.pop("seed", 42), **kwargs)  # type: ignore[arg-type]


def assert_on_grid_and_in_band(symbol: str, quote: QuoteSnapshot) -> None:
    kind = TYPES[symbol]
    assert validate_quote(quote, instrument_type=kind) == []
    if kind == "index":
        for price in (quote.reference, quote.last):
            assert price == price.quantize(Decimal("0.01"))
        return
    prices = [quote.last, quote.reference] + [p for p, _ in quote.bids + quote.asks]
    prices += [p for p in (quote.open, quote.high, quote.low) if p is not None]
    floor, ceiling = calendar.price_band(quote.exchange, quote.reference, kind)
    assert (quote.floor, quote.ceiling) == (floor, ceiling)
    for price in prices:
        assert calendar.is_on_tick_grid(quote.exchange, price, kind), price
        assert floor <= price <= ceiling


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31),
    symbol=st.sampled_from(SYMBOLS),
    when=instants,
    step=st.sampled_from([0.5, 1.0, 5.0, 30.0]),
)
def test_every_price_is_on_the_grid_and_inside_the_band(
    seed: int, symbol: str, when: datetime, step: float
) -> None:
    quote = provider(when, seed=seed, step_seconds=step).quote_at(symbol, when)
    assert_on_grid_and_in_band(symbol, quote)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), when=instants)
def test_always_open_prices_stay_on_the_grid_too(seed: int, when: datetime) -> None:
    sim = provider(when, seed=seed, always_open=True)
    for symbol in ("FPT", "SHB", "E1VFVN30", "ACV", "VNINDEX"):
        assert_on_grid_and_in_band(symbol, sim.quote_at(symbol, when))


def test_two_fresh_providers_with_one_seed_agree() -> None:
    # Given two providers that share no state, as two worker processes would
    when = at(TRADING_DAY, "10:41:17")
    first, second = provider(when), provider(when)
    # When each builds the board at the same instant (in a different order)
    board_a = first.price_board(SYMBOLS)
    board_b = list(reversed(second.price_board(list(reversed(SYMBOLS)))))
    # Then the snapshots are identical, field by field
    assert board_a == board_b


def test_another_seed_gives_another_market() -> None:
    when = at(TRADING_DAY, "10:41:17")
    lasts = [q.last for q in provider(when, seed=1).price_board(SYMBOLS)]
    assert lasts != [q.last for q in provider(when, seed=2).price_board(SYMBOLS)]


def test_accumulated_volume_only_grows_by_board_lots() -> None:
    sim = provider(at(TRADING_DAY, "15:00"))
    for symbol in ("HPG", "SHS", "ACV", "E1VFVN30"):
        previous = None
        for minute in range(0, 6 * 60 + 1, 7):
            quote = sim.quote_at(symbol, at(TRADING_DAY, "09:00") + timedelta(minutes=minute))
            assert quote.volume % 100 == 0
            if previous is not None:
                assert quote.volume >= previous.volume
                assert (quote.volume - previous.volume) % 100 == 0
                assert quote.value >= previous.value
                assert quote.foreign_buy >= previous.foreign_buy
            previous = quote


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (at(TRADING_DAY, "11:30:30"), at(TRADING_DAY, "12:59:59")),  # lunch break
        (at(TRADING_DAY, "14:45:00"), at(TRADING_DAY, "14:59:59")),  # HOSE put-through
        (at(TRADING_DAY, "15:00:00"), at(TRADING_DAY, "23:59:59")),  # evening
        (at(date(2026, 3, 6), "15:30"), at(date(2026, 3, 8), "10:00")),  # Friday to Sunday
        (at(date(2026, 2, 13), "16:00"), at(date(2026, 2, 18), "10:00")),  # into Tet
    ],
)
def test_nothing_moves_outside_the_matching_sessions(earlier: datetime, later: datetime) -> None:
    sim = provider(later)
    for symbol in ("FPT", "VCB", "PVS", "VNINDEX"):
        a, b = sim.quote_at(symbol, earlier), sim.quote_at(symbol, later)
        assert (a.last, a.volume, a.value, a.high, a.low) == (
            b.last,
            b.volume,
            b.value,
            b.high,
            b.low,
        )


def test_before_the_open_the_board_shows_the_reference_and_no_volume() -> None:
    monday = date(2026, 3, 9)
    sim = provider(at(monday, "08:30"))
    friday_close = sim.quote_at("MWG", at(date(2026, 3, 6), "15:00")).last
    quote = sim.quote_at("MWG", at(monday, "08:30"))
    assert quote.reference == friday_close
    assert (quote.last, quote.volume, quote.open, quote.high) == (friday_close, 0, None, None)
    assert quote.change == 0


def test_trades_happen_only_in_price_discovery_sessions() -> None:
    sim = provider(at(TRADING_DAY, "23:00"))
    for symbol, exchange in (
        ("VNM", Exchange.HOSE),
        ("SHS", Exchange.HNX),
        ("VEA", Exchange.UPCOM),
    ):
        ticks = sim.intraday_ticks(symbol, limit=100_000)
        assert ticks
        sessions = {calendar.session_at(exchange, t.time) for t in ticks}
        assert sessions <= {Session.ATO, Session.CONTINUOUS, Session.ATC}


def test_ticks_add_up_to_the_board_and_pass_validation() -> None:
    end_of_day = at(TRADING_DAY, "15:30")
    sim = provider(end_of_day)
    quote = sim.quote_at("TCB", end_of_day)
    ticks = sim.intraday_ticks("TCB", limit=100_000)
    assert sum(t.volume for t in ticks) == quote.volume
    assert ticks[-1].price == quote.last
    assert [t.time for t in ticks] == sorted(t.time for t in ticks)
    assert len({t.source_id for t in ticks}) == len(ticks)
    assert quote.floor is not None
    assert quote.ceiling is not None
    band = (quote.floor, quote.ceiling)
    assert all(validate_tick(t, reference_band=band, exchange=Exchange.HOSE) == [] for t in ticks)
    assert sim.intraday_ticks("TCB", limit=5) == ticks[-5:]
    assert {t.source for t in ticks} == {"simulated"}


def test_indices_have_levels_in_points_and_no_trades() -> None:
    sim = provider(at(TRADING_DAY, "10:00"))
    quote = sim.quote_at("VNINDEX", at(TRADING_DAY, "10:00"))
    assert quote.ceiling is None
    assert quote.bids == ()
    assert quote.asks == ()
    assert Decimal(1000) < quote.last < Decimal(2500)
    assert quote.last.as_tuple().exponent == -2
    assert sim.intraday_ticks("VNINDEX") == []


def test_daily_history_lists_trading_days_whose_closes_chain_within_bands() -> None:
    today = date(2026, 3, 10)
    sim = provider(at(today, "20:00"))
    for symbol in ("HPG", "SHS", "ACV", "E1VFVN30", "FPT"):
        bars = sim.history(symbol, interval="1d", start=date(2025, 1, 1), end=today)
        days = [b.trading_date for b in bars]
        assert days == calendar.trading_days_between(date(2025, 1, 1), today)
        kind = TYPES[symbol]
        for previous, bar in itertools.pairwise(bars):
            floor, ceiling = calendar.price_band(UNIVERSE_EXCHANGE[symbol], previous.close, kind)
            assert floor <= bar.low <= bar.high <= ceiling
            assert calendar.is_on_tick_grid(UNIVERSE_EXCHANGE[symbol], bar.close, kind)
            assert validate_bar(bar, instrument_type=kind) == []
        assert all(b.start == calendar.vn_midnight_utc(b.trading_date) for b in bars)


def test_a_past_daily_bar_matches_that_day_on_the_board() -> None:
    sim = provider(at(date(2026, 3, 10), "20:00"))
    bar = sim.history("VPB", interval="1d", start=TRADING_DAY, end=TRADING_DAY)[0]
    quote = sim.quote_at("VPB", at(TRADING_DAY, "15:00"))
    assert (bar.open, bar.high, bar.low, bar.close) == (
        quote.open,
        quote.high,
        quote.low,
        quote.last,
    )
    assert (bar.volume, bar.value) == (quote.volume, quote.value)
    next_day = sim.quote_at("VPB", at(date(2026, 3, 5), "09:30"))
    assert next_day.reference == bar.close


def test_todays_bar_is_partial_and_future_days_are_not_invented() -> None:
    now = at(TRADING_DAY, "10:00")
    sim = provider(now)
    bars = sim.history(
        "SSI", interval="1d", start=TRADING_DAY - timedelta(days=7), end=date(2027, 1, 1)
    )
    assert bars[-1].trading_date == TRADING_DAY
    assert bars[-1].close == sim.quote_at("SSI", now).last
    assert bars[-1].volume == sim.quote_at("SSI", now).volume


def test_intraday_bars_bucket_the_trades_of_the_day() -> None:
    sim = provider(at(TRADING_DAY, "20:00"))
    bars = sim.history("FPT", interval="5m", start=TRADING_DAY, end=TRADING_DAY)
    quote = sim.quote_at("FPT", at(TRADING_DAY, "20:00"))
    assert sum(b.volume for b in bars) == quote.volume
    assert bars[-1].close == quote.last
    assert all(b.start.minute % 5 == 0 and b.start.second == 0 for b in bars)
    assert all(validate_bar(b) == [] for b in bars)
    assert [b.start for b in bars] == sorted({b.start for b in bars})


def test_always_open_moves_on_a_sunday_night() -> None:
    sunday = date(2026, 3, 8)
    sim = provider(at(sunday, "04:00"), always_open=True)
    early, late = sim.quote_at("HPG", at(sunday, "02:00")), sim.quote_at("HPG", at(sunday, "04:00"))
    assert late.volume > early.volume
    assert sim.history("HPG", interval="1d", start=sunday, end=sunday) == []


VN30 = [spec.symbol for spec in UNIVERSE if "VN30" in spec.groups]


@pytest.mark.parametrize(
    ("start", "always_open"),
    [
        (at(TRADING_DAY, "10:05:00"), False),  # a morning's continuous session
        (at(TRADING_DAY, "13:41:30"), False),  # an afternoon's
        (at(date(2026, 3, 8), "02:13:00"), True),  # the demo on a Sunday night
    ],
)
def test_over_a_minute_most_vn30_symbols_trade_at_several_prices(
    start: datetime, always_open: bool
) -> None:
    # Given the simulated board polled every two seconds for a minute, as the worker does
    sim = provider(start, always_open=always_open)
    seen: dict[str, set[Decimal]] = {symbol: set() for symbol in VN30}
    for second in range(0, 61, 2):
        for quote in sim.price_board_at(VN30, start + timedelta(seconds=second)):
            assert_on_grid_and_in_band(quote.symbol, quote)
            seen[quote.symbol].add(quote.last)
    # Then most symbols printed three prices or more, and every one moved at least once
    assert sum(len(prices) >= 3 for prices in seen.values()) >= 20
    assert all(len(prices) >= 2 for prices in seen.values())


@pytest.mark.parametrize(
    ("start", "always_open"),
    [(at(date(2026, 3, 8), "02:13:00"), True), (at(TRADING_DAY, "10:05:00"), False)],
)
def test_the_demo_portfolios_total_changes_within_ten_seconds(
    start: datetime, always_open: bool
) -> None:
    # Given the demo portfolio's five VN30 holdings (seed_portfolio), valued at the last price
    holdings = {"FPT": 300, "VNM": 500, "HPG": 1_000, "MWG": 200, "VCB": 800}
    sim = provider(start, always_open=always_open)

    def total(when: datetime) -> Decimal:
        board = sim.price_board_at(list(holdings), when)
        return sum((q.last * holdings[q.symbol] for q in board), Decimal(0))

    # When the total is read every ten seconds for ten minutes
    totals = [total(start + timedelta(seconds=10 * n)) for n in range(61)]
    changed = [a != b for a, b in itertools.pairwise(totals)]
    # Then it changes in five ten-second intervals out of six or more, never still for 30 s
    assert sum(changed) >= 50
    still = [totals[n] == totals[n + 3] == totals[n + 1] == totals[n + 2] for n in range(58)]
    assert not any(still)


def test_every_trade_of_a_busy_day_is_on_the_grid_inside_the_band_and_ends_on_the_close() -> None:
    end_of_day = at(TRADING_DAY, "15:30")
    sim = provider(end_of_day)
    for symbol in ("ACB", "FPT", "SHB", "VIC", "SHS", "ACV"):
        quote = sim.quote_at(symbol, end_of_day)
        ticks = sim.intraday_ticks(symbol, limit=100_000)
        band = (quote.floor, quote.ceiling)
        exchange = UNIVERSE_EXCHANGE[symbol]
        assert all(validate_tick(t, reference_band=band, exchange=exchange) == [] for t in ticks)
        [daily] = sim.history(symbol, interval="1d", start=TRADING_DAY, end=TRADING_DAY)
        assert ticks[-1].price == daily.close == quote.last
        assert len({t.price for t in ticks}) >= 8  # the price wanders, not just bounces


def test_volume_comes_in_bursts() -> None:
    # Given a quiet stretch of the demo market, per ten-second slice
    start = at(date(2026, 3, 8), "02:00:00")
    sim = provider(start + timedelta(hours=1), always_open=True)
    volumes = [sim.quote_at("VNM", start + timedelta(seconds=10 * n)).volume for n in range(361)]
    slices = sorted(b - a for a, b in itertools.pairwise(volumes))
    # Then the busiest slices trade many times the typical one
    median, busiest = slices[len(slices) // 2], slices[-5]
    assert busiest >= 5 * max(median, 100)


def test_unknown_symbols_are_skipped_on_the_board_and_refused_elsewhere() -> None:
    sim = provider(at(TRADING_DAY, "10:00"))
    assert [q.symbol for q in sim.price_board(["FPT", "NOPE", "FPT"])] == ["FPT"]
    with pytest.raises(ProviderDataError):
        sim.history("NOPE", interval="1d", start=TRADING_DAY, end=TRADING_DAY)


def test_the_universe_holds_the_vn30_an_etf_and_three_indices() -> None:
    instruments = {i.symbol: i for i in provider(at(TRADING_DAY, "10:00")).list_instruments()}
    vn30 = {s for s, i in instruments.items() if "VN30" in i.groups}
    assert len(vn30) == 30
    assert all(instruments[s].exchange is Exchange.HOSE for s in vn30)
    assert instruments["E1VFVN30"].type == "etf"
    assert {s for s, i in instruments.items() if i.type == "index"} == {
        "VNINDEX",
        "VN30",
        "HNXINDEX",
    }
    assert {i.exchange for i in instruments.values()} == set(Exchange)


@given(
    top=st.integers(1, 300),
    data=st.data(),
)
def test_the_bridge_always_lands_on_its_end_inside_the_ladder(
    top: int, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, top))
    end = data.draw(st.integers(0, top))
    extra = data.draw(st.integers(0, 60))
    n = abs(end - start) + 2 * extra
    draws = np.array(data.draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=n, max_size=n)))
    moves = bridge(start, end, top, draws)
    path = start + np.cumsum(moves)
    assert (path >= 0).all()
    assert (path <= top).all()
    assert (path[-1] if n else start) == end


def test_get_provider_shares_one_simulator_per_process() -> None:
    from market.providers.base import get_provider, reset_provider_cache

    reset_provider_cache()
    try:
        first = get_provider("simulated")
        assert isinstance(first, SimulatedProvider)
        assert get_provider("simulated") is first
        with pytest.raises(ValueError, match="unknown market data provider"):
            get_provider("bloomberg")
    finally:
        reset_provider_cache()
