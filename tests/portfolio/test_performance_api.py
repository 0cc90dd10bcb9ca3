"""The performance endpoint: ranges, benchmark, caching and its invalidation, cache outages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from market.calendar import trading_days_between, vn_midnight_utc
from market.models import Bar, Instrument
from market.signals import daily_close_updated
from portfolio.models import Portfolio
from portfolio.performance import range_bounds
from portfolio.services import market_today
from tests.portfolio.api_helpers import record

pytestmark = pytest.mark.django_db

RANGES = ["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "ALL"]


@pytest.fixture
def history(instruments: dict[str, Instrument]) -> list[date]:
    """About 14 months of daily closes ending today: FPT rises 100 VND a day, VNINDEX 1 point."""
    from tests.portfolio.factories import daily_bars

    today = market_today()
    days = trading_days_between(today - timedelta(days=420), today)
    daily_bars(instruments["FPT"], {d: 100_000 + 100 * i for i, d in enumerate(days)})
    daily_bars(instruments["VNINDEX"], {d: 1_200 + i for i, d in enumerate(days)})
    return days


@pytest.fixture
def invested(auth_client: APIClient, portfolio: Portfolio, history: list[date]) -> Portfolio:
    """A deposit and one buy on the first day, nothing after: TWR is the value ratio."""
    first = history[0].isoformat()
    for fields in (
        {"kind": "DEPOSIT", "amount": 200_000_000, "trade_date": first},
        {"kind": "BUY", "symbol": "FPT", "quantity": 1000, "price": 100_000, "trade_date": first},
    ):
        assert record(auth_client, portfolio, **fields).status_code == 201
    return portfolio


def performance(client: APIClient, portfolio: Portfolio, query: str) -> Any:
    return client.get(f"/api/portfolios/{portfolio.pk}/performance/{query}")


@pytest.mark.parametrize("range_code", RANGES)
def test_every_range_returns_a_series_with_its_benchmark(
    auth_client: APIClient, invested: Portfolio, history: list[date], range_code: str
) -> None:
    response = performance(auth_client, invested, f"?range={range_code}&benchmark=VNINDEX")

    assert response.status_code == 200, response.json()
    body = response.json()
    start, end = range_bounds(range_code, today=market_today(), first_date=history[0])
    assert (body["range"], body["start"], body["end"]) == (
        range_code,
        start.isoformat(),
        end.isoformat(),
    )
    series = body["series"]
    assert series[0]["date"] <= body["start"]
    assert series[-1]["date"] == history[-1].isoformat() == body["as_of"]
    assert series[0]["twr_index"] == series[0]["benchmark_index"] == "1.000000"
    # No flows after the first day: TWR is exactly V_end / V_0 - 1 (to six decimals).
    v0, v_end = Decimal(series[0]["value"]), Decimal(series[-1]["value"])
    expected = (v_end / v0 - 1).quantize(Decimal("0.000001"))
    assert Decimal(body["twr"]) == expected
    bench0, bench_end = (1_200 + history.index(date.fromisoformat(d)) for d in
                         (series[0]["date"], series[-1]["date"]))  # fmt: skip
    assert Decimal(body["benchmark_return"]) == (Decimal(bench_end) / Decimal(bench0) - 1).quantize(
        Decimal("0.000001")
    )


def test_value_series_is_holdings_times_close_plus_cash(
    auth_client: APIClient, invested: Portfolio, history: list[date]
) -> None:
    body = performance(auth_client, invested, "?range=1W").json()

    # cash = 200,000,000 - (100,000,000 + fee 150,000) = 99,850,000
    for point in body["series"]:
        close = 100_000 + 100 * history.index(date.fromisoformat(point["date"]))
        assert Decimal(point["value"]) == 1000 * close + 99_850_000
        assert point["flow"] == "0"


def test_all_range_counts_from_the_first_transaction(
    auth_client: APIClient, invested: Portfolio, history: list[date]
) -> None:
    body = performance(auth_client, invested, "?range=ALL").json()

    assert body["start"] == history[0].isoformat()
    assert body["start_value"] == "199850000"  # the buy's fee is the first day's loss
    assert body["xirr"] is not None
    assert body["annualised_return"] is not None  # the range spans more than a year
    assert Decimal(body["max_drawdown"]) == 0  # FPT only rises


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?range=2W", "invalid_range"),
        ("?range=", "invalid_range"),
        ("?range=1M&benchmark=NOPE", "unknown_benchmark"),
        ("?range=1M&benchmark=VN%00INDEX", "unknown_benchmark"),  # NUL: was a 500 from PostgreSQL
        ("?range=1M&benchmark=FPT;DROP", "unknown_benchmark"),
        ("?range=1M&benchmark=" + "A" * 21, "unknown_benchmark"),
    ],
)
def test_bad_range_or_benchmark_is_400(
    auth_client: APIClient, invested: Portfolio, query: str, code: str
) -> None:
    response = performance(auth_client, invested, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_without_benchmark(auth_client: APIClient, invested: Portfolio) -> None:
    body = performance(auth_client, invested, "?range=1M&benchmark=none").json()

    assert body["benchmark"] is None
    assert body["benchmark_return"] is None
    assert {p["benchmark_index"] for p in body["series"]} == {None}


def test_empty_portfolio_has_an_empty_performance(
    auth_client: APIClient, portfolio: Portfolio, history: list[date]
) -> None:
    response = performance(auth_client, portfolio, "?range=1M")

    assert response.status_code == 200
    assert response.json()["twr"] == "0.000000"


def _set_close(instrument: Instrument, day: date, close: int) -> None:
    Bar.objects.filter(instrument=instrument, start=vn_midnight_utc(day)).update(
        close=close, high=close, low=close, open=close
    )


def test_snapshot_is_cached_until_a_transaction_changes(
    auth_client: APIClient,
    invested: Portfolio,
    history: list[date],
    instruments: dict[str, Instrument],
    django_capture_on_commit_callbacks: Any,
) -> None:
    before = performance(auth_client, invested, "?range=1M").json()
    _set_close(instruments["FPT"], history[-1], 50_000)  # no signal: the snapshot stays

    cached = performance(auth_client, invested, "?range=1M").json()
    with django_capture_on_commit_callbacks(execute=True):
        record(auth_client, invested, kind="INTEREST", amount=1, trade_date=history[0].isoformat())
    fresh = performance(auth_client, invested, "?range=1M").json()

    assert cached == before
    assert fresh["end_value"] != before["end_value"]
    assert fresh["series"][-1]["value"] == str(1000 * 50_000 + 99_850_001)


def test_daily_close_signal_invalidates_holders_and_benchmarks(
    auth_client: APIClient,
    invested: Portfolio,
    history: list[date],
    instruments: dict[str, Instrument],
) -> None:
    before = performance(auth_client, invested, "?range=1M").json()
    _set_close(instruments["FPT"], history[-1], 50_000)
    _set_close(instruments["VNINDEX"], history[-1], 600)

    daily_close_updated.send(sender=Bar, symbols=["FPT", "VNINDEX"])
    after = performance(auth_client, invested, "?range=1M").json()

    assert after["series"][-1]["value"] == str(1000 * 50_000 + 99_850_000)
    assert after["benchmark_return"] != before["benchmark_return"]


def test_cache_outage_degrades_to_computing(
    auth_client: APIClient, invested: Portfolio, django_capture_on_commit_callbacks: Any
) -> None:
    dead = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead):
        summary = auth_client.get(f"/api/portfolios/{invested.pk}/summary/")
        perf = performance(auth_client, invested, "?range=1M")
        with django_capture_on_commit_callbacks(execute=True):
            written = record(
                auth_client, invested, kind="INTEREST", amount=5, trade_date="2025-03-03"
            )

    assert summary.status_code == 200, summary.content
    assert summary.json()["cash"] == "99850000"
    assert perf.status_code == 200
    assert written.status_code == 201
