"""Reads: staleness, quote maps, daily closes for the portfolio, symbols of interest, the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings

from market.selectors import (
    SUMMARY_CACHE_KEY,
    daily_closes,
    instrument_get,
    market_summary,
    quote_map,
    quote_prices,
    quote_staleness,
    symbols_of_interest,
)
from market.services import history_store, quotes_ingest
from portfolio_site.errors import NotFound
from tests.factories import UserFactory
from tests.market.builders import MONDAY, TUESDAY, daily_bar, instrument, snapshot, trading_days, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]


def stale(as_of, now, source="vnstock", **kwargs):  # type: ignore[no-untyped-def]
    return quote_staleness(as_of=as_of, exchange="HOSE", source=source, now=now, **kwargs)[0]


class TestStaleness:
    @pytest.fixture(autouse=True)
    def _limits(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.QUOTE_STALE_SECONDS = 60
        settings.SIMULATED_ALWAYS_OPEN = False

    def test_during_the_session_a_quote_older_than_the_limit_is_stale(self) -> None:
        now = vn(MONDAY, "10:00")
        assert not stale(now - timedelta(seconds=30), now)
        assert stale(now - timedelta(seconds=90), now)

    def test_the_age_is_counted_from_the_last_confirmation(self) -> None:
        now = vn(MONDAY, "10:00")
        old = now - timedelta(minutes=10)
        fresh, age = quote_staleness(
            as_of=old,
            exchange="HOSE",
            source="vnstock",
            now=now,
            seen_at=now - timedelta(seconds=3),
        )
        assert (fresh, age) == (False, 3)

    def test_the_closing_quote_stays_fresh_overnight_and_over_the_weekend(self) -> None:
        closing = vn(MONDAY, "14:59:30")
        assert not stale(closing, vn(MONDAY, "21:00"))
        assert not stale(closing, vn(TUESDAY, "08:30"))
        friday_close = vn(MONDAY - timedelta(days=3), "14:59:50")
        assert not stale(friday_close, vn(MONDAY - timedelta(days=1), "12:00"))

    def test_a_quote_frozen_before_the_close_is_stale_after_it(self) -> None:
        assert stale(vn(MONDAY, "11:00"), vn(MONDAY, "20:00"))

    def test_the_lunch_break_does_not_make_the_morning_close_stale(self) -> None:
        assert not stale(vn(MONDAY, "11:29:40"), vn(MONDAY, "12:30"))

    def test_an_always_open_simulated_feed_is_judged_against_now(self, settings) -> None:  # type: ignore[no-untyped-def]
        settings.SIMULATED_ALWAYS_OPEN = True
        sunday = vn(MONDAY - timedelta(days=1), "03:00")
        assert stale(sunday - timedelta(minutes=5), sunday, source="simulated")
        assert not stale(sunday - timedelta(seconds=5), sunday, source="simulated")


def test_quote_map_reads_the_stored_quotes_with_staleness() -> None:
    instrument("FPT")
    instrument("VNM")
    t0 = vn(MONDAY, "10:00")
    quotes_ingest(snapshots=[snapshot(last="101000", volume=100, as_of=t0)])
    rows = quote_map(symbols=["fpt", "VNM"], now=t0 + timedelta(minutes=5))
    assert list(rows) == ["FPT"]  # VNM has no quote yet
    row = rows["FPT"]
    assert (row.price, row.change, row.change_pct) == (
        Decimal(101000),
        Decimal(1000),
        Decimal("1.00"),
    )
    assert (row.stale, row.age_seconds) == (True, 300)


def test_quote_prices_gives_the_stored_price_reference_and_as_of_of_quoted_symbols() -> None:
    # given FPT with a quote and VNM without one
    instrument("FPT")
    instrument("VNM")
    t0 = vn(MONDAY, "10:00")
    quotes_ingest(snapshots=[snapshot(last="101000", volume=100, as_of=t0)])
    # when the valuation prices are read (symbols in any case)
    prices = quote_prices(symbols=["fpt", "VNM"])
    # then they are the quote's, like quote_map's, and VNM is absent
    row = quote_map(symbols=["FPT"], now=t0)["FPT"]
    assert prices == {"FPT": (row.price, row.reference, row.as_of)}
    assert prices["FPT"][0] == Decimal(101000)


def test_instrument_get_raises_not_found_for_an_unknown_symbol() -> None:
    instrument("FPT")
    assert instrument_get(symbol="fpt").symbol == "FPT"
    with pytest.raises(NotFound):
        instrument_get(symbol="NOPE")


def test_daily_closes_fit_the_price_table_with_the_close_before_the_range() -> None:
    # given FPT and VNINDEX daily bars over six trading days
    instrument("FPT")
    instrument("VNINDEX", type="index")
    days = trading_days(MONDAY, 6)
    history_store(symbol="FPT", bars=[daily_bar("FPT", d, str(100_000 + 100 * i)) for i, d in enumerate(days)], start=days[0], end=days[-1])  # fmt: skip
    history_store(symbol="VNINDEX", bars=[daily_bar("VNINDEX", d, "1250.5") for d in days[2:]], start=days[2], end=days[-1])  # fmt: skip
    # when closes from the third to the fifth day are asked for
    rows = daily_closes(symbols=["FPT", "VNINDEX", "NOPE"], start=days[2], end=days[4])
    # then each symbol's last close before the range comes first, then the range, by date
    assert rows == [
        ("FPT", days[1], Decimal("100100")),
        ("FPT", days[2], Decimal("100200")),
        ("VNINDEX", days[2], Decimal("1250.5")),
        ("FPT", days[3], Decimal("100300")),
        ("VNINDEX", days[3], Decimal("1250.5")),
        ("FPT", days[4], Decimal("100400")),
        ("VNINDEX", days[4], Decimal("1250.5")),
    ]
    from portfolio.performance import PriceTable

    table = PriceTable.from_rows(rows)
    assert table.symbols == ("FPT", "VNINDEX")


def test_daily_closes_can_add_todays_live_price() -> None:
    instrument("FPT")
    history_store(symbol="FPT", bars=[daily_bar("FPT", MONDAY, "100000")], start=MONDAY, end=MONDAY)
    quotes_ingest(snapshots=[snapshot(last="101000", volume=10, as_of=vn(TUESDAY, "10:00"))])
    rows = daily_closes(symbols=["FPT"], start=MONDAY, end=TUESDAY, include_today=True)
    assert rows == [("FPT", MONDAY, Decimal("100000")), ("FPT", TUESDAY, Decimal("101000"))]
    assert daily_closes(symbols=["FPT"], start=MONDAY, end=TUESDAY) == rows[:1]


def test_symbols_of_interest_are_vn30_indices_held_watched_and_alerted() -> None:
    from portfolio.models import Alert, Portfolio, Transaction, WatchlistItem

    instrument("FPT", groups=("VN30",))
    instrument("VNINDEX", type="index")
    held, watched, alerted = (
        instrument("HAG"),
        instrument("SHS", exchange="HNX"),
        instrument("MSR", exchange="UPCOM"),
    )
    instrument("XYZ")  # nobody cares
    instrument("OLD", groups=("VN30",), is_active=False)
    user = UserFactory()
    portfolio = Portfolio.objects.create(owner=user, name="Main")
    Transaction.objects.create(portfolio=portfolio, kind="buy", instrument=held, quantity=100, price=10_000, trade_date=MONDAY, settle_date=TUESDAY)  # fmt: skip
    WatchlistItem.objects.create(user=user, instrument=watched)
    Alert.objects.create(user=user, instrument=alerted, condition="above", threshold=50_000)
    assert symbols_of_interest() == ["FPT", "HAG", "MSR", "SHS", "VNINDEX"]
    # with a moment: nothing after the close or over lunch, everything in the session
    assert symbols_of_interest(trading_at=vn(MONDAY, "15:10")) == []
    assert symbols_of_interest(trading_at=vn(MONDAY, "12:00")) == []
    assert symbols_of_interest(trading_at=vn(MONDAY, "10:00")) == [
        "FPT",
        "HAG",
        "MSR",
        "SHS",
        "VNINDEX",
    ]


def _summary_market() -> None:
    instrument("VNINDEX", type="index")
    t0 = vn(MONDAY, "10:00")
    specs = [
        ("AAA", "103000", 5000),
        ("BBB", "98000", 9000),
        ("CCC", "100000", 100),
        ("DDD", "105000", 200),
    ]
    for symbol, _, _ in specs:
        instrument(symbol)
    quotes_ingest(
        snapshots=[snapshot(s, last=p, volume=v, as_of=t0) for s, p, v in specs]
        + [snapshot("VNINDEX", kind="index", reference="1250", last="1262.5", volume=10, as_of=t0)]
    )


@override_settings(SIMULATED_ALWAYS_OPEN=False)
def test_the_summary_ranks_gainers_losers_most_active_and_counts_breadth() -> None:
    _summary_market()
    summary = market_summary(now=vn(MONDAY, "10:00:30"))
    assert [r.symbol for r in summary["gainers"]] == ["DDD", "AAA"]
    assert [r.symbol for r in summary["losers"]] == ["BBB"]
    assert [r.symbol for r in summary["most_active"]] == ["BBB", "AAA", "DDD", "CCC"]
    assert summary["breadth"] == {"advancers": 2, "decliners": 1, "unchanged": 1}
    (index,) = summary["indices"]
    assert (index.symbol, index.price, index.change_pct) == (
        "VNINDEX",
        Decimal("1262.5"),
        Decimal("1.00"),
    )
    assert summary["source"] == "simulated"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (vn(MONDAY, "10:00"), MONDAY),
        # Friday evening in UTC is already Saturday in Vietnam: the Friday
        (datetime(2026, 1, 9, 18, 0, tzinfo=UTC), date(2026, 1, 9)),
        (vn(date(2026, 1, 11), "12:00"), date(2026, 1, 9)),  # a Sunday
        # the Saturday after the Tet closure (Mon 16 - Fri 20 Feb 2026): the Friday before it
        (vn(date(2026, 2, 21), "09:00"), date(2026, 2, 13)),
    ],
)
def test_the_summary_names_the_last_trading_day(now: datetime, expected: date) -> None:
    assert market_summary(now=now)["last_trading_day"] == expected


@override_settings(SIMULATED_ALWAYS_OPEN=False)
def test_the_summary_is_cached_and_its_staleness_recomputed_on_read() -> None:
    _summary_market()
    fresh = market_summary(now=vn(MONDAY, "10:00:30"))
    assert cache.get(SUMMARY_CACHE_KEY) is not None
    # when a quote changes but the worker has not refreshed the summary yet
    quotes_ingest(snapshots=[snapshot("CCC", last="107000", volume=300, as_of=vn(MONDAY, "10:01"))])
    later = market_summary(now=vn(MONDAY, "10:05"))
    # then the cached ranking is served, with stale flags for the new moment
    assert [r.symbol for r in later["gainers"]] == [r.symbol for r in fresh["gainers"]]
    assert not fresh["gainers"][0].stale
    assert later["gainers"][0].stale
