"""The schema states the input rules the API enforces, and the API enforces what the schema states:
closed request bodies (unknown fields: 400), the ``Idempotency-Key`` format, the pagination bounds
and what happens outside them, and the market's query-parameter limits. Each rule is checked on both
sides, so that neither the schema nor the behaviour can drift alone."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from market.models import Instrument
from portfolio import idempotency
from portfolio.models import Portfolio
from portfolio_site.pagination import INVALID_PAGE_MESSAGE, StandardPagination
from tests.security.conftest import World, schema_operations
from tests.security.test_bola import fill

UNKNOWN = "zz_unknown_field"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref", "")
    return schema["components"]["schemas"][ref.rpartition("/")[2]] if ref else node


def parameter(operation: dict[str, Any], name: str, location: str = "query") -> dict[str, Any]:
    for candidate in operation.get("parameters", []):
        if candidate["name"] == name and candidate["in"] == location:
            return candidate
    raise KeyError(f"{location} parameter {name!r} not documented")


def allows(parameter_schema: dict[str, Any], raw: str) -> bool:
    """Would a client following the schema send ``raw`` (as a query string value)?"""
    value: Any = raw
    if parameter_schema.get("type") == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            return False
        value = int(raw)
    return jsonschema.Draft7Validator(parameter_schema).is_valid(value)


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


def in_savepoint(call: Any, *args: Any, **kwargs: Any) -> Any:
    """``call(*args, **kwargs)`` with whatever it writes rolled back."""
    with transaction.atomic():
        response = call(*args, **kwargs)
        transaction.set_rollback(True)
    return response


def url_for(world: World, path: str) -> str:
    """The path with the caller's own objects (and FPT for a market symbol)."""
    if path.startswith("/api/market/"):
        path = path.replace("{symbol}", "FPT")
    return fill(path, dict.fromkeys(re.findall(r"\{(\w+)\}", path), world.attacker))


# --- closed request bodies ----------------------------------------------------------------------


def test_a_body_is_closed_in_the_schema_exactly_when_the_api_refuses_unknown_fields(
    world: World, schema: dict[str, Any]
) -> None:
    client, checked, closed_count, problems = world.attacker.client, 0, 0, []
    for path, method, operation in schema_operations(schema):
        content = operation.get("requestBody", {}).get("content", {})
        for media, body in content.items():
            closed = resolve(schema, body["schema"]).get("additionalProperties") is False
            url = url_for(world, path)
            if media == "application/json":
                response = in_savepoint(
                    getattr(client, method), url, json.dumps({UNKNOWN: 1}), content_type=media
                )
            elif media == "multipart/form-data":
                upload = SimpleUploadedFile("rows.csv", b"date,kind,amount\n", "text/csv")
                response = in_savepoint(
                    client.post, url, {"file": upload, UNKNOWN: "1"}, format="multipart"
                )
            else:
                problems.append(f"{method.upper()} {path}: no check for {media}")
                continue
            refused = response.status_code == 400 and UNKNOWN in error(response).get("fields", {})
            checked += 1
            closed_count += closed
            if closed != refused:
                problems.append(
                    f"{method.upper()} {path} ({media}): schema closed={closed}, "
                    f"API refused={refused} ({response.status_code} {response.content[:200]!r})"
                )
    assert not problems, "\n".join(problems)
    # the strict serializers' bodies (JSON and the import's multipart) and the import's JSON
    assert checked >= 15
    assert closed_count >= 13


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_the_idempotency_key_is_documented_exactly_where_it_is_honoured(
    world: World, schema: dict[str, Any]
) -> None:
    honoured, problems = [], []
    for path, method, operation in schema_operations(schema):
        documented = any(
            p["in"] == "header" and p["name"] == idempotency.HEADER
            for p in operation.get("parameters", [])
        )
        if method != "post":
            assert not documented, f"{method.upper()} {path}: only POST honours the key"
            continue
        url = url_for(world, path)
        response = in_savepoint(
            world.attacker.client.post, url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
        )
        refused = response.status_code == 400 and (
            error(response)["code"] == "invalid_idempotency_key"
        )
        if documented != refused:
            problems.append(f"POST {path}: documented={documented}, honoured={refused}")
        if documented:
            honoured.append(path)
            header = parameter(operation, idempotency.HEADER, "header")
            assert header["schema"] == idempotency.KEY_SCHEMA, path
            responses = operation["responses"]
            examples = {
                status: set(responses[status]["content"]["application/json"]["examples"])
                for status in ("400", "422")
            }
            assert "InvalidIdempotencyKey" in examples["400"], path
            assert "IdempotencyKeyReused" in examples["422"], path
            for status, response_doc in responses.items():
                if status.startswith("2"):
                    assert "Idempotent-Replayed" in response_doc["headers"], f"{path} {status}"
    assert not problems, "\n".join(problems)
    assert len(honoured) == 5  # portfolios, transactions, import, watchlist, alerts


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("a", True),
        ("order 42/retry#1", True),
        ("~" * idempotency.MAX_KEY_LENGTH, True),
        ("0f8fad5b-d9cb-469f-a165-70867728950e", True),
        ("", False),
        ("k" * (idempotency.MAX_KEY_LENGTH + 1), False),
        ("khóa", False),
        ("tab\tinside", False),
    ],
)
def test_the_idempotency_key_format_in_the_schema_is_what_the_api_accepts(
    key: str, accepted: bool, schema: dict[str, Any], auth_client: APIClient
) -> None:
    header = parameter(schema["paths"]["/api/portfolios/"]["post"], idempotency.HEADER, "header")
    assert allows(header["schema"], key) is accepted
    response = auth_client.post(
        "/api/portfolios/", data={"name": "Main"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    if accepted:
        assert response.status_code == 201, response.content
    else:
        assert response.status_code == 400
        assert error(response)["code"] == "invalid_idempotency_key"


# --- pagination -----------------------------------------------------------------------------------


def paginated(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path, operation)
        for path, method, operation in schema_operations(schema)
        if method == "get" and any(p["name"] == "page" for p in operation.get("parameters", []))
    ]


def test_every_paginated_list_states_its_bounds_and_answers_404_past_the_last_page(
    world: World, schema: dict[str, Any]
) -> None:
    lists = paginated(schema)
    assert (
        len(lists) == 7
    )  # portfolios, transactions, watchlist, alerts, instruments, ticks, events
    for path, operation in lists:
        assert parameter(operation, "page")["schema"] == {"type": "integer", "minimum": 1}, path
        assert parameter(operation, "page_size")["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": StandardPagination.max_page_size,
            "default": StandardPagination.page_size,
        }, path
        examples = operation["responses"]["404"]["content"]["application/json"]["examples"]
        assert examples["InvalidPage"]["value"]["error"]["message"] == INVALID_PAGE_MESSAGE
        examples = operation["responses"]["400"]["content"]["application/json"]["examples"]
        assert examples["InvalidPageSize"]["value"]["error"]["code"] == "invalid", path

        url = url_for(world, path)
        past_the_end = world.attacker.client.get(url, {"page": 9999})
        assert past_the_end.status_code == 404, path
        assert error(past_the_end) == {"code": "not_found", "message": INVALID_PAGE_MESSAGE}
        assert world.attacker.client.get(url, {"page_size": 100_000}).status_code == 200, path


@pytest.mark.django_db
def test_out_of_range_pages_and_sizes_do_what_the_schema_says(
    auth_client: APIClient, user: Any, schema: dict[str, Any]
) -> None:
    # given more rows than the largest page, in a portfolio list and in a market list
    rows = StandardPagination.max_page_size + 1
    Portfolio.objects.bulk_create(Portfolio(owner=user, name=f"P{n:04d}") for n in range(rows))
    Instrument.objects.bulk_create(
        Instrument(symbol=f"S{n:04d}", exchange="HOSE", type="stock") for n in range(rows)
    )
    limit = StandardPagination.max_page_size
    for path in ("/api/portfolios/", "/api/market/instruments/"):
        size = parameter(schema["paths"][path]["get"], "page_size")
        # above the maximum: a full page of the maximum, not an error
        assert not allows(size["schema"], str(limit + 1))
        big = auth_client.get(path, {"page_size": limit + 1})
        assert big.status_code == 200, path
        assert len(big.json()["results"]) == limit, path
        assert f"served as {limit}" in size["description"]
        assert allows(size["schema"], str(limit))
        # not a whole number from 1: a 400 naming the parameter, on every list (as described)
        assert "not a whole number from 1: 400" in size["description"]
        for name, value in (("page_size", "0"), ("page_size", "abc"), ("page", "0"),
                            ("page", "-1"), ("page", "1.5"), ("page", "last")):  # fmt: skip
            bad = auth_client.get(path, {name: value})
            assert bad.status_code == 400, (path, name, value)
            assert name in bad.json()["error"]["fields"], (path, name, value)
        assert auth_client.get(path, {"page": 2, "page_size": limit}).status_code == 200, path


# --- the market's query parameters ----------------------------------------------------------------

INSTRUMENTS = "/api/market/instruments/"
TICKS = "/api/market/instruments/{symbol}/ticks/"
BARS = "/api/market/instruments/{symbol}/bars/"
QUOTES = "/api/market/quotes/"
TOO_MANY_SYMBOLS = ",".join(f"S{n:03d}" for n in range(101))


@pytest.mark.parametrize(
    ("path", "name", "value", "accepted"),
    [
        (INSTRUMENTS, "group", "VN30", True),
        (INSTRUMENTS, "group", "VN-30", False),
        (INSTRUMENTS, "group", "G" * 21, False),
        (INSTRUMENTS, "search", "FP", True),
        (INSTRUMENTS, "search", "", False),
        (INSTRUMENTS, "search", "x" * 101, False),
        (INSTRUMENTS, "page", "1", True),
        (INSTRUMENTS, "page", "0", False),
        (INSTRUMENTS, "page_size", "abc", False),
        (INSTRUMENTS, "colour", "red", False),
        (TICKS, "after_seq", "0", True),
        (TICKS, "after_seq", "-1", False),
        (TICKS, "after_seq", str(2**63), False),
        (TICKS, "since", "2026-01-05", True),
        (TICKS, "since", "x" * 41, False),
        (BARS, "start", "2025-01-06", True),
        (BARS, "start", "", False),
        (QUOTES, "symbols", "FPT, VNM", True),
        (QUOTES, "symbols", "FPT,V-N", False),
        (QUOTES, "symbols", TOO_MANY_SYMBOLS, False),
    ],
)
def test_market_query_limits_in_the_schema_are_what_the_api_accepts(
    path: str,
    name: str,
    value: str,
    accepted: bool,
    world: World,
    schema: dict[str, Any],
    api_client: APIClient,
) -> None:
    operation = schema["paths"][path]["get"]
    try:
        documented = allows(parameter(operation, name)["schema"], value)
    except KeyError:
        documented = False  # an unknown parameter: the market's query serializers refuse it
    assert documented is accepted
    query = {name: value}
    if path == QUOTES and name != "symbols":
        query["symbols"] = "FPT"
    response = api_client.get(path.replace("{symbol}", "FPT"), query)
    assert response.status_code == (200 if accepted else 400), response.content


def test_the_import_body_in_the_schema_is_what_the_api_accepts(
    world: World, schema: dict[str, Any]
) -> None:
    operation = schema["paths"]["/api/portfolios/{id}/import/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    url = url_for(world, "/api/portfolios/{id}/import/")
    row = {"kind": "DEPOSIT", "amount": "1000000", "trade_date": "2025-04-01"}
    for document, accepted in (([row], True), ({"transactions": [row]}, True), ([], False)):
        assert jsonschema.Draft7Validator(body).is_valid(document) is accepted
        response = in_savepoint(world.attacker.client.post, url, document, format="json")
        assert response.status_code == (201 if accepted else 400), response.content
    assert "413" in operation["responses"]
