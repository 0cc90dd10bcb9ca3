"""Issue #14 item 4: JSON that used to answer 500 (an HTML traceback under ``make run``) is a 400 with
the usual error body, on every endpoint that reads a body, for anonymous callers too."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient

from portfolio.models import Transaction
from portfolio.transfer import parse_json
from portfolio_site.json_input import MAX_DEPTH, JSONInputError, loads
from tests.security.conftest import World, schema_operations
from tests.security.test_bola import fill
from tests.security.test_mass_assignment import path_parameters

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000  # 2 KB
WRITE_METHODS = ("post", "put", "patch")


def assert_parse_error(response: Any) -> None:
    assert response.status_code == 400, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "parse_error"


def test_a_body_nested_a_thousand_deep_is_a_400_for_anonymous_token_requests() -> None:
    response = APIClient().post("/api/auth/token/", DEEP, content_type="application/json")

    assert_parse_error(response)


def test_a_body_nested_a_thousand_deep_is_a_400_on_every_write_operation(
    world: World, api_schema: dict[str, Any]
) -> None:
    operations = [
        (path, method)
        for path, method, operation in schema_operations(api_schema)
        if method in WRITE_METHODS
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(operations) > 10

    for path, method in operations:
        url = fill(path, dict.fromkeys(path_parameters(path), world.attacker))
        with transaction.atomic():
            response = getattr(world.attacker.client, method)(
                url, DEEP, content_type="application/json"
            )
            transaction.set_rollback(True)
        assert response.status_code == 400, (method, path, response.content[:200])
        assert response.json()["error"]["code"] == "parse_error", (method, path)


def test_nesting_just_past_the_limit_is_refused_and_at_it_is_read() -> None:
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH

    assert loads(at_limit) == json.loads(at_limit)
    with pytest.raises(JSONInputError):
        loads("[" + at_limit + "]")


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e999", "-1e999"])
def test_non_finite_numbers_in_a_json_import_body_are_a_400(world: World, number: str) -> None:
    body = (
        '[{"kind": "BUY", "symbol": "FPT", "price": "10000", "trade_date": "2025-03-04", '
        f'"quantity": {number}}}]'
    )
    portfolio = world.attacker.portfolio
    stored = Transaction.objects.filter(portfolio=portfolio).count()

    response = world.attacker.client.post(
        f"/api/portfolios/{portfolio.pk}/import/", body, content_type="application/json"
    )

    assert_parse_error(response)
    assert Transaction.objects.filter(portfolio=portfolio).count() == stored


@pytest.mark.parametrize("number", ["Infinity", "NaN", "1e999"])
def test_non_finite_numbers_in_an_uploaded_json_file_are_a_400(world: World, number: str) -> None:
    document = (
        '{"transactions": [{"kind": "BUY", "symbol": "FPT", "price": "10000", '
        f'"trade_date": "2025-03-04", "quantity": {number}}}]}}'
    ).encode()
    portfolio = world.attacker.portfolio
    stored = Transaction.objects.filter(portfolio=portfolio).count()

    response = world.attacker.client.post(
        f"/api/portfolios/{portfolio.pk}/import/",
        {"file": SimpleUploadedFile("t.json", document)},
        format="multipart",
    )

    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"]["code"] == "invalid_file"
    assert Transaction.objects.filter(portfolio=portfolio).count() == stored


def test_a_deeply_nested_uploaded_json_file_is_a_400(world: World) -> None:
    portfolio = world.attacker.portfolio

    response = world.attacker.client.post(
        f"/api/portfolios/{portfolio.pk}/import/",
        {"file": SimpleUploadedFile("t.json", DEEP.encode())},
        format="multipart",
    )

    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"]["code"] == "invalid_file"


@pytest.mark.parametrize("number", [float("inf"), float("nan"), Decimal("-Infinity")])
def test_a_non_finite_number_reaching_the_importer_is_a_row_error(number: Any) -> None:
    parsed = parse_json(
        [{"kind": "BUY", "symbol": "FPT", "date": "2025-03-04", "quantity": number}]
    )

    assert parsed.rows == []
    assert [(e.row, e.code, list(e.fields)) for e in parsed.errors] == [
        (1, "invalid", ["quantity"])
    ]
