"""The entitlements API: owner-only (404 for others), 400 on bad input, apply idempotent,
exercise bounded by the entitled rights, the dividend calendar; and the performance endpoint
counting a pending dividend as a receivable (PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from market.models import CorporateEvent, Instrument
from portfolio import selectors, services
from portfolio.models import Portfolio, Transaction, WatchlistItem
from tests.conftest import client_for
from tests.portfolio.api_helpers import error_code
from tests.portfolio.factories import daily_bars

pytestmark = pytest.mark.django_db

EX = date(2026, 6, 15)
PAY = date(2026, 7, 10)
TODAY = date(2026, 7, 20)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr("portfolio.apis.entitlements.market_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def held(portfolio: Portfolio, instruments: dict[str, Instrument]) -> Portfolio:
    services.transaction_record(
        portfolio=portfolio, kind="DEPOSIT", amount=Decimal(50_000_000), trade_date=date(2026, 5, 4)
    )
    services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        symbol="FPT",
        quantity=1_000,
        price=Decimal(30_000),
        fee=Decimal(0),
        trade_date=date(2026, 6, 1),
    )
    return portfolio


def cash_event(instrument: Instrument, **terms: Any) -> CorporateEvent:
    fields: dict[str, Any] = {
        "kind": "cash_dividend",
        "ex_date": EX,
        "payment_date": PAY,
        "cash_per_share": Decimal(2_000),
        "source": "manual",
    }
    fields.update(terms)
    return CorporateEvent.objects.create(instrument=instrument, **fields)


def url(portfolio: Portfolio, tail: str = "") -> str:
    return f"/api/portfolios/{portfolio.pk}/entitlements/{tail}"


def test_list_apply_and_repeat(user: Any, held: Portfolio, instruments: dict[str, Any]) -> None:
    cash_event(instruments["FPT"])
    client = client_for(user)
    listed = client.get(url(held))
    assert listed.status_code == 200
    (row,) = listed.json()["results"]
    assert {k: row[k] for k in ("symbol", "status", "shares_held", "cash_net", "transactions")} == {
        "symbol": "FPT",
        "status": "due",
        "shares_held": "1000",
        "cash_net": "1900000",
        "transactions": [],
    }
    first = client.post(url(held, f"{row['id']}/apply/"), {}, format="json")
    again = client.post(url(held, f"{row['id']}/apply/"), {}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["booked"], again.json()["booked"]) == (True, False)
    (booked,) = Transaction.objects.filter(kind="DIVIDEND")
    assert first.json()["entitlement"]["transactions"] == [booked.pk]
    assert client.get(url(held), {"status": "applied"}).json()["results"][0]["id"] == row["id"]
    assert client.get(url(held), {"status": "pending"}).json()["results"] == []


def test_others_get_404_and_write_nothing(
    user: Any, other_user: Any, held: Portfolio, instruments: dict[str, Any]
) -> None:
    cash_event(instruments["FPT"])
    (row,) = client_for(user).get(url(held)).json()["results"]
    stranger = client_for(other_user)
    assert stranger.get(url(held)).status_code == 404
    assert stranger.post(url(held, f"{row['id']}/apply/"), {}, format="json").status_code == 404
    assert stranger.get(f"/api/portfolios/{held.pk}/dividend-calendar/").status_code == 404
    assert APIClient().get(url(held)).status_code == 401
    # Someone else's entitlement id under one's own portfolio: 404 too.
    own = services.portfolio_create(owner=other_user, name="Theirs")
    assert stranger.post(url(own, f"{row['id']}/apply/"), {}, format="json").status_code == 404
    assert not Transaction.objects.filter(kind="DIVIDEND").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "ten"}, "quantity"),
        ({"quantity": 301}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({}, "quantity"),
        ({"quantity": 10, "price": 1}, "price"),
    ],
)
def test_bad_exercise_input_is_a_400_naming_the_field(
    user: Any, held: Portfolio, instruments: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    cash_event(
        instruments["FPT"],
        kind="rights_issue",
        cash_per_share=None,
        ratio_old=10,
        ratio_new=3,
        subscription_price=Decimal(10_000),
        subscription_start=date(2026, 7, 1),
        subscription_end=date(2026, 7, 31),
    )
    client = client_for(user)
    (row,) = client.get(url(held)).json()["results"]
    response = client.post(url(held, f"{row['id']}/exercise/"), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Transaction.objects.filter(kind="RIGHTS_SUBSCRIPTION").exists()
    done = client.post(url(held, f"{row['id']}/exercise/"), {"quantity": 300}, format="json")
    assert done.status_code == 201
    assert done.json()["entitlement"]["exercised"] == "300"


def test_bad_apply_input_and_states(
    user: Any, held: Portfolio, instruments: dict[str, Any]
) -> None:
    cash_event(instruments["FPT"], payment_date=None)
    client = client_for(user)
    (row,) = client.get(url(held)).json()["results"]
    assert row["status"] == "pending"
    apply = url(held, f"{row['id']}/apply/")
    assert error_code(client.post(apply, {}, format="json")) == "trade_date_required"
    assert client.post(apply, {"trade_date": "soon"}, format="json").status_code == 400
    assert client.post(apply, {"trade_date": "2026-06-01"}, format="json").status_code == 400
    assert client.post(apply, {"trade_date": "2026-07-21"}, format="json").status_code == 400
    assert client.post(apply, {"when": "2026-07-01"}, format="json").status_code == 400
    assert client.get(url(held), {"status": "nope"}).status_code == 400
    assert client.post(url(held, "999999/apply/"), {}, format="json").status_code == 404
    assert not Transaction.objects.filter(kind="DIVIDEND").exists()
    ok = client.post(apply, {"trade_date": "2026-07-01"}, format="json")
    assert ok.status_code == 201
    assert Transaction.objects.get(kind="DIVIDEND").trade_date == date(2026, 7, 1)


def test_the_dividend_calendar(user: Any, held: Portfolio, instruments: dict[str, Any]) -> None:
    cash_event(instruments["FPT"])  # paid: its income counts once applied
    cash_event(instruments["FPT"], ex_date=date(2026, 8, 3), payment_date=date(2026, 9, 1))
    WatchlistItem.objects.create(user=user, instrument=instruments["VNM"])
    cash_event(instruments["VNM"], ex_date=date(2026, 8, 10), payment_date=date(2026, 9, 5))
    cash_event(instruments["HPG"], ex_date=date(2026, 8, 10), payment_date=date(2026, 9, 5))
    client = client_for(user)
    listed = client.get(url(held)).json()["results"]
    assert [row["ex_date"] for row in listed] == ["2026-06-15"], listed
    (due,) = listed
    client.post(url(held, f"{due['id']}/apply/"), {}, format="json")

    body = client.get(f"/api/portfolios/{held.pk}/dividend-calendar/").json()

    assert body["as_of"] == "2026-07-20"
    assert [(e["symbol"], e["ex_date"], e["held"], e["watched"]) for e in body["upcoming"]] == [
        ("FPT", "2026-08-03", True, False),
        ("VNM", "2026-08-10", False, True),
    ]
    assert body["upcoming"][0]["entitlement"] is None  # not ex yet
    assert body["income_by_year"] == [
        {"year": 2026, "gross": "2000000", "tax": "100000", "net": "1900000"}
    ]
    assert body["pending_cash"] == "0"


def test_performance_counts_a_pending_dividend_as_a_receivable(
    user: Any, held: Portfolio, instruments: dict[str, Any]
) -> None:
    Transaction.objects.filter(kind="BUY").update(trade_date=date(2026, 5, 4))
    days = [date(2026, 5, 4) + timedelta(days=n) for n in range(0, 60)]
    closes = {d: 30_000 if d < EX else 28_000 for d in days if d.weekday() < 5}
    daily_bars(instruments["FPT"], closes)
    cash_event(instruments["FPT"], payment_date=date(2026, 7, 31))  # not paid by TODAY
    client_for(user).get(url(held))  # the entitlement is computed

    result = selectors.portfolio_performance(
        portfolio=held, range_code="3M", benchmark="none", today=TODAY
    )

    assert result["end_value"] == str(
        50_000_000 - 2_000_000 + 1_900_000
    )  # cash + 28,000 x 1,000 + receivable
    # The tax alone, on the whole portfolio (20,000,000 cash + 30,000,000 in shares).
    assert Decimal(result["twr"]) == Decimal("-0.002000")


def test_a_dividend_paid_but_not_applied_is_not_counted_until_it_is_applied(
    user: Any, held: Portfolio, instruments: dict[str, Any]
) -> None:
    Transaction.objects.filter(kind="BUY").update(trade_date=date(2026, 5, 4))
    days = [date(2026, 5, 4) + timedelta(days=n) for n in range(0, 60)]
    daily_bars(
        instruments["FPT"], {d: 30_000 if d < EX else 28_000 for d in days if d.weekday() < 5}
    )
    cash_event(instruments["FPT"])  # paid on PAY (2026-07-10), before TODAY
    client = client_for(user)
    (due,) = client.get(url(held)).json()["results"]

    def performance() -> dict[str, Any]:
        return selectors.portfolio_performance(
            portfolio=Portfolio.objects.get(pk=held.pk),
            range_code="3M",
            benchmark="none",
            today=TODAY,
        )

    series = {p["date"]: p["value"] for p in performance()["series"]}
    # Paid on 2026-07-10 but not applied: nothing has arrived, the ex-date drop shows.
    assert series["2026-07-09"] == series["2026-07-20"] == str(48_000_000)
    client.post(url(held, f"{due['id']}/apply/"), {}, format="json")
    after = performance()
    series = {p["date"]: p["value"] for p in after["series"]}
    assert series["2026-07-09"] == str(48_000_000 + 1_900_000)  # receivable from the ex-date
    assert series["2026-07-10"] == series["2026-07-20"] == str(49_900_000)  # then the cash
    assert Decimal(after["twr"]) == Decimal("-0.002000")
