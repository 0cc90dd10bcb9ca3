"""As-traded vs adjusted prices: vnstock's adjusted history is un-adjusted for the share events
that went ex after each bar, so stored bars are what the market printed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from market.adjustment import (
    ShareFactor,
    adjusted,
    as_traded,
    cumulative_factor,
    share_factor,
)
from market.models import Bar, CorporateEvent
from market.services import history_store
from tests.market.builders import daily_bar, instrument, trading_days

pytestmark = pytest.mark.django_db

FIRST = date(2026, 6, 8)  # a Monday
EX = date(2026, 6, 11)


@pytest.mark.parametrize(
    ("kind", "old", "new", "factor"),
    [
        ("stock_dividend", 100, 20, Decimal("1.2")),
        ("bonus_shares", 100, 15, Decimal("1.15")),
        ("split", 1, 2, Decimal(2)),
        ("reverse_split", 10, 1, Decimal("0.1")),
        ("rights_issue", 10, 3, None),
    ],
)
def test_the_factor_is_the_change_in_share_count(
    kind: str, old: int, new: int, factor: Decimal | None
) -> None:
    event = CorporateEvent(kind=kind, ex_date=EX, ratio_old=old, ratio_new=new)
    assert share_factor(event) == factor


def test_a_cash_dividend_or_a_cancelled_event_has_no_factor() -> None:
    assert share_factor(CorporateEvent(kind="cash_dividend", cash_per_share=Decimal(2_000))) is None
    cancelled = CorporateEvent(kind="split", ratio_old=1, ratio_new=2, status="cancelled")
    assert share_factor(cancelled) is None


def test_factors_compound_only_for_events_after_the_day_up_to_the_fetch() -> None:
    factors = [
        ShareFactor(date(2026, 3, 2), Decimal("1.2")),
        ShareFactor(date(2026, 6, 1), Decimal(2)),
    ]
    assert cumulative_factor(factors, date(2026, 1, 5), date(2026, 12, 1)) == Decimal("2.4")
    assert cumulative_factor(factors, date(2026, 3, 2), date(2026, 12, 1)) == Decimal(2)
    assert cumulative_factor(factors, date(2026, 1, 5), date(2026, 5, 1)) == Decimal("1.2")
    assert as_traded(Decimal(25_000), factor=Decimal("1.2")) == Decimal(30_000)
    assert adjusted(Decimal(30_000), factor=Decimal("1.2")) == Decimal(25_000)
    assert as_traded(Decimal("8333.33"), factor=Decimal("1.2")) == Decimal(10_000)  # whole VND


def test_vnstock_history_is_stored_as_traded() -> None:
    fpt = instrument("FPT")
    CorporateEvent.objects.create(
        instrument=fpt,
        kind="stock_dividend",
        ex_date=EX,
        ratio_old=100,
        ratio_new=20,
        source="manual",
    )
    days = trading_days(FIRST, 5)  # Mon..Fri: three before the ex-date (Thu)
    # vnstock's adjusted series: flat at 25,000 (the market printed 30,000 before the ex-date)
    bars = [daily_bar("FPT", day, "25000", source="vnstock") for day in days]
    history_store(symbol="FPT", bars=bars, start=days[0], end=days[-1])
    closes = list(Bar.objects.order_by("start").values_list("close", "high", "low"))
    assert closes == [
        (Decimal(30_000), Decimal(30_120), Decimal(29_880)),
        (Decimal(30_000), Decimal(30_120), Decimal(29_880)),
        (Decimal(30_000), Decimal(30_120), Decimal(29_880)),
        (Decimal(25_000), Decimal(25_100), Decimal(24_900)),
        (Decimal(25_000), Decimal(25_100), Decimal(24_900)),
    ]


def test_simulated_history_is_already_as_traded_and_kept() -> None:
    fpt = instrument("FPT")
    CorporateEvent.objects.create(
        instrument=fpt, kind="split", ex_date=EX, ratio_old=1, ratio_new=2, source="manual"
    )
    days = trading_days(FIRST, 5)
    history_store(
        symbol="FPT", bars=[daily_bar("FPT", d, "30000") for d in days], start=days[0], end=days[-1]
    )
    assert set(Bar.objects.values_list("close", flat=True)) == {Decimal(30_000)}


def test_the_bars_endpoint_serves_as_traded_by_default_and_adjusted_on_request() -> None:
    from rest_framework.test import APIClient

    fpt = instrument("FPT")
    CorporateEvent.objects.create(
        instrument=fpt,
        kind="stock_dividend",
        ex_date=EX,
        ratio_old=100,
        ratio_new=20,
        source="manual",
    )
    days = trading_days(FIRST, 5)
    closes = ["30000", "30000", "30000", "25000", "25000"]
    history_store(
        symbol="FPT",
        bars=[daily_bar("FPT", d, c) for d, c in zip(days, closes, strict=True)],
        start=days[0],
        end=days[-1],
    )
    url = "/api/market/instruments/FPT/bars/"
    window = {"interval": "1d", "start": "2026-06-08", "end": "2026-06-12"}
    traded = APIClient().get(url, window).json()
    scaled = APIClient().get(url, {**window, "adjusted": "true"}).json()
    assert traded["adjusted"] is False
    assert [bar["close"] for bar in traded["results"]] == closes
    assert scaled["adjusted"] is True
    assert [bar["close"] for bar in scaled["results"]] == ["25000"] * 5
    assert APIClient().get(url, {**window, "adjusted": "maybe"}).status_code == 400
