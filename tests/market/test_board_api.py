"""GET /api/market/board/?list=...: the price board's rows (issue #16)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from market.models import Exchange, Instrument, InstrumentGroup, InstrumentType, Tick
from portfolio import services
from portfolio.models import WatchlistItem
from tests.portfolio.factories import InstrumentFactory, QuoteFactory

pytestmark = pytest.mark.django_db

URL = "/api/market/board/"
ROW_FIELDS = {
    "symbol", "name", "exchange", "type", "price", "reference_price", "ceiling_price",
    "floor_price", "open", "high", "low", "change", "change_pct", "volume", "value", "bids",
    "asks", "foreign_buy", "foreign_sell", "as_of", "stale", "age_seconds", "source",
    "last_volume", "seq",
}  # fmt: skip


@pytest.fixture
def market(db: Any) -> dict[str, Instrument]:
    """HOSE: FPT, VNM (VN30), E1VFVN30 (an ETF), CFPT2501 (a CW), VNINDEX; HNX: SHS, PVS (HNX30);
    UPCOM: ACV; an inactive HOSE stock."""
    made = {
        "FPT": InstrumentFactory(symbol="FPT", name="Công ty Cổ phần FPT"),
        "VNM": InstrumentFactory(symbol="VNM"),
        "E1VFVN30": InstrumentFactory(symbol="E1VFVN30", type=InstrumentType.ETF),
        "CFPT2501": InstrumentFactory(symbol="CFPT2501", type=InstrumentType.CW),
        "VNINDEX": InstrumentFactory(symbol="VNINDEX", type=InstrumentType.INDEX),
        "SHS": InstrumentFactory(symbol="SHS", exchange=Exchange.HNX),
        "PVS": InstrumentFactory(symbol="PVS", exchange=Exchange.HNX),
        "ACV": InstrumentFactory(symbol="ACV", exchange=Exchange.UPCOM),
        "OLD": InstrumentFactory(symbol="OLD", is_active=False),
    }
    vn30 = InstrumentGroup.objects.create(code="VN30")
    vn30.instruments.add(made["FPT"], made["VNM"], made["OLD"])
    InstrumentGroup.objects.create(code="HNX30").instruments.add(made["SHS"], made["PVS"])
    QuoteFactory(
        instrument=made["FPT"],
        reference=Decimal(104600),
        price=Decimal(105300),
        ceiling=Decimal(111900),
        floor=Decimal(97300),
        open=Decimal(104800),
        high=Decimal(105600),
        low=Decimal(104200),
        volume=2_154_300,
        bids=[["105200", 3400], ["105100", 1200], ["105000", 9000]],
        asks=[["105300", 500], ["105400", 2100], ["105500", 700]],
        foreign_buy=310_000,
        foreign_sell=145_200,
    )
    QuoteFactory(instrument=made["SHS"], reference=Decimal(18000), price=Decimal(18100))
    at = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    for seq, volume in ((1, 1000), (2, 300)):
        Tick.objects.create(
            instrument=made["FPT"], seq=seq, time=at, price=Decimal(105300), volume=volume,
            source="simulated",
        )  # fmt: skip
    return made


@pytest.mark.parametrize(
    ("name", "symbols"),
    [
        ("VN30", ["FPT", "VNM"]),
        ("vn30", ["FPT", "VNM"]),
        ("HNX30", ["PVS", "SHS"]),
        ("HOSE", ["E1VFVN30", "FPT", "VNM"]),
        ("HNX", ["PVS", "SHS"]),
        ("UPCOM", ["ACV"]),
    ],
)
def test_market_lists(market: dict[str, Instrument], name: str, symbols: list[str]) -> None:
    body = APIClient().get(URL, {"list": name}).json()

    assert body["list"] == name.upper()
    assert body["symbols"] == symbols
    assert body["count"] == len(symbols)
    # rows only for the symbols with a quote, in the board's order
    with_quote = {"FPT", "SHS"}
    assert [r["symbol"] for r in body["results"]] == [s for s in symbols if s in with_quote]


def test_a_row_has_every_column_of_the_exchange_boards(market: dict[str, Instrument]) -> None:
    (fpt,) = APIClient().get(URL, {"list": "VN30"}).json()["results"]

    assert set(fpt) == ROW_FIELDS
    assert (fpt["reference_price"], fpt["ceiling_price"], fpt["floor_price"]) == (
        "104600",
        "111900",
        "97300",
    )
    assert fpt["bids"] == [["105200", 3400], ["105100", 1200], ["105000", 9000]]
    assert fpt["asks"] == [["105300", 500], ["105400", 2100], ["105500", 700]]
    assert (fpt["price"], fpt["change"], fpt["change_pct"]) == ("105300", "700", "0.67")
    assert (fpt["last_volume"], fpt["seq"], fpt["volume"]) == (300, 2, 2_154_300)
    assert (fpt["high"], fpt["low"]) == ("105600", "104200")
    assert (fpt["foreign_buy"], fpt["foreign_sell"]) == (310_000, 145_200)


@pytest.mark.parametrize("name", ["", "VN31", "portfolio:", "portfolio:abc", "x" * 41, "HOSE,HNX"])
def test_an_unknown_list_is_400_with_the_error_body(
    market: dict[str, Instrument], name: str
) -> None:
    response = APIClient().get(URL, {"list": name})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_list"
    assert "VN30" in error["message"]
    assert error["fields"]["list"]


def test_a_missing_list_is_400(market: dict[str, Instrument]) -> None:
    response = APIClient().get(URL)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_list"


@override_settings(BOARD_MAX_SYMBOLS=2)
def test_more_symbols_than_the_limit_is_400(market: dict[str, Instrument]) -> None:
    response = APIClient().get(URL, {"list": "HOSE"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "board_too_large"
    assert "at most 2" in response.json()["error"]["message"]
    assert APIClient().get(URL, {"list": "VN30"}).status_code == 200


def test_the_watchlist_board(
    market: dict[str, Instrument], user: Any, auth_client: APIClient
) -> None:
    assert auth_client.get(URL, {"list": "watchlist"}).json() == {
        "list": "watchlist",
        "symbols": [],
        "count": 0,
        "limit": 600,
        "results": [],
    }
    for symbol in ("SHS", "FPT", "OLD"):
        WatchlistItem.objects.create(user=user, instrument=market[symbol])

    body = auth_client.get(URL, {"list": "WatchList"}).json()
    assert body["symbols"] == ["FPT", "SHS"]  # OLD is inactive
    assert [r["symbol"] for r in body["results"]] == ["FPT", "SHS"]


def test_a_portfolio_board_shows_its_open_positions(
    market: dict[str, Instrument], user: Any, auth_client: APIClient, other_client: APIClient
) -> None:
    portfolio = services.portfolio_create(owner=user, name="Main", track_cash=False)
    url = f"/api/portfolios/{portfolio.pk}/transactions/"
    for fields in (
        {"kind": "BUY", "symbol": "FPT", "quantity": "100", "price": "100000",
         "trade_date": "2026-02-02"},
        {"kind": "BUY", "symbol": "SHS", "quantity": "100", "price": "17000",
         "trade_date": "2026-02-02"},
        {"kind": "SELL", "symbol": "SHS", "quantity": "100", "price": "18000",
         "trade_date": "2026-02-09"},
    ):  # fmt: skip
        assert auth_client.post(url, fields, format="json").status_code == 201

    body = auth_client.get(URL, {"list": f"portfolio:{portfolio.pk}"}).json()
    assert body["list"] == f"portfolio:{portfolio.pk}"
    assert body["symbols"] == ["FPT"]  # SHS was sold out
    # another user's portfolio, or no such portfolio: 404 with the error body
    for client, pk in ((other_client, portfolio.pk), (auth_client, portfolio.pk + 1000)):
        response = client.get(URL, {"list": f"portfolio:{pk}"})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_an_empty_portfolio_is_an_empty_board(
    market: dict[str, Instrument], user: Any, auth_client: APIClient
) -> None:
    portfolio = services.portfolio_create(owner=user, name="Empty")
    body = auth_client.get(URL, {"list": f"portfolio:{portfolio.pk}"}).json()
    assert (body["symbols"], body["results"]) == ([], [])


@pytest.mark.parametrize("name", ["watchlist", "portfolio:1"])
def test_your_lists_need_a_login(market: dict[str, Instrument], name: str) -> None:
    response = APIClient().get(URL, {"list": name})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
