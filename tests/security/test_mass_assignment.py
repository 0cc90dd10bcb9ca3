"""Mass assignment, over every write operation (POST/PUT/PATCH) of the OpenAPI schema.

For each operation we first send a valid body (the schema's request example, or one from ``BODIES``)
and require it to succeed, so that the attack is not refused for an unrelated reason. Then we send the
same body plus one forbidden field at a time: ownership (``owner``, ``user``, ``portfolio``...), ids,
privilege flags (``is_staff``) and every field the response shows but the request may not set
(computed and read-only fields). Each attempt must be refused (400/422, nothing written) or ignored
(2xx, the value not taken, nobody else's data touched, nobody promoted). Every attempt runs in a
savepoint that is rolled back, so each starts from the same data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from market.models import CorporateEvent
from portfolio.models import Alert, Portfolio, Transaction, WatchlistItem
from tests.factories import DEFAULT_PASSWORD
from tests.security.conftest import World, needs_login, schema_operations
from tests.security.test_bola import fill, request_example

FORGED_ID = 987_654_321
WRITE_METHODS = {"post", "put", "patch"}


def _entitlement_as(world: World, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Turn the accounts' (shared) FPT event into a cash dividend or a rights issue, so that the
    attacker's one entitlement can be applied or exercised; the body to send."""
    terms: dict[str, Any] = {
        "cash_dividend": {"cash_per_share": 2_000, "ratio_old": None, "ratio_new": None},
        "rights_issue": {"cash_per_share": None, "ratio_old": 10, "ratio_new": 3},
    }[kind]
    price = 10_000 if kind == "rights_issue" else None
    CorporateEvent.objects.filter(pk=world.attacker.entitlement.event_id).update(
        kind=kind, subscription_price=price, **terms
    )
    return body


# Valid bodies where the schema's example does not fit (or there is none); keyed "METHOD path".
BODIES: dict[str, Callable[[World], Any]] = {
    "PUT /api/portfolios/{id}/": lambda w: {"name": "Renamed", "description": "new plans"},
    "PATCH /api/portfolios/{id}/": lambda w: {"description": "updated plans"},
    "POST /api/portfolios/{id}/import/": lambda w: [
        {"kind": "DEPOSIT", "amount": "1000000", "trade_date": "2025-04-01", "note": "imported"}
    ],
    "PUT /api/portfolios/{portfolio_id}/transactions/{id}/": lambda w: {
        "kind": "DEPOSIT",
        "amount": "600000000",
        "trade_date": "2025-03-03",
    },
    "PATCH /api/portfolios/{portfolio_id}/transactions/{id}/": lambda w: {"note": "edited"},
    "PUT /api/alerts/{id}/": lambda w: {"symbol": "FPT", "condition": "below", "threshold": "9000"},
    "PATCH /api/alerts/{id}/": lambda w: {"is_active": False},
    "POST /api/watchlist/": lambda w: {"symbol": "MWG"},
    "POST /api/auth/register/": lambda w: {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password": "S0ng-Hong-river!",
    },
    "POST /api/auth/token/": lambda w: {
        "username": w.attacker.user.username,
        "password": DEFAULT_PASSWORD,
    },
    "POST /api/auth/token/refresh/": lambda w: {
        "refresh": str(RefreshToken.for_user(w.attacker.user))
    },
    "POST /api/auth/logout/": lambda w: {"refresh": str(RefreshToken.for_user(w.attacker.user))},
    "POST /api/auth/password/": lambda w: {
        "old_password": DEFAULT_PASSWORD,
        "new_password": "Ha-Long-Bay-2026!",
    },
    "POST /api/auth/ws-ticket/": lambda w: {},
    "POST /api/portfolios/{portfolio_id}/entitlements/{id}/apply/": lambda w: _entitlement_as(
        w, "cash_dividend", {"trade_date": "2025-04-01"}
    ),
    "POST /api/portfolios/{portfolio_id}/entitlements/{id}/exercise/": lambda w: _entitlement_as(
        w, "rights_issue", {"quantity": "1"}
    ),
}


def forbidden_fields(world: World) -> dict[str, Any]:
    victim = world.victim
    return {
        "id": FORGED_ID,
        "pk": FORGED_ID,
        "owner": victim.user.pk,
        "owner_id": victim.user.pk,
        "user": victim.user.pk,
        "user_id": victim.user.pk,
        "portfolio": victim.portfolio.pk,
        "portfolio_id": victim.portfolio.pk,
        "is_staff": True,
        "is_superuser": True,
        "created_at": "2000-01-01T00:00:00Z",
        "updated_at": "2000-01-01T00:00:00Z",
    }


def _component(schema: dict[str, Any], ref_holder: dict[str, Any]) -> dict[str, Any]:
    ref = ref_holder.get("$ref") or ref_holder.get("items", {}).get("$ref")
    if not ref:
        return ref_holder
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _forged_value(field: dict[str, Any]) -> Any:
    kind = field.get("type")
    if kind == "integer":
        return FORGED_ID
    if kind == "boolean":
        return True
    if kind in ("array", "object"):
        return [] if kind == "array" else {}
    if field.get("format") == "date-time":
        return "2000-01-01T00:00:00Z"
    return "987654321"


def computed_fields(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """Fields a success response shows that the request body may not set."""
    request = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    writable = set(_component(schema, request.get("schema", {})).get("properties", {}))
    fields: dict[str, Any] = {}
    for code, response in operation.get("responses", {}).items():
        if not code.startswith("2"):
            continue
        body = response.get("content", {}).get("application/json", {}).get("schema", {})
        component = _component(schema, body)
        for name, field in component.get("properties", {}).items():
            if name not in writable:
                fields[name] = _forged_value(field)
    return fields


def inject(body: Any, field: str, value: Any) -> Any:
    if isinstance(body, list):
        return [{**row, field: value} for row in body]
    return {**body, field: value}


def post_json(client: APIClient, method: str, url: str, body: Any) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def nothing_forged_exists() -> bool:
    User = get_user_model()
    return not any(
        model.objects.filter(pk=FORGED_ID).exists()
        for model in (Portfolio, Transaction, Alert, WatchlistItem, User)
    )


def judge(
    world: World, response: Any, field: str, value: Any, before: dict[str, Any]
) -> str | None:
    """None when the injection was refused or ignored; else what went wrong."""
    attacker = get_user_model().objects.get(pk=world.attacker.user.pk)
    if attacker.is_staff or attacker.is_superuser:
        return "the caller became staff"
    if world.victim.state() != before["victim"]:
        return "the victim's data changed"
    if not nothing_forged_exists():
        return "an object was created with the forged id"
    status = response.status_code
    if status in (400, 422):
        if world.attacker.state() != before["attacker"]:
            return f"refused with {status} but something was written"
        return None
    if not 200 <= status < 300:
        return f"answered {status}: {response.content[:200]!r}"
    payload = response.json() if response.content else None
    if isinstance(payload, dict) and field in payload and not isinstance(value, bool):
        taken = payload[field]
        if taken == value or str(taken) == str(value):
            return f"accepted and took the value {value!r}"
    return None


def test_forbidden_fields_in_write_bodies_are_refused_or_ignored(
    world: World, api_schema: dict[str, Any]
) -> None:
    anonymous = APIClient()
    failures: list[str] = []
    attempted: set[str] = set()
    for path, method, operation in schema_operations(api_schema):
        if method not in WRITE_METHODS:
            continue
        name = f"{method.upper()} {path}"
        make_body = BODIES.get(name)
        body = make_body(world) if make_body else request_example(operation)
        if body == {} and make_body is None and "requestBody" in operation:
            failures.append(f"{name}: no valid body to start from; add one to BODIES")
            continue
        client = world.attacker.client if needs_login(operation) else anonymous
        url = fill(path, dict.fromkeys(path_parameters(path), world.attacker))

        with transaction.atomic():
            response = post_json(client, method, url, body)
            transaction.set_rollback(True)
        if not 200 <= response.status_code < 300:
            failures.append(
                f"{name}: the valid body was refused ({response.status_code}): "
                f"{response.content[:300]!r}; fix BODIES"
            )
            continue

        injections = {**forbidden_fields(world), **computed_fields(api_schema, operation)}
        for field, value in injections.items():
            if isinstance(body, dict) and field in body:
                continue
            before = {"victim": world.victim.state(), "attacker": world.attacker.state()}
            with transaction.atomic():
                try:
                    response = post_json(client, method, url, inject(body, field, value))
                    problem = judge(world, response, field, value, before)
                except Exception as error:
                    problem = f"raised {type(error).__name__}: {error}"
                transaction.set_rollback(True)
            attempted.add(name)
            if problem:
                failures.append(f"{name} with {field}={value!r}: {problem}")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
    assert {
        "POST /api/portfolios/",
        "PATCH /api/portfolios/{id}/",
        "POST /api/portfolios/{portfolio_id}/transactions/",
        "PUT /api/portfolios/{portfolio_id}/transactions/{id}/",
        "POST /api/alerts/",
        "POST /api/auth/register/",
    } <= attempted


def path_parameters(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
