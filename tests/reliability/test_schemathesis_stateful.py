"""Schemathesis, stateful: chains of calls over the whole API, each step fed by the ids an earlier
response returned (create a portfolio, record transactions in it, read its holdings, edit and delete
them; create, edit and delete alerts; add and remove watchlist symbols), authenticated, with the rate
limiter on. No step may get a 5xx, and every response must conform to the schema (status code, content
type, headers, body), which schemathesis checks on each step.

drf-spectacular emits no OpenAPI ``links``; schemathesis 4 infers them from the schema (a response's
``id`` feeds a ``{id}`` / ``{portfolio_id}`` path parameter). The watchlist, keyed by symbol, is the one
chain it cannot infer, so ``WATCHLIST_LINKS`` adds it to the loaded schema. The loaded copy also
states three rules the served schema leaves out (see ``load_schema``), so the conformance checks
judge the API by what it does on purpose.

Every built-in check runs except the two that judge input validation against the schema's letter:
"schema-valid data is accepted" (the query serializers refuse
more than the schema says, e.g. ``group`` letters and digits only, a deliberate 400) and "schema-invalid
data is rejected" (some selectors are lenient on purpose: ``?by=`` empty means the default, enum
values are case-insensitive). What remains: no 5xx, documented status codes, content types, headers
and bodies, credentials enforced, deleted objects gone, created objects readable.

The budget is ``STATEFUL_SCENARIOS`` scenarios (default 300) of up to ``STATEFUL_STEPS`` calls each
(default 15), derandomized unless ``STATEFUL_RANDOM=1``. Each scenario runs in a savepoint that is rolled back at its end; before the rollback the
other user's data is checked to be untouched.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.security.conftest import World, authorization, world  # noqa: F401 (fixture)
from tests.security.limits import rate_limits_enabled

SCENARIOS = int(os.environ.get("STATEFUL_SCENARIOS", "300"))
STEPS = int(os.environ.get("STATEFUL_STEPS", "15"))
SYMBOLS = ("FPT", "VNM", "HPG", "MWG")

pytestmark = [pytest.mark.django_db, pytest.mark.reliability]

WATCHLIST_LINKS = {
    "RemoveWatched": {
        "operationId": "watchlist_destroy",
        "parameters": {"symbol": "$response.body#/symbol"},
    }
}


def closed_request_bodies(raw: dict[str, Any]) -> None:
    """Every input serializer rejects unknown fields with a 400 (``RejectUnknownFieldsMixin``), which
    the generated schema does not say; state it, so generated bodies reach the services and
    schemathesis checks that bodies with extra fields are refused."""
    components = raw["components"]["schemas"]
    for item in raw["paths"].values():
        for operation in item.values():
            content = (
                operation.get("requestBody", {}).get("content", {})
                if isinstance(operation, dict)
                else {}
            )
            for media in content.values():
                ref = media.get("schema", {}).get("$ref", "")
                body = components.get(ref.rpartition("/")[2]) if ref else media.get("schema")
                if body and body.get("type") == "object" and "properties" in body:
                    body["additionalProperties"] = False


def page_limits(raw: dict[str, Any]) -> None:
    """A paginated list answers 404 for a page past the end (DRF's "Invalid page."), and the market
    lists 400 for ``page_size`` below 1; the generated schema says neither."""
    for path, item in raw["paths"].items():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            names = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if "page" not in names:
                continue
            operation["responses"].setdefault(
                "404", {"description": "Invalid page.", "content": _error_content(operation)}
            )
            # DRF ignores a page_size below 1 (the default applies); the market lists refuse it
            bounded = ("page", "page_size") if path.startswith("/api/market/") else ("page",)
            for parameter in operation["parameters"]:
                if parameter.get("name") in bounded:
                    parameter["schema"] = {**parameter["schema"], "minimum": 1}


def idempotency_key_format(raw: dict[str, Any]) -> None:
    """``Idempotency-Key`` must be 1-255 printable characters (else 400); the schema says "string"."""
    for item in raw["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key":
                    parameter["schema"] = {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 255,
                        "pattern": "^[!-~]+$",
                    }


def _error_content(operation: dict[str, Any]) -> dict[str, Any]:
    for status, response in operation["responses"].items():
        if status.startswith("4") and "content" in response:
            return dict(response["content"])
    return {}


def load_schema() -> Any:
    """The live schema, served by the app itself, plus the links schemathesis cannot infer."""
    raw = json.loads(Client().get("/api/schema/?format=json").content)
    closed_request_bodies(raw)
    page_limits(raw)
    idempotency_key_format(raw)
    create = raw["paths"]["/api/watchlist/"]["post"]["responses"]
    for status in ("200", "201"):
        create[status]["links"] = WATCHLIST_LINKS
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = WSGIHandler()
    loaded.location = "/api/schema/?format=json"
    return loaded


# Loaded at collection (the limiter is off outside the test).
schema = load_schema()


@pytest.fixture
def limiter_on(settings: Any) -> Iterator[None]:
    with rate_limits_enabled(settings) as limits:
        # the limiter runs on every request, with quotas no test run can reach
        limits.set(**dict.fromkeys(("auth", "market_read", "portfolio_read"), "1000000/min"))
        limits.set(**dict.fromkeys(("portfolio_write", "import", "default"), "1000000/min"))
        yield


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Like Django's test client: the handler must not close the test's database connection after
    each request (it holds the test transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


_turns = itertools.count()


def aim_at_real_instruments(case: Any) -> None:
    """Every other body with a symbol names a listed one, so trades reach the ledger and the
    holdings, summary and performance that follow them have positions to value. Negative cases are
    left alone: their symbol may be the very thing made invalid."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    body = getattr(case, "body", None)
    if isinstance(body, dict) and isinstance(body.get("symbol"), str) and next(_turns) % 2 == 0:
        body["symbol"] = SYMBOLS[next(_turns) % len(SYMBOLS)]


def test_chained_calls_never_get_a_server_error_or_break_the_schema(
    world: World,  # noqa: F811
    limiter_on: None,
    keep_test_connection: None,
) -> None:
    # given two users with data, the attacker driving the API through linked calls
    statuses: Counter[tuple[str, int]] = Counter()
    operations: Counter[str] = Counter()
    scenarios = itertools.count(1)
    token = authorization(world.attacker.user)
    victim_before = world.victim.state()

    class Workflows(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            next(scenarios)
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def before_call(self, case: Any) -> None:
            # explicit credentials (as schemathesis' own auth providers mark them), so its auth check
            # also verifies that the same call without them, or with spoiled ones, is refused
            case.headers = {**(case.headers or {}), "Authorization": token}
            case._has_explicit_auth = True
            aim_at_real_instruments(case)

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            statuses[(case.method, response.status_code)] += 1
            operations[f"{case.operation.label} {response.status_code // 100}xx"] += 1
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}\n"
                f"query={case.query!r} body={getattr(case, 'body', None)!r}\n"
                f"{response.text[:500]}"
            )

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # every built-in check but the two that judge input strictness (see the module's doc)
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=[positive_data_acceptance, negative_data_rejection],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

        def teardown(self) -> None:
            try:
                assert world.victim.state() == victim_before, "the other user's data changed"
            finally:
                transaction.set_rollback(True)
                self._scenario.__exit__(None, None, None)

    # when schemathesis runs the scenarios
    try:
        run_state_machine_as_test(
            Workflows,
            settings=settings(
                max_examples=SCENARIOS,
                stateful_step_count=STEPS,
                deadline=None,
                derandomize=os.environ.get("STATEFUL_RANDOM") != "1",
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        calls = sum(statuses.values())
        print(
            f"\nschemathesis stateful: {next(scenarios) - 1} scenarios, {calls} calls, "
            f"{dict(sorted(statuses.items()))}"
        )
        print("\n".join(f"  {label}: {n}" for label, n in sorted(operations.items())))

    # then every call was answered below 500 and conformed (checked at each step), and the chains
    # reached past creation into the linked operations
    assert statuses[("POST", 201)] > 0
    assert sum(n for (method, status), n in statuses.items() if method == "DELETE") > 0
