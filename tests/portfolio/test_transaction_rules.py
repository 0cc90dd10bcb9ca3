"""Transaction writes through the API: field rules, calendar rules and the re-folded ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from market.models import Instrument
from portfolio.models import Portfolio, Transaction
from portfolio.services import market_today
from tests.portfolio.api_helpers import error_code, record, transactions_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(auth_client: APIClient, portfolio: Portfolio) -> Portfolio:
    response = record(
        auth_client, portfolio, kind="DEPOSIT", amount=1_000_000_000, trade_date="2025-03-03"
    )
    assert response.status_code == 201
    return portfolio


def buy(client: APIClient, portfolio: Portfolio, **overrides: Any) -> Any:
    fields = {
        "kind": "BUY",
        "symbol": "FPT",
        "quantity": 1000,
        "price": 100_000,
        "trade_date": "2025-03-04",
    }
    return record(client, portfolio, **{**fields, **overrides})


def test_future_trade_date_is_refused(auth_client: APIClient, funded: Portfolio) -> None:
    tomorrow = market_today() + timedelta(days=1)

    response = buy(auth_client, funded, trade_date=tomorrow.isoformat())

    assert response.status_code == 422
    assert error_code(response) == "future_date"
    assert funded.transactions.count() == 1


@pytest.mark.parametrize(
    ("day", "why"),
    [("2025-03-08", "a Saturday"), ("2025-04-30", "Reunification Day"), ("2025-01-28", "Tet")],
)
def test_trades_on_non_trading_days_are_refused(
    auth_client: APIClient, funded: Portfolio, day: str, why: str
) -> None:
    response = buy(auth_client, funded, trade_date=day)

    assert response.status_code == 422, why
    assert error_code(response) == "non_trading_day"


def test_cash_kinds_may_fall_on_a_weekend(auth_client: APIClient, funded: Portfolio) -> None:
    response = record(auth_client, funded, kind="INTEREST", amount=10_000, trade_date="2025-03-08")

    assert response.status_code == 201
    assert response.json()["settle_date"] == "2025-03-08"


def test_unknown_inactive_and_index_symbols_are_refused(
    auth_client: APIClient, funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    Instrument.objects.filter(symbol="HPG").update(is_active=False)

    unknown = buy(auth_client, funded, symbol="ZZZ")
    inactive = buy(auth_client, funded, symbol="HPG")
    index = buy(auth_client, funded, symbol="VNINDEX")

    assert (unknown.status_code, error_code(unknown)) == (400, "unknown_symbol")
    assert unknown.json()["error"]["fields"]["symbol"]
    assert (inactive.status_code, error_code(inactive)) == (422, "inactive_symbol")
    assert (index.status_code, error_code(index)) == (422, "not_tradable")
    assert funded.transactions.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": "100000.5"}, "price"),
        ({"quantity": "10.5"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"price": "-5"}, "price"),
        ({"amount": "1000"}, "amount"),
        ({"symbol": ""}, "symbol"),
        ({"tax": "5"}, "tax"),
    ],
)
def test_malformed_fields_are_400_naming_the_field(
    auth_client: APIClient, funded: Portfolio, fields: dict[str, str], field: str
) -> None:
    response = buy(auth_client, funded, **fields)

    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]


def test_deposit_with_a_price_is_refused(auth_client: APIClient, funded: Portfolio) -> None:
    response = record(
        auth_client, funded, kind="DEPOSIT", amount=5, price=10, trade_date="2025-03-03"
    )

    assert response.status_code == 400
    assert "price" in response.json()["error"]["fields"]


def test_oversell_is_refused_naming_the_transaction(
    auth_client: APIClient, funded: Portfolio
) -> None:
    buy(auth_client, funded)

    response = record(
        auth_client, funded, kind="SELL", symbol="FPT", quantity=1200, price=110_000,
        trade_date="2025-03-10",
    )  # fmt: skip

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "oversell"
    assert "New transaction (2025-03-10 SELL FPT)" in error["message"]
    assert error["fields"]["available"] == "1000"
    assert error["fields"]["requested"] == "1200"
    assert funded.transactions.count() == 2


def test_selling_before_t_plus_2_is_refused(auth_client: APIClient, funded: Portfolio) -> None:
    buy(auth_client, funded, trade_date="2025-03-04")  # settles Thursday 6 March

    too_early = record(
        auth_client, funded, kind="SELL", symbol="FPT", quantity=100, price=110_000,
        trade_date="2025-03-05",
    )  # fmt: skip
    on_time = record(
        auth_client, funded, kind="SELL", symbol="FPT", quantity=100, price=110_000,
        trade_date="2025-03-06",
    )  # fmt: skip

    assert (too_early.status_code, error_code(too_early)) == (422, "unsettled_shares")
    assert on_time.status_code == 201


def test_buying_beyond_cash_is_refused(auth_client: APIClient, portfolio: Portfolio) -> None:
    record(auth_client, portfolio, kind="DEPOSIT", amount=50_000_000, trade_date="2025-03-03")

    response = buy(auth_client, portfolio)  # needs 100,150,000

    assert (response.status_code, error_code(response)) == (422, "insufficient_cash")


def test_backdated_delete_that_breaks_a_later_sell_is_refused(
    auth_client: APIClient, funded: Portfolio, published: list[int]
) -> None:
    bought = buy(auth_client, funded).json()
    sold = record(
        auth_client, funded, kind="SELL", symbol="FPT", quantity=1000, price=110_000,
        trade_date="2025-03-10",
    ).json()  # fmt: skip
    before = list(Transaction.objects.filter(portfolio=funded).values_list("id", "updated_at"))

    response = auth_client.delete(f"{transactions_url(funded)}{bought['id']}/")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "oversell"
    assert error["fields"]["transaction_id"] == sold["id"]
    assert f"Transaction {sold['id']}" in error["message"]
    after = list(Transaction.objects.filter(portfolio=funded).values_list("id", "updated_at"))
    assert after == before


def test_backdated_withdrawal_that_starves_a_later_buy_is_refused(
    auth_client: APIClient, funded: Portfolio
) -> None:
    bought = buy(auth_client, funded).json()  # 100,150,000 of the 1,000,000,000

    response = record(
        auth_client, funded, kind="WITHDRAWAL", amount=950_000_000, trade_date="2025-03-03"
    )

    assert response.status_code == 422
    assert error_code(response) == "insufficient_cash"
    assert response.json()["error"]["fields"]["transaction_id"] == bought["id"]
    assert funded.transactions.count() == 2


def test_edit_is_checked_against_later_transactions(
    auth_client: APIClient, funded: Portfolio
) -> None:
    bought = buy(auth_client, funded).json()
    record(
        auth_client, funded, kind="SELL", symbol="FPT", quantity=800, price=110_000,
        trade_date="2025-03-10",
    )  # fmt: skip
    url = f"{transactions_url(funded)}{bought['id']}/"

    shrink = auth_client.patch(url, {"quantity": "500"}, format="json")
    reprice = auth_client.patch(url, {"price": "90000"}, format="json")

    assert (shrink.status_code, error_code(shrink)) == (422, "oversell")
    assert reprice.status_code == 200, reprice.json()
    assert reprice.json()["quantity"] == "1000"
    assert reprice.json()["fee"] == "135000"  # derived again: 0.0015 x 90,000,000


def test_explicit_fee_is_kept_and_null_asks_for_derivation(
    auth_client: APIClient, funded: Portfolio
) -> None:
    created = buy(auth_client, funded, fee="0").json()
    url = f"{transactions_url(funded)}{created['id']}/"

    repriced = auth_client.patch(url, {"price": "90000"}, format="json").json()
    derived = auth_client.patch(url, {"fee": None}, format="json").json()

    assert (created["fee"], created["fee_is_derived"]) == ("0", False)
    assert repriced["fee"] == "0"
    assert (derived["fee"], derived["fee_is_derived"]) == ("135000", True)


def test_put_replaces_the_whole_transaction(auth_client: APIClient, funded: Portfolio) -> None:
    created = buy(auth_client, funded, note="first").json()

    response = auth_client.put(
        f"{transactions_url(funded)}{created['id']}/",
        {"kind": "DEPOSIT", "amount": "5000000", "trade_date": "2025-03-05"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["kind"], body["symbol"], body["quantity"], body["price"]) == (
        "DEPOSIT",
        None,
        "0",
        None,
    )
    assert (body["amount"], body["fee"], body["note"]) == ("5000000", "0", "")


def test_external_id_is_unique_per_portfolio(auth_client: APIClient, funded: Portfolio) -> None:
    first = buy(auth_client, funded, external_id="broker-1")
    second = buy(auth_client, funded, external_id="broker-1", trade_date="2025-03-05")

    assert first.status_code == 201
    assert (second.status_code, error_code(second)) == (409, "duplicate_external_id")


def test_commit_invalidates_snapshots_and_publishes_the_change(
    auth_client: APIClient,
    funded: Portfolio,
    published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from portfolio import snapshot_cache

    version = snapshot_cache.portfolio_version(funded.pk)

    with django_capture_on_commit_callbacks(execute=True):
        buy(auth_client, funded)

    assert published == [funded.pk]
    assert snapshot_cache.portfolio_version(funded.pk) > version


def test_refused_write_publishes_nothing(
    auth_client: APIClient,
    funded: Portfolio,
    published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = buy(auth_client, funded, quantity=100_000)

    assert response.status_code == 422
    assert callbacks == []
    assert published == []


def test_switching_on_cash_tracking_rechecks_the_ledger(
    auth_client: APIClient, user: Any, instruments: dict[str, Instrument]
) -> None:
    created = auth_client.post(
        "/api/portfolios/", {"name": "No cash", "track_cash": False}, format="json"
    ).json()
    buy(auth_client, created["id"])  # no deposit: fine without cash tracking

    refused = auth_client.patch(
        f"/api/portfolios/{created['id']}/", {"track_cash": True}, format="json"
    )
    renamed = auth_client.patch(
        f"/api/portfolios/{created['id']}/", {"name": "Renamed"}, format="json"
    )

    assert (refused.status_code, error_code(refused)) == (422, "insufficient_cash")
    assert Portfolio.objects.get(pk=created["id"]).track_cash is False
    assert renamed.status_code == 200


def test_portfolio_names_are_unique_per_owner(
    auth_client: APIClient, other_client: APIClient, portfolio: Portfolio
) -> None:
    mine = auth_client.post("/api/portfolios/", {"name": "Main"}, format="json")
    theirs = other_client.post("/api/portfolios/", {"name": "Main"}, format="json")

    assert (mine.status_code, error_code(mine)) == (409, "duplicate_name")
    assert theirs.status_code == 201


def test_transactions_filter_order_and_paginate(auth_client: APIClient, funded: Portfolio) -> None:
    buy(auth_client, funded, trade_date="2025-03-04")
    buy(auth_client, funded, symbol="VNM", quantity=100, price=60_000, trade_date="2025-03-05")
    buy(auth_client, funded, symbol="VNM", quantity=100, price=61_000, trade_date="2025-03-06")
    url = transactions_url(funded)

    vnm = auth_client.get(f"{url}?symbol=vnm").json()
    buys_from = auth_client.get(f"{url}?kind=BUY&date_from=2025-03-05").json()
    oldest_first = auth_client.get(f"{url}?ordering=trade_date&page_size=2").json()
    bad_kind = auth_client.get(f"{url}?kind=GIFT")

    assert [t["price"] for t in vnm["results"]] == ["61000", "60000"]  # newest first
    assert buys_from["count"] == 2
    assert oldest_first["count"] == 4
    assert [t["kind"] for t in oldest_first["results"]] == ["DEPOSIT", "BUY"]
    assert oldest_first["next"] is not None
    assert bad_kind.status_code == 400


def test_bonus_shares_can_be_sold_the_day_they_are_credited(
    auth_client: APIClient, funded: Portfolio
) -> None:
    buy(auth_client, funded, quantity=100)
    bonus = record(
        auth_client, funded, kind="STOCK_DIVIDEND", symbol="FPT", quantity=20,
        trade_date="2025-06-20",
    )  # fmt: skip

    sold = record(
        auth_client, funded, kind="SELL", symbol="FPT", quantity=120, price=110_000,
        trade_date="2025-06-20",
    )  # fmt: skip

    assert bonus.json()["settle_date"] == "2025-06-20"
    assert sold.status_code == 201, sold.json()
