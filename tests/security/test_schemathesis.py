"""Schemathesis over /api/schema/: generated requests to every operation, authenticated, with the rate
limiter on, must never get a 5xx (503 excepted: a dependency outage is an allowed answer, and none is
simulated here, so none is expected either).

The budget is ``SCHEMATHESIS_CASES`` generated cases in all (default 2,000, as in CI), spread evenly over
the operations; set it lower while developing (``SCHEMATHESIS_CASES=200 pytest tests/security -k
schemathesis``). Requests go in-process through Django's WSGI handler; each runs in a savepoint that is
rolled back, so one case cannot poison the database for the next.
"""

from __future__ import annotations

import itertools
import math
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from tests.security.conftest import World, authorization, schema_operations
from tests.security.limits import RateLimits
from tests.security.test_bola import collection_of

CASES = int(os.environ.get("SCHEMATHESIS_CASES", "2000"))
OPERATIONS = len(schema_operations(SchemaGenerator().get_schema(request=None, public=True)))
PER_OPERATION = max(1, math.ceil(CASES / max(1, OPERATIONS)))

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def limiter_on(rate_limits: RateLimits) -> None:
    # the limiter runs on every request, with quotas no test run can reach
    rate_limits.set(**dict.fromkeys(("auth", "market_read", "portfolio_read"), "1000000/min"))
    rate_limits.set(**dict.fromkeys(("portfolio_write", "import", "default"), "1000000/min"))
    rate_limits.set(**dict.fromkeys(("login_pair", "login_account"), "1000000/min"))


_turns = itertools.count()


def aim_at_real_objects(case: Any, world: World) -> None:
    """Every other case names the caller's own objects instead of random ids, so that generated
    bodies and queries reach the code behind the 404."""
    if not case.path_parameters or next(_turns) % 2:
        return
    ids = world.attacker.ids()
    for name in case.path_parameters:
        collection = collection_of(case.path, name)
        if collection in ids:
            case.path_parameters[name] = ids[collection]
        elif collection == "instruments":
            case.path_parameters[name] = "FPT"


@pytest.fixture
def statuses() -> Iterator[Counter[int]]:
    seen: Counter[int] = Counter()
    yield seen
    print(f"\nschemathesis: {sum(seen.values())} requests, statuses {dict(sorted(seen.items()))}")


# Loaded at collection, through the app itself (the limiter is off outside the test).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@schema.parametrize()
@settings(
    max_examples=PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_never_get_a_server_error(
    case: Any,
    world: World,
    limiter_on: None,
    keep_test_connection: None,
    statuses: Counter[int],
) -> None:
    aim_at_real_objects(case, world)
    with transaction.atomic():
        response = case.call(headers={"Authorization": authorization(world.attacker.user)})
        transaction.set_rollback(True)
    statuses[response.status_code] += 1
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}\n"
        f"query={case.query!r} body={getattr(case, 'body', None)!r}\n"
        f"{response.text[:500]}"
    )
