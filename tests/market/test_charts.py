"""Charts that match the quote (issue #16): today's daily candle from the quote, intraday bars
from the stored bars (after a restart too), indices like instruments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from market.calendar import market_date, vn_midnight_utc
from market.models import Bar, DataSource, Instrument, Quote

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]

BASE = "/api/market/instruments"


def day_bar(instrument: Instrument, start: datetime, close: str) -> Bar:
    price = Decimal(close)
    return Bar.objects.create(
        instrument=instrument, interval="1d", start=start, open=price, high=price, low=price,
        close=price, volume=1000, value=price * 1000,
    )  # fmt: skip


def minute_bar(instrument: Instrument, start: datetime, close: str, volume: int = 100) -> Bar:
    price = Decimal(close)
    return Bar.objects.create(
        instrument=instrument, interval="1m", start=start, open=price, high=price, low=price,
        close=price, volume=volume, value=price * volume,
    )  # fmt: skip


def set_quote(
    instrument: Instrument, *, as_of: datetime, traded: bool = True, **prices: str
) -> None:
    values = {k: Decimal(v) for k, v in prices.items()}
    Quote.objects.update_or_create(
        instrument=instrument,
        defaults={
            "reference": values["reference"],
            "ceiling": values.get("ceiling"),
            "floor": values.get("floor"),
            "price": values["price"],
            "open": values.get("open") if traded else None,
            "high": values.get("high") if traded else None,
            "low": values.get("low") if traded else None,
            "volume": 2_345_600 if traded else 0,
            "value": Decimal(224_875_120_000) if traded else Decimal(0),
            "as_of": as_of,
            "source": DataSource.SIMULATED,
        },
    )


@pytest.fixture
def fpt(db: Any) -> Instrument:
    return Instrument.objects.create(symbol="FPT", exchange="HOSE", name="FPT")


@pytest.fixture
def vnindex(db: Any) -> Instrument:
    return Instrument.objects.create(symbol="VNINDEX", exchange="HOSE", type="index", name="VN")


def test_the_daily_chart_ends_with_todays_candle_from_the_quote(
    api_client: APIClient, fpt: Instrument
) -> None:
    now = timezone.now()
    today = vn_midnight_utc(market_date(now))
    day_bar(fpt, today - timedelta(days=1), "109900")
    day_bar(fpt, today - timedelta(days=2), "109000")
    set_quote(fpt, as_of=now, reference="109900", price="108700", open="110000",
              high="110300", low="108500", ceiling="117500", floor="102300")  # fmt: skip

    body = api_client.get(f"{BASE}/FPT/bars/", {"interval": "1d"}).json()

    last = body["results"][-1]
    assert last["date"] == market_date(now).isoformat()
    assert (last["open"], last["high"], last["low"], last["close"]) == (
        "110000",
        "110300",
        "108500",
        "108700",
    )
    assert (last["volume"], last["value"]) == (2_345_600, "224875120000")
    assert body["count"] == 3
    assert [b["close"] for b in body["results"][:2]] == ["109000", "109900"]


def test_todays_candle_replaces_a_stored_bar_of_that_day(
    api_client: APIClient, fpt: Instrument
) -> None:
    now = timezone.now()
    today = vn_midnight_utc(market_date(now))
    day_bar(fpt, today, "109900")  # e.g. written earlier from an older quote
    set_quote(fpt, as_of=now, reference="109900", price="108700", open="110000",
              high="110300", low="108500")  # fmt: skip

    results = api_client.get(f"{BASE}/FPT/bars/", {"interval": "1d"}).json()["results"]

    assert [(b["date"], b["close"]) for b in results] == [(market_date(now).isoformat(), "108700")]


def test_no_candle_before_the_first_trade_or_outside_the_range(
    api_client: APIClient, fpt: Instrument
) -> None:
    now = timezone.now()
    set_quote(fpt, as_of=now, traded=False, reference="109900", price="109900")
    assert api_client.get(f"{BASE}/FPT/bars/", {"interval": "1d"}).json()["results"] == []

    set_quote(fpt, as_of=now, reference="109900", price="108700", open="110000",
              high="110300", low="108500")  # fmt: skip
    past = api_client.get(
        f"{BASE}/FPT/bars/", {"interval": "1d", "start": "2025-01-02", "end": "2025-01-10"}
    ).json()
    assert past["results"] == []


def test_5m_bars_include_the_current_bucket_from_the_stored_1m_bars(
    api_client: APIClient, fpt: Instrument
) -> None:
    start = datetime(2026, 3, 2, 2, 15, tzinfo=UTC)  # 09:15 ICT
    # the worker rolled up 09:15 already; 09:20 exists only as 1m bars so far
    Bar.objects.create(
        instrument=fpt, interval="5m", start=start, open=100, high=102, low=99, close=101,
        volume=500, value=50_500,
    )  # fmt: skip
    for minute, close in enumerate(("101000", "101500", "100800")):
        minute_bar(fpt, start + timedelta(minutes=5 + minute), close)

    body = api_client.get(
        f"{BASE}/FPT/bars/",
        {"interval": "5m", "start": "2026-03-02T02:00:00Z", "end": "2026-03-02T03:00:00Z"},
    ).json()

    assert [(b["start"], b["open"], b["high"], b["low"], b["close"], b["volume"])
            for b in body["results"]] == [
        ("2026-03-02T02:15:00Z", "100", "102", "99", "101", 500),
        ("2026-03-02T02:20:00Z", "101000", "101500", "100800", "100800", 300),
    ]  # fmt: skip


def test_intraday_charts_show_the_last_session_after_a_restart(
    api_client: APIClient, fpt: Instrument
) -> None:
    # the last session was three days ago; nothing stored since (a weekend, a restart)
    session = (timezone.now() - timedelta(days=3)).replace(second=0, microsecond=0)
    for minute in range(3):
        minute_bar(fpt, session + timedelta(minutes=minute), str(100_000 + minute * 100))

    one = api_client.get(f"{BASE}/FPT/bars/", {"interval": "1m"}).json()
    five = api_client.get(f"{BASE}/FPT/bars/", {"interval": "5m"}).json()

    assert [b["close"] for b in one["results"]] == ["100000", "100100", "100200"]
    assert five["count"] >= 1
    assert five["results"][-1]["close"] == "100200"
    # an explicit window is left alone
    explicit = api_client.get(
        f"{BASE}/FPT/bars/",
        {"interval": "1m", "start": timezone.now().date().isoformat()},
    ).json()
    assert explicit["results"] == []


def test_an_index_works_like_an_instrument_in_points(
    api_client: APIClient, vnindex: Instrument
) -> None:
    now = timezone.now()
    today = vn_midnight_utc(market_date(now))
    day_bar(vnindex, today - timedelta(days=1), "1250.10")
    set_quote(vnindex, as_of=now, reference="1250.10", price="1262.37", open="1251.00",
              high="1265.50", low="1249.80")  # fmt: skip
    minute_bar(vnindex, (now - timedelta(minutes=3)).replace(second=0, microsecond=0), "1262.37")

    daily = api_client.get(f"{BASE}/VNINDEX/bars/", {"interval": "1d"}).json()["results"]
    assert [(b["open"], b["high"], b["low"], b["close"]) for b in daily] == [
        ("1250.10", "1250.10", "1250.10", "1250.10"),
        ("1251.00", "1265.50", "1249.80", "1262.37"),
    ]
    for interval in ("1m", "5m"):
        (bar,) = api_client.get(f"{BASE}/VNINDEX/bars/", {"interval": interval}).json()["results"]
        assert bar["close"] == "1262.37"
    for symbol in ("VN30", "HNXINDEX"):
        Instrument.objects.create(symbol=symbol, exchange="HOSE", type="index")
        assert api_client.get(f"{BASE}/{symbol}/bars/", {"interval": "1d"}).status_code == 200
