"""Schemathesis, stateful: chains of calls over the whole API, each step fed by the ids an earlier
response returned (create a portfolio, record transactions in it, read its holdings, edit and delete
them; create, edit and delete alerts; add and remove watchlist symbols), authenticated, with the rate
limiter on. No step may get a 5xx, and every response must conform to the schema (status code, content
type, headers, body), which schemathesis checks on each step.

drf-spectacular emits no OpenAPI ``links``; schemathesis 4 infers them from the schema (a response's
``id`` feeds a ``{id}`` / ``{portfolio_id}`` path parameter). The watchlist, keyed by symbol, is the one
chain it cannot infer, so ``WATCHLIST_LINKS`` adds it to the loaded schema. Otherwise the schema is
the served one, which states the input rules the conformance checks judge by (closed request bodies,
the ``Idempotency-Key`` format, the pagination bounds and the 404 past the last page).

Every built-in check runs except the two that judge input validation against the schema's letter:
"schema-valid data is accepted" (the services refuse
more than the schema can say, e.g. a date that is not a date, an unlisted benchmark: a deliberate 400)
and "schema-invalid data is rejected" (some inputs are lenient on purpose: ``?by=`` empty means the
default, enum values are case-insensitive, a ``page_size`` above 500 is served as 500). What remains: no 5xx, documented status codes, content types, headers
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
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
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


def load_schema() -> Any:
    """The live schema, served by the app itself, plus the links schemathesis cannot infer."""
    raw = json.loads(Client().get("/api/schema/?format=json").content)
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
