"""GET /api/market/events/: public, paginated, filtered by symbol, ex-date range and kind; every
bad parameter is a 400 naming it, an unknown symbol a 404."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from market.events import corporate_event_upsert
from market.providers.base import CorporateEventData
from tests.market.builders import instrument

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]

URL = "/api/market/events/"


def event(symbol: str, kind: str, ex: date, **terms: Any) -> None:
    corporate_event_upsert(
        data=CorporateEventData(
            symbol=symbol,
            kind=kind,  # type: ignore[arg-type]
            source="simulated",
            source_id=f"{symbol}-{kind}-{ex}",
            ex_date=ex,
            record_date=ex + timedelta(days=1),
            **terms,
        )
    )


@pytest.fixture
def calendar() -> None:
    instrument("FPT")
    instrument("VNM")
    event("FPT", "cash_dividend", date(2026, 6, 11), cash_per_share=Decimal(2000))
    event("FPT", "stock_dividend", date(2026, 8, 3), ratio_old=100, ratio_new=20)
    event("VNM", "cash_dividend", date(2026, 7, 6), cash_per_share=Decimal(1500))
    event(
        "VNM",
        "rights_issue",
        date(2025, 9, 8),
        ratio_old=100,
        ratio_new=15,
        subscription_price=Decimal(10_000),
        subscription_start=date(2025, 9, 20),
        subscription_end=date(2025, 10, 10),
    )


def test_events_are_public_newest_first_and_paginated(
    api_client: APIClient, calendar: None
) -> None:
    response = api_client.get(URL, {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert body["next"] is not None
    assert [(e["symbol"], e["ex_date"]) for e in body["results"]] == [
        ("FPT", "2026-08-03"),
        ("VNM", "2026-07-06"),
    ]
    stock = body["results"][0]
    assert stock["ratio"] == "100:20"
    assert stock["cash_per_share"] is None
    assert stock["kind"] == "stock_dividend"


def test_events_filter_by_symbol_kind_and_ex_date_range(
    api_client: APIClient, calendar: None
) -> None:
    fpt = api_client.get(URL, {"symbol": "fpt"}).json()["results"]
    assert [e["kind"] for e in fpt] == ["stock_dividend", "cash_dividend"]
    cash = api_client.get(URL, {"kind": "cash_dividend", "from": "2026-06-12"}).json()
    assert [(e["symbol"], e["cash_per_share"]) for e in cash["results"]] == [("VNM", "1500")]
    rights = api_client.get(URL, {"to": "2025-12-31"}).json()["results"]
    assert rights[0]["subscription_price"] == "10000"
    assert rights[0]["subscription_end"] == "2025-10-10"
    assert rights[0]["ratio"] == "100:15"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-07-01", "to": "2026-06-01"}, "from"),
        ({"kind": "merger"}, "kind"),
        ({"symbol": "F P T"}, "symbol"),
        ({"page_size": "0"}, "page_size"),
        ({"sort": "ex_date"}, "sort"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(
    api_client: APIClient, calendar: None, params: dict[str, str], field: str
) -> None:
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_an_unknown_symbol_is_a_404(api_client: APIClient, calendar: None) -> None:
    response = api_client.get(URL, {"symbol": "NOPE"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
