"""POST /api/portfolios/{id}/transactions/preview/: the write's own checks and ledger, nothing
stored; its figures equal what the real write then stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from portfolio import services
from portfolio.models import Portfolio, Transaction
from tests.portfolio.api_helpers import error_code, record, transactions_url

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 12)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr("portfolio.services.preparation.market_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def funded(auth_client: APIClient, portfolio: Portfolio) -> Portfolio:
    response = record(
        auth_client, portfolio, kind="DEPOSIT", amount=1_000_000_000, trade_date="2025-03-03"
    )
    assert response.status_code == 201
    return portfolio


@pytest.fixture
def holding(auth_client: APIClient, funded: Portfolio) -> Portfolio:
    """1,000 FPT bought Monday 3 March 2025 at 100,000 (settle Wednesday 5 March)."""
    response = record(
        auth_client,
        funded,
        kind="BUY",
        symbol="FPT",
        quantity=1000,
        price=100_000,
        trade_date="2025-03-03",
    )
    assert response.status_code == 201
    return funded


def preview(client: APIClient, portfolio: Portfolio, **fields: Any) -> Any:
    body = {k: v if isinstance(v, str | bool) or v is None else str(v) for k, v in fields.items()}
    return client.post(f"{transactions_url(portfolio)}preview/", body, format="json")


def count(portfolio: Portfolio) -> int:
    return Transaction.objects.filter(portfolio=portfolio).count()


def test_a_buy_preview_shows_the_figures_and_stores_nothing(
    auth_client: APIClient, funded: Portfolio
) -> None:
    before = count(funded)
    response = preview(
        auth_client,
        funded,
        kind="BUY",
        symbol="fpt",
        quantity="1000",
        price="100000",
        trade_date="2025-03-04",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "kind": "BUY",
        "symbol": "FPT",
        "quantity": "1000",
        "price": "100000",
        "amount": None,
        "fee": "150000",  # 0.15 % of 100,000,000
        "tax": "0",
        "fee_is_derived": True,
        "tax_is_derived": True,
        "trade_date": "2025-03-04",
        "settle_date": "2025-03-06",
        "gross": "100000000",
        "net_cash_effect": "-100150000",
        "cash_after": "899850000",
        "quantity_after": "1000",
        "average_cost_after": "100150",
        "realized": None,
        "odd_lot": False,
        "accepted": True,
        "problems": [],
    }
    assert count(funded) == before


def test_a_sell_preview_matches_what_the_write_then_stores(
    auth_client: APIClient, holding: Portfolio
) -> None:
    sell = {
        "kind": "SELL",
        "symbol": "FPT",
        "quantity": 400,
        "price": 110_000,
        "trade_date": "2025-03-07",
    }
    shown = preview(auth_client, holding, **sell).json()
    # gross 44,000,000; fee 66,000; tax 44,000; cost 400 x 100,150 = 40,060,000
    assert (shown["gross"], shown["fee"], shown["tax"]) == ("44000000", "66000", "44000")
    assert shown["net_cash_effect"] == "43890000"
    assert shown["realized"] == "3830000"
    assert (shown["quantity_after"], shown["average_cost_after"]) == ("600", "100150")
    assert shown["accepted"] is True

    written = record(auth_client, holding, **sell).json()
    for name in ("fee", "tax", "settle_date", "trade_date", "price", "quantity"):
        assert shown[name] == written[name], name
    assert written["realized"]["realized_pnl"] == shown["realized"]


def test_unsettled_shares_are_a_problem_naming_the_date_they_settle(
    auth_client: APIClient, holding: Portfolio
) -> None:
    response = preview(
        auth_client,
        holding,
        kind="SELL",
        symbol="FPT",
        quantity=1000,
        price=101_000,
        trade_date="2025-03-04",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] is False
    [problem] = body["problems"]
    assert problem["code"] == "unsettled_shares"
    assert problem["severity"] == "error"
    assert problem["transaction_id"] is None
    assert problem["details"]["settles_on"] == "2025-03-05"
    assert problem["details"]["available"] == "0"
    # the figures are still shown, as if settlement were not enforced
    assert body["quantity_after"] == "0"
    # and the real write refuses it with the same code
    written = record(
        auth_client,
        holding,
        kind="SELL",
        symbol="FPT",
        quantity=1000,
        price=101_000,
        trade_date="2025-03-04",
    )
    assert written.status_code == 422
    assert error_code(written) == "unsettled_shares"


def test_insufficient_cash_and_oversell_are_problems(
    auth_client: APIClient, holding: Portfolio
) -> None:
    too_big = preview(
        auth_client,
        holding,
        kind="BUY",
        symbol="VNM",
        quantity=20_000,
        price=60_000,
        trade_date="2025-03-07",
    ).json()
    assert [p["code"] for p in too_big["problems"]] == ["insufficient_cash"]
    assert too_big["accepted"] is False
    assert too_big["problems"][0]["details"]["requested"] == "1201800000"
    assert too_big["quantity_after"] == "20000"

    oversell = preview(
        auth_client,
        holding,
        kind="SELL",
        symbol="FPT",
        quantity=5000,
        price=100_000,
        trade_date="2025-03-07",
    ).json()
    assert [p["code"] for p in oversell["problems"]] == ["oversell"]
    assert oversell["quantity_after"] is None
    assert oversell["realized"] is None


def test_a_backdated_change_that_breaks_a_later_sell_names_it(
    auth_client: APIClient, holding: Portfolio
) -> None:
    sold = record(
        auth_client,
        holding,
        kind="SELL",
        symbol="FPT",
        quantity=1000,
        price=100_000,
        trade_date="2025-03-10",
    ).json()
    bought = Transaction.objects.get(portfolio=holding, kind="BUY")
    body = preview(auth_client, holding, transaction_id=bought.pk, kind="BUY", quantity=500).json()
    [problem] = body["problems"]
    assert (problem["code"], problem["transaction_id"]) == ("oversell", sold["id"])
    assert body["quantity_after"] == "500"  # the edited buy itself, at its date
    assert Transaction.objects.get(pk=bought.pk).quantity == 1000


def test_an_odd_lot_is_labelled(auth_client: APIClient, funded: Portfolio) -> None:
    body = preview(
        auth_client,
        funded,
        kind="BUY",
        symbol="FPT",
        quantity=50,
        price=100_000,
        trade_date="2025-03-04",
    ).json()
    assert body["odd_lot"] is True
    assert body["accepted"] is True


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"price": 108_650}, 400, "price_off_tick_grid"),
        ({"symbol": "NOPE"}, 400, "unknown_symbol"),
        ({"trade_date": "2025-03-08"}, 422, "non_trading_day"),
        ({"trade_date": "2025-03-13"}, 422, "future_date"),
        ({"quantity": "abc"}, 400, "invalid"),
        ({"colour": "red"}, 400, "invalid"),
    ],
)
def test_preview_refuses_bad_input_like_the_write(
    auth_client: APIClient, funded: Portfolio, fields: dict[str, Any], status: int, code: str
) -> None:
    body = {
        "kind": "BUY",
        "symbol": "FPT",
        "quantity": 100,
        "price": 100_000,
        "trade_date": "2025-03-04",
        **fields,
    }
    before = count(funded)
    shown = preview(auth_client, funded, **body)
    written = record(auth_client, funded, **body)
    assert (shown.status_code, error_code(shown)) == (status, code)
    assert (written.status_code, error_code(written)) == (status, code)
    assert count(funded) == before


def test_preview_is_owner_only(
    api_client: APIClient, other_client: APIClient, funded: Portfolio
) -> None:
    fields = {
        "kind": "BUY",
        "symbol": "FPT",
        "quantity": 100,
        "price": 100_000,
        "trade_date": "2025-03-04",
    }
    assert preview(other_client, funded, **fields).status_code == 404
    assert preview(api_client, funded, **fields).status_code == 401


def test_preview_of_an_unknown_transaction_is_a_field_error(
    auth_client: APIClient, funded: Portfolio, other_user: Any
) -> None:
    response = preview(auth_client, funded, transaction_id=999_999, kind="BUY")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "transaction_id": ["No such transaction in this portfolio."]
    }
    # another portfolio's transaction is just as unknown here
    theirs = services.portfolio_create(owner=other_user, name="Theirs")
    services.transaction_record(
        portfolio=theirs, kind="DEPOSIT", amount=Decimal(1000), trade_date=date(2025, 3, 3)
    )
    row = Transaction.objects.get(portfolio=theirs)
    response = preview(auth_client, funded, transaction_id=row.pk, kind="DEPOSIT")
    assert response.status_code == 400
