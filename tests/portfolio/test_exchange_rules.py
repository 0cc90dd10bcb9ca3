"""Exchange rules at entry: the tick grid, today's floor-ceiling band and odd lots, through the API
(create, update), the CSV import and the service every writer shares."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from market.models import Instrument, InstrumentType, Quote
from portfolio.models import Portfolio, Transaction
from tests.portfolio.api_helpers import error_code, record, transactions_url
from tests.portfolio.factories import InstrumentFactory, QuoteFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 5)  # a Wednesday
YESTERDAY = date(2025, 3, 4)
# 10:00 in Vietnam on TODAY / YESTERDAY
TODAY_SESSION = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)
YESTERDAY_SESSION = datetime(2025, 3, 4, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr("portfolio.services.preparation.market_today", lambda: TODAY)
    monkeypatch.setattr("portfolio.services.imports.market_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def funded(auth_client: APIClient, portfolio: Portfolio) -> Portfolio:
    response = record(
        auth_client, portfolio, kind="DEPOSIT", amount=10_000_000_000, trade_date="2025-03-03"
    )
    assert response.status_code == 201
    return portfolio


def buy(client: APIClient, portfolio: Portfolio, **overrides: Any) -> Any:
    fields = {
        "kind": "BUY",
        "symbol": "FPT",
        "quantity": 100,
        "price": 100_000,
        "trade_date": YESTERDAY.isoformat(),
    }
    return record(client, portfolio, **{**fields, **overrides})


def stored(portfolio: Portfolio) -> int:
    return Transaction.objects.filter(portfolio=portfolio).exclude(kind="DEPOSIT").count()


def band_quote(symbol: str, *, reference: int, as_of: datetime = TODAY_SESSION) -> Quote:
    instrument = Instrument.objects.get(symbol=symbol)
    Quote.objects.filter(instrument=instrument).delete()
    return QuoteFactory(
        instrument=instrument,
        reference=Decimal(reference),
        price=Decimal(reference),
        as_of=as_of,
    )


# --- the tick grid ------------------------------------------------------------------------------


def test_buy_fpt_at_108650_on_hose_is_refused_naming_the_nearest_prices(
    auth_client: APIClient, funded: Portfolio
) -> None:
    response = buy(auth_client, funded, price=108_650, trade_date=TODAY.isoformat())

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "price_off_tick_grid"
    assert error["fields"]["nearest_prices"] == ["108600", "108700"]
    assert error["fields"]["tick_size"] == "100"
    assert "108,600 or 108,700" in error["fields"]["price"][0]
    assert stored(funded) == 0


@pytest.mark.parametrize(
    ("symbol", "price", "accepted"),
    [
        ("FPT", 9_990, True),  # HOSE below 10,000: steps of 10
        ("FPT", 9_995, False),
        ("FPT", 10_050, True),  # HOSE 10,000-49,950: steps of 50
        ("FPT", 10_020, False),
        ("FPT", 49_950, True),
        ("FPT", 50_050, False),  # HOSE from 50,000: steps of 100
        ("FPT", 50_100, True),
        ("SHS", 12_300, True),  # HNX: 100 at every level
        ("SHS", 12_350, False),
        ("SHS", 9_950, False),
        ("UPC", 25_400, True),  # UPCOM: 100
        ("UPC", 25_450, False),
        ("E1VFVN30", 25_410, True),  # HOSE ETFs: 10 at every level
        ("E1VFVN30", 25_415, False),
    ],
)
def test_prices_must_lie_on_the_exchange_grid(
    auth_client: APIClient, funded: Portfolio, symbol: str, price: int, accepted: bool
) -> None:
    InstrumentFactory(symbol="UPC", exchange="UPCOM")
    InstrumentFactory(symbol="E1VFVN30", type=InstrumentType.ETF)

    response = buy(auth_client, funded, symbol=symbol, price=price)

    if accepted:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400
        assert error_code(response) == "price_off_tick_grid"
        assert stored(funded) == 0


def test_a_sell_off_the_grid_is_refused_too(auth_client: APIClient, funded: Portfolio) -> None:
    assert buy(auth_client, funded, trade_date="2025-03-03").status_code == 201
    response = record(
        auth_client,
        funded,
        kind="SELL",
        symbol="FPT",
        quantity=100,
        price=101_010,
        trade_date=YESTERDAY.isoformat(),
    )
    assert response.status_code == 400
    assert error_code(response) == "price_off_tick_grid"


def test_an_edit_onto_an_off_grid_price_is_refused_but_an_old_row_keeps_its_price(
    auth_client: APIClient, funded: Portfolio
) -> None:
    created = buy(auth_client, funded).json()
    url = f"{transactions_url(funded)}{created['id']}/"
    response = auth_client.patch(url, {"price": "100050"}, format="json")
    assert response.status_code == 400
    assert error_code(response) == "price_off_tick_grid"
    assert Transaction.objects.get(pk=created["id"]).price == Decimal(100_000)

    # a row stored before the rule (off the grid) can still have its note changed
    Transaction.objects.filter(pk=created["id"]).update(price=Decimal(100_050))
    response = auth_client.patch(url, {"note": "broker average"}, format="json")
    assert response.status_code == 200, response.json()


# --- today's band -------------------------------------------------------------------------------


def test_a_trade_dated_today_outside_the_band_is_refused_naming_it(
    auth_client: APIClient, funded: Portfolio
) -> None:
    band_quote("FPT", reference=100_000)  # floor 93,000, ceiling 107,000

    too_high = buy(auth_client, funded, price=107_100, trade_date=TODAY.isoformat())
    too_low = buy(auth_client, funded, price=92_900, trade_date=TODAY.isoformat())

    for response in (too_high, too_low):
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "price_outside_band"
        assert (error["fields"]["floor"], error["fields"]["ceiling"]) == ("93000", "107000")
        assert "floor 93,000, ceiling 107,000" in error["fields"]["price"][0]
    assert stored(funded) == 0
    at_ceiling = buy(auth_client, funded, price=107_000, trade_date=TODAY.isoformat())
    at_floor = buy(auth_client, funded, price=93_000, trade_date=TODAY.isoformat())
    assert (at_ceiling.status_code, at_floor.status_code) == (201, 201)


def test_the_band_is_only_checked_for_trades_dated_today(
    auth_client: APIClient, funded: Portfolio
) -> None:
    band_quote("FPT", reference=100_000)
    response = buy(auth_client, funded, price=120_000, trade_date=YESTERDAY.isoformat())
    assert response.status_code == 201


@pytest.mark.parametrize("quote_as_of", [None, YESTERDAY_SESSION])
def test_no_quote_of_todays_session_means_no_band_check(
    auth_client: APIClient, funded: Portfolio, quote_as_of: datetime | None
) -> None:
    if quote_as_of is not None:
        band_quote("FPT", reference=100_000, as_of=quote_as_of)
    response = buy(auth_client, funded, price=120_000, trade_date=TODAY.isoformat())
    assert response.status_code == 201


def test_the_band_is_derived_from_the_reference_when_the_quote_has_none(
    auth_client: APIClient, funded: Portfolio
) -> None:
    quote = band_quote("SHS", reference=20_000)  # HNX +/-10 %: 18,000 - 22,000
    Quote.objects.filter(pk=quote.pk).update(ceiling=None, floor=None)

    refused = buy(auth_client, funded, symbol="SHS", price=22_100, trade_date=TODAY.isoformat())
    accepted = buy(auth_client, funded, symbol="SHS", price=22_000, trade_date=TODAY.isoformat())

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["ceiling"] == "22000"
    assert accepted.status_code == 201


# --- odd lots -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("quantity", "odd"), [(1, True), (99, True), (100, False), (1000, False)])
def test_odd_lots_are_allowed_and_labelled(
    auth_client: APIClient, funded: Portfolio, quantity: int, odd: bool
) -> None:
    response = buy(auth_client, funded, quantity=quantity)
    assert response.status_code == 201
    assert response.json()["odd_lot"] is odd
    listed = auth_client.get(transactions_url(funded)).json()["results"]
    assert [row["odd_lot"] for row in listed if row["kind"] == "BUY"] == [odd]
    assert [row["odd_lot"] for row in listed if row["kind"] == "DEPOSIT"] == [False]


# --- the CSV import -----------------------------------------------------------------------------


def test_the_import_applies_the_same_rules_row_by_row(
    auth_client: APIClient, funded: Portfolio
) -> None:
    band_quote("FPT", reference=100_000)
    content = (
        "trade_date,kind,symbol,quantity,price,amount,fee,tax,note,external_id\n"
        f"{YESTERDAY},BUY,FPT,100,100000,,,,,a\n"
        f"{YESTERDAY},BUY,FPT,100,108650,,,,,b\n"
        f"{TODAY},BUY,FPT,50,110000,,,,,c\n"
    ).encode()
    response = auth_client.post(
        f"/api/portfolios/{funded.pk}/import/",
        {"file": SimpleUploadedFile("t.csv", content)},
        format="multipart",
    )
    assert response.status_code == 422
    reported = {e["row"]: e["code"] for e in response.json()["error"]["fields"]["errors"]}
    assert reported == {3: "price_off_tick_grid", 4: "price_outside_band"}
    assert stored(funded) == 0
