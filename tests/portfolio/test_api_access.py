"""Owner-only access (another user's objects are 404 with no data) and read-only fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from market.models import Instrument
from portfolio import services
from portfolio.models import Alert, Portfolio, Transaction, WatchlistItem
from tests.portfolio.api_helpers import transactions_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(other_user: Any, instruments: dict[str, Instrument]) -> dict[str, Any]:
    """Another user's portfolio with a transaction, and their alert."""
    portfolio = services.portfolio_create(owner=other_user, name="Secret")
    deposit = services.transaction_record(
        portfolio=portfolio, kind="DEPOSIT", amount=Decimal(7_777_777), trade_date=date(2025, 3, 3)
    )
    alert = services.alert_create(
        user=other_user, symbol="FPT", condition="above", threshold=Decimal(1)
    )
    return {"portfolio": portfolio, "transaction": deposit, "alert": alert}


def _assert_not_found_without_data(response: Any) -> None:
    assert response.status_code == 404, (response.status_code, response.content)
    assert response.json() == {
        "error": {"code": "not_found", "message": response.json()["error"]["message"]}
    }
    assert b"7777777" not in response.content
    assert b"Secret" not in response.content


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("put", ""),
        ("delete", ""),
        ("get", "holdings/"),
        ("get", "summary/"),
        ("get", "performance/?range=ALL"),
        ("get", "allocation/"),
        ("get", "closed-positions/"),
        ("get", "export/?format=csv"),
        ("get", "export/?format=json"),
        ("post", "import/"),
        ("get", "transactions/"),
        ("post", "transactions/"),
    ],
)
def test_another_users_portfolio_is_404(
    auth_client: APIClient, victim: dict[str, Any], method: str, suffix: str
) -> None:
    url = f"/api/portfolios/{victim['portfolio'].pk}/{suffix}"
    body = {"name": "Mine now", "kind": "DEPOSIT", "amount": "1", "trade_date": "2025-03-03"}

    response = getattr(auth_client, method)(url, body, format="json")

    _assert_not_found_without_data(response)
    assert Portfolio.objects.get(pk=victim["portfolio"].pk).name == "Secret"
    assert victim["portfolio"].transactions.count() == 1


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_users_transaction_is_404_even_through_my_portfolio(
    auth_client: APIClient, portfolio: Portfolio, victim: dict[str, Any], method: str
) -> None:
    theirs = victim["transaction"].pk
    body = {"kind": "DEPOSIT", "amount": "1", "trade_date": "2025-03-03"}

    direct = getattr(auth_client, method)(
        f"{transactions_url(victim['portfolio'])}{theirs}/", body, format="json"
    )
    smuggled = getattr(auth_client, method)(
        f"{transactions_url(portfolio)}{theirs}/", body, format="json"
    )

    _assert_not_found_without_data(direct)
    _assert_not_found_without_data(smuggled)
    assert Transaction.objects.get(pk=theirs).amount == 7_777_777


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_users_alert_is_404(
    auth_client: APIClient, victim: dict[str, Any], method: str
) -> None:
    body = {"symbol": "FPT", "condition": "below", "threshold": "5"}

    response = getattr(auth_client, method)(
        f"/api/alerts/{victim['alert'].pk}/", body, format="json"
    )

    assert response.status_code == 404
    assert Alert.objects.get(pk=victim["alert"].pk).condition == "above"


def test_lists_show_only_my_objects(
    auth_client: APIClient, portfolio: Portfolio, victim: dict[str, Any]
) -> None:
    portfolios = auth_client.get("/api/portfolios/").json()
    alerts = auth_client.get("/api/alerts/").json()

    assert [p["name"] for p in portfolios["results"]] == ["Main"]
    assert alerts["count"] == 0


def test_anonymous_requests_are_401(api_client: APIClient, portfolio: Portfolio) -> None:
    for url in ("/api/portfolios/", f"/api/portfolios/{portfolio.pk}/summary/", "/api/alerts/"):
        assert api_client.get(url).status_code == 401


@pytest.mark.parametrize(
    "field",
    [
        {"owner": "someone"},
        {"id": 99},
        {"base_currency": "USD"},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"colour": "red"},
    ],
)
def test_portfolio_owner_and_computed_fields_are_refused(
    auth_client: APIClient, portfolio: Portfolio, field: dict[str, Any]
) -> None:
    created = auth_client.post("/api/portfolios/", {"name": "New", **field}, format="json")
    patched = auth_client.patch(f"/api/portfolios/{portfolio.pk}/", field, format="json")

    assert created.status_code == 400
    assert list(created.json()["error"]["fields"]) == list(field)
    assert patched.status_code == 400
    assert Portfolio.objects.filter(name="New").count() == 0


@pytest.mark.parametrize(
    "field",
    [
        {"settle_date": "2025-03-03"},
        {"fee_is_derived": False},
        {"portfolio": 1},
        {"id": 5},
        {"created_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_transaction_computed_fields_are_refused(
    auth_client: APIClient, portfolio: Portfolio, field: dict[str, Any]
) -> None:
    body = {"kind": "DEPOSIT", "amount": "1000", "trade_date": "2025-03-03", **field}

    response = auth_client.post(transactions_url(portfolio), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(field)
    assert portfolio.transactions.count() == 0


def test_alert_trigger_fields_are_read_only(auth_client: APIClient, portfolio: Portfolio) -> None:
    created = auth_client.post(
        "/api/alerts/",
        {"symbol": "FPT", "condition": "above", "threshold": "130000"},
        format="json",
    )
    url = f"/api/alerts/{created.json()['id']}/"

    forged = auth_client.patch(url, {"triggered_at": "2025-01-01T00:00:00Z"}, format="json")

    assert created.status_code == 201
    assert created.json()["threshold"] == "130000"
    assert forged.status_code == 400


def test_alert_crud_and_rearming(auth_client: APIClient, portfolio: Portfolio) -> None:
    created = auth_client.post(
        "/api/alerts/",
        {"symbol": "fpt", "condition": "above", "threshold": "130000"},
        format="json",
    ).json()
    Alert.objects.filter(pk=created["id"]).update(
        triggered_at="2026-03-02T03:00:00Z", triggered_price=130500
    )
    url = f"/api/alerts/{created['id']}/"

    rearmed = auth_client.patch(url, {"threshold": "140000"}, format="json").json()
    bad = auth_client.post(
        "/api/alerts/", {"symbol": "FPT", "condition": "change_pct_above", "threshold": "150"},
        format="json",
    )  # fmt: skip
    unknown = auth_client.post(
        "/api/alerts/", {"symbol": "NOPE", "condition": "above", "threshold": "1"}, format="json"
    )
    deleted = auth_client.delete(url)

    assert created["symbol"] == "FPT"
    assert (rearmed["threshold"], rearmed["triggered_at"], rearmed["triggered_price"]) == (
        "140000",
        None,
        None,
    )
    assert bad.status_code == 400
    assert unknown.status_code == 400
    assert deleted.status_code == 204
    assert not Alert.objects.filter(pk=created["id"]).exists()


def test_watchlist_add_list_and_remove(auth_client: APIClient, other_client: APIClient,
                                       instruments: dict[str, Instrument]) -> None:  # fmt: skip
    from tests.portfolio.factories import quote

    quote("FPT", price=125_000, reference=124_000)

    added = auth_client.post("/api/watchlist/", {"symbol": "fpt"}, format="json")
    again = auth_client.post("/api/watchlist/", {"symbol": "FPT"}, format="json")
    auth_client.post("/api/watchlist/", {"symbol": "VNM"}, format="json")
    listed = auth_client.get("/api/watchlist/").json()
    theirs = other_client.get("/api/watchlist/").json()
    removed = auth_client.delete("/api/watchlist/FPT/")
    missing = auth_client.delete("/api/watchlist/FPT/")

    assert (added.status_code, again.status_code) == (201, 200)
    assert [i["symbol"] for i in listed["results"]] == ["FPT", "VNM"]
    assert listed["results"][0]["quote"]["price"] == "125000"
    assert listed["results"][1]["quote"] is None
    assert theirs["count"] == 0
    assert removed.status_code == 204
    assert missing.status_code == 404
    assert WatchlistItem.objects.count() == 1
