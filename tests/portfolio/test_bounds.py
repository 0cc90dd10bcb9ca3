"""Bounds a real market never reaches (portfolio/bounds.py): refused with a 400 naming the field at
every entry point (API create and update, import, the admin's service), guarded by the model
constraints, and no such input leaves a portfolio its owner can no longer read."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from portfolio import services
from portfolio.models import Portfolio, Transaction
from portfolio_site.errors import DomainError
from tests.factories import UserFactory
from tests.portfolio.api_helpers import error_code, record, transactions_url
from tests.portfolio.test_admin import form_data

pytestmark = pytest.mark.django_db

A_TRADING_DAY = "2025-03-04"
BEYOND: list[tuple[str, dict[str, Any]]] = [
    ("quantity", {"kind": "BUY", "symbol": "FPT", "quantity": 10**11 + 1, "price": 1000}),
    ("price", {"kind": "BUY", "symbol": "FPT", "quantity": 100, "price": 10**9 + 1}),
    ("quantity", {"kind": "STOCK_DIVIDEND", "symbol": "FPT", "quantity": 10**11 + 1}),
    ("amount", {"kind": "DEPOSIT", "amount": 10**16 + 1}),
    ("amount", {"kind": "DIVIDEND", "symbol": "FPT", "amount": 10**16 + 1}),
    ("fee", {"kind": "BUY", "symbol": "FPT", "quantity": 100, "price": 10_000, "fee": 10**16 + 1}),
    ("tax", {"kind": "SELL", "symbol": "FPT", "quantity": 100, "price": 10_000, "tax": 10**16 + 1}),
    ("price", {"kind": "BUY", "symbol": "FPT", "quantity": 10**8, "price": 10**8 + 1}),
    ("trade_date", {"kind": "DEPOSIT", "amount": 1000, "trade_date": "2000-07-27"}),
]
BEYOND_IDS = [
    "quantity",
    "price",
    "bonus_quantity",
    "amount",
    "dividend",
    "fee",
    "tax",
    "gross_value",
    "before_first_session",
]


@pytest.fixture
def no_cash(user: Any, instruments: Any) -> Portfolio:
    return services.portfolio_create(owner=user, name="No cash", track_cash=False)


def _fields(response: Any) -> dict[str, Any]:
    return dict(response.json()["error"].get("fields") or {})


@pytest.mark.parametrize(("field", "body"), BEYOND, ids=BEYOND_IDS)
def test_api_create_refuses_values_beyond_the_bounds_naming_the_field(
    auth_client: APIClient, no_cash: Portfolio, field: str, body: dict[str, Any]
) -> None:
    response = record(auth_client, no_cash, **{"trade_date": A_TRADING_DAY, **body})

    assert response.status_code == 400, response.content
    assert field in _fields(response)
    assert not no_cash.transactions.exists()


def test_values_at_the_bounds_are_accepted(auth_client: APIClient, no_cash: Portfolio) -> None:
    at_bounds = [
        {"kind": "BUY", "symbol": "FPT", "quantity": 10**7, "price": 10**9, "fee": 10**16},
        {"kind": "BUY", "symbol": "VNM", "quantity": 10**11, "price": 10**5},
        {"kind": "DEPOSIT", "amount": 10**16, "trade_date": "2000-07-28"},
    ]

    for body in at_bounds:
        response = record(auth_client, no_cash, **{"trade_date": A_TRADING_DAY, **body})
        assert response.status_code == 201, response.content

    assert auth_client.get(f"/api/portfolios/{no_cash.pk}/holdings/").status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", str(10**16 + 1)), ("trade_date", "1999-12-31")],
)
def test_api_update_refuses_values_beyond_the_bounds(
    auth_client: APIClient, no_cash: Portfolio, field: str, value: str
) -> None:
    created = record(auth_client, no_cash, kind="DEPOSIT", amount=1000, trade_date=A_TRADING_DAY)

    response = auth_client.patch(
        f"{transactions_url(no_cash)}{created.json()['id']}/", {field: value}, format="json"
    )

    assert response.status_code == 400, response.content
    assert field in _fields(response)
    assert Transaction.objects.get().amount == 1000


def test_import_reports_each_row_beyond_the_bounds(
    auth_client: APIClient, no_cash: Portfolio
) -> None:
    csv = (
        b"date,kind,symbol,quantity,price,amount\n"
        b"2025-03-04,BUY,FPT,100000000001,1000,\n"
        b"2025-03-04,BUY,FPT,100,1000000001,\n"
        b"2025-03-04,DEPOSIT,,,,10000000000000001\n"
        b"1999-01-04,DEPOSIT,,,,1000\n"
        b"2025-03-04,DEPOSIT,,,,1000\n"
    )

    response = auth_client.post(
        f"/api/portfolios/{no_cash.pk}/import/",
        {"file": SimpleUploadedFile("t.csv", csv)},
        format="multipart",
    )

    assert response.status_code == 422, response.content
    errors = {e["row"]: e for e in response.json()["error"]["fields"]["errors"]}
    assert sorted(errors) == [2, 3, 4, 5]
    assert "quantity" in errors[2]["fields"]
    assert "price" in errors[3]["fields"]
    assert "amount" in errors[4]["fields"]
    assert "trade_date" in errors[5]["fields"]
    assert not no_cash.transactions.exists()


def test_admin_batches_refuse_values_beyond_the_bounds(no_cash: Portfolio) -> None:
    batch = services.TransactionBatch(
        creates=[
            {
                "kind": "BUY",
                "symbol": "FPT",
                "quantity": 10**12,
                "price": Decimal(1000),
                "trade_date": date(2025, 3, 4),
            },
        ]
    )

    with pytest.raises(DomainError) as refused:
        services.transactions_apply(portfolio=no_cash, batch=batch, dry_run=True)

    assert refused.value.status == 400
    assert "quantity" in refused.value.fields


@pytest.mark.parametrize("rate", ["fee_rate", "sell_tax_rate", "dividend_tax_rate"])
def test_rates_above_ten_percent_are_refused(
    auth_client: APIClient, no_cash: Portfolio, rate: str
) -> None:
    created = auth_client.post("/api/portfolios/", {"name": "X", rate: "0.11"}, format="json")
    updated = auth_client.patch(f"/api/portfolios/{no_cash.pk}/", {rate: "0.5"}, format="json")
    at_bound = auth_client.patch(f"/api/portfolios/{no_cash.pk}/", {rate: "0.1"}, format="json")

    assert created.status_code == 400
    assert rate in _fields(created)
    assert updated.status_code == 400
    assert rate in _fields(updated)
    assert at_bound.status_code == 200
    with pytest.raises(DomainError):
        services.portfolio_update(portfolio=no_cash, changes={rate: Decimal("0.9")})


# --- the reproductions of issue #13 item 8 ----------------------------------------------------------


def test_quadrillion_shares_at_a_quadrillion_with_a_ninety_percent_fee_is_a_400(
    auth_client: APIClient, no_cash: Portfolio
) -> None:
    greedy = auth_client.patch(f"/api/portfolios/{no_cash.pk}/", {"fee_rate": "0.9"}, format="json")
    huge = 10**15 - 1
    trade = record(
        auth_client,
        no_cash,
        kind="BUY",
        symbol="FPT",
        quantity=huge,
        price=huge,
        trade_date=A_TRADING_DAY,
    )

    assert greedy.status_code == 400
    assert "fee_rate" in _fields(greedy)
    assert trade.status_code == 400
    assert {"quantity", "price"} <= set(_fields(trade))
    assert auth_client.get(f"/api/portfolios/{no_cash.pk}/summary/").status_code == 200


def test_a_buy_whose_fee_overflows_the_money_column_is_refused_and_holdings_still_read(
    auth_client: APIClient, no_cash: Portfolio
) -> None:
    trade = record(
        auth_client,
        no_cash,
        kind="BUY",
        symbol="FPT",
        quantity=10**14,
        price=10**14,
        trade_date=A_TRADING_DAY,
    )
    holdings = auth_client.get(f"/api/portfolios/{no_cash.pk}/holdings/")

    assert trade.status_code == 400
    assert error_code(trade) == "invalid"
    assert holdings.status_code == 200
    assert holdings.json()["results"] == []


def test_a_trade_dated_year_one_is_refused_and_performance_still_reads(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    deposit = record(auth_client, portfolio, kind="DEPOSIT", amount=1000, trade_date="0001-01-01")
    performance = auth_client.get(f"/api/portfolios/{portfolio.pk}/performance/?range=ALL")

    assert deposit.status_code == 400
    assert "trade_date" in _fields(deposit)
    assert performance.status_code == 200


# --- the last guard -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beyond",
    [
        {"quantity": 10**11 + 1},
        {"price": Decimal(10**9 + 1)},
        {"fee": Decimal(10**16 + 1)},
        {"tax": Decimal(10**16 + 1)},
        {"trade_date": date(2000, 7, 27), "settle_date": date(2000, 7, 27)},
    ],
    ids=["quantity", "price", "fee", "tax", "trade_date"],
)
def test_the_database_refuses_rows_beyond_the_bounds(
    no_cash: Portfolio, instruments: Any, beyond: dict[str, Any]
) -> None:
    fields: dict[str, Any] = {
        "portfolio": no_cash,
        "kind": "BUY",
        "instrument": instruments["FPT"],
        "quantity": 100,
        "price": Decimal(10_000),
        "trade_date": date(2025, 3, 4),
        "settle_date": date(2025, 3, 6),
        **beyond,
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(**fields)


def test_the_database_refuses_a_deposit_beyond_the_bounds(no_cash: Portfolio) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(
            portfolio=no_cash,
            kind="DEPOSIT",
            amount=Decimal(10**16 + 1),
            trade_date=date(2025, 3, 4),
            settle_date=date(2025, 3, 4),
        )


def test_the_database_refuses_a_rate_above_ten_percent(no_cash: Portfolio) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Portfolio.objects.filter(pk=no_cash.pk).update(fee_rate=Decimal("0.2"))


# --- rows stored before the bounds existed (migration 0002) ----------------------------------------


@contextmanager
def bounds_constraints_off() -> Iterator[None]:
    """Let the test store what the bounds refuse, as rows written before them were."""
    names = {
        Portfolio: ["portfolio_rates_within_bounds"],
        Transaction: [
            "transaction_quantity_within_bounds",
            "transaction_price_within_bounds",
            "transaction_money_within_bounds",
            "transaction_trade_date_within_bounds",
        ],
    }
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        return
    with connection.cursor() as cursor:  # PostgreSQL: no ALTER TABLE with deferred checks pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:  # undone when the test rolls back
        for model, constraints in names.items():
            for constraint in model._meta.constraints:
                if constraint.name in constraints:
                    editor.remove_constraint(model, constraint)
    yield


def _migration_0002() -> Any:
    return importlib.import_module("portfolio.migrations.0002_rows_within_bounds")


def test_migration_caps_stored_rates_and_names_stored_transactions_beyond_the_bounds(
    no_cash: Portfolio, instruments: Any
) -> None:
    with bounds_constraints_off():
        Portfolio.objects.filter(pk=no_cash.pk).update(fee_rate=Decimal("0.9"))
        year_one = Transaction.objects.create(
            portfolio=no_cash,
            kind="DEPOSIT",
            amount=Decimal(1000),
            trade_date=date(1, 1, 1),
            settle_date=date(1, 1, 1),
        )

        with pytest.raises(RuntimeError) as stopped:
            _migration_0002().bring_within_bounds(django_apps, None)

    assert f"transaction {year_one.pk}" in str(stopped.value)
    no_cash.refresh_from_db()
    assert no_cash.fee_rate == Decimal("0.1")


def test_migration_passes_rows_within_the_bounds(no_cash: Portfolio) -> None:
    services.transaction_record(
        portfolio=no_cash, kind="DEPOSIT", amount=Decimal(10**16), trade_date=date(2000, 7, 28)
    )

    _migration_0002().bring_within_bounds(django_apps, None)

    assert no_cash.transactions.count() == 1


# --- the admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Any) -> Any:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_forms_show_values_beyond_the_bounds_as_errors(
    admin_client: Any, no_cash: Portfolio
) -> None:
    url = f"/admin/portfolio/portfolio/{no_cash.pk}/change/"
    greedy = admin_client.post(url, form_data(no_cash, fee_rate="0.5"))
    huge = admin_client.post(
        url,
        form_data(
            no_cash,
            new=[{"kind": "BUY", "symbol": "FPT", "quantity": 10**12, "price": 1000,
                  "trade_date": A_TRADING_DAY}],
        ),
    )  # fmt: skip
    ancient = admin_client.post(
        url,
        form_data(no_cash, new=[{"kind": "DEPOSIT", "amount": 1000, "trade_date": "1999-12-31"}]),
    )

    expected = {
        greedy: "Fee and tax rates are fractions from 0 to 0.1.",
        huge: "A quantity is at most 100,000,000,000 shares.",
        ancient: "A trade date is not before 2000-07-28",
    }
    for page, message in expected.items():
        assert page.status_code == 200, message  # the form again, with its errors
        assert message in page.content.decode()
    no_cash.refresh_from_db()
    assert no_cash.fee_rate == Decimal("0.0015")
    assert not no_cash.transactions.exists()
