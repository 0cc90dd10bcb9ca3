"""Redis stopped in the middle of a session: no 500s, reads keep working from the database, auth and
writes answer 503 with Retry-After, and everything recovers by itself when Redis returns.

The limiter, the cache and the app's raw Redis client all point at a redis-server of our own (never the
shared one), which the test stops and starts again on the same port.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from portfolio_site import throttling
from tests.security.conftest import World, needs_login, schema_operations
from tests.security.limits import RateLimits
from tests.security.redis_server import RedisServer, throwaway_redis
from tests.security.test_bola import PARAMETER, fill
from tests.security.test_mass_assignment import path_parameters


@pytest.fixture
def own_redis(settings, rate_limits: RateLimits) -> Iterator[RedisServer]:  # type: ignore[no-untyped-def]
    with throwaway_redis() as server:
        settings.REDIS_URL = server.url
        settings.CACHES = {
            "default": {
                **django_settings.CACHES["default"],
                "LOCATION": server.url,
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        yield server
    throttling.breaker.reset()


def reads(schema: dict[str, Any], world: World) -> list[tuple[APIClient, str]]:
    """Every GET of the schema, with the attacker's own ids (so that the answer is a 200)."""
    anonymous = APIClient()
    calls = []
    for path, method, operation in schema_operations(schema):
        if method != "get":
            continue
        client = world.attacker.client if needs_login(operation) else anonymous
        url = path
        if PARAMETER.search(path):
            if "symbol" in path_parameters(path) and "/market/" in path:
                url = path.replace("{symbol}", "FPT")
            else:
                url = fill(path, dict.fromkeys(path_parameters(path), world.attacker))
        query = required_query(operation)
        calls.append((client, f"{url}?{urlencode(query)}" if query else url))
    return calls


def writes(world: World) -> list[tuple[APIClient, str, str, dict[str, Any]]]:
    portfolio = world.attacker.portfolio.pk
    return [
        (APIClient(), "post", "/api/auth/token/", {"username": "nobody", "password": "x"}),
        (world.attacker.client, "post", "/api/portfolios/", {"name": "Outage-proof"}),
        (world.attacker.client, "patch", f"/api/portfolios/{portfolio}/", {"description": "x"}),
        (world.attacker.client, "post", "/api/watchlist/", {"symbol": "MWG"}),
    ]


def required_query(operation: dict[str, Any]) -> dict[str, str]:
    query = {}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query" or not parameter.get("required"):
            continue
        schema = parameter.get("schema", {})
        if parameter["name"] in ("symbol", "symbols"):
            query[parameter["name"]] = "FPT"
        elif "example" in parameter or "example" in schema:
            query[parameter["name"]] = str(parameter.get("example", schema.get("example")))
        elif schema.get("enum"):
            query[parameter["name"]] = str(schema["enum"][0])
        else:
            pytest.fail(f"no value for the required query parameter {parameter['name']}")
    return query


def run_reads(calls: list[tuple[APIClient, str]]) -> dict[str, int]:
    return {url: client.get(url).status_code for client, url in calls}


def run_writes(calls: list[tuple[APIClient, str, str, dict[str, Any]]]) -> list[Any]:
    return [
        getattr(client, method)(url, data=json.dumps(body), content_type="application/json")
        for client, method, url, body in calls
    ]


def test_redis_stopped_mid_session_gives_no_500s_and_recovers(
    world: World, api_schema: dict[str, Any], own_redis: RedisServer, settings
) -> None:  # type: ignore[no-untyped-def]
    read_calls = reads(api_schema, world)
    assert len(read_calls) >= 10

    # Redis up: everything answers, with rate-limit headers
    up = run_reads(read_calls)
    assert all(status == 200 for status in up.values()), [(u, s) for u, s in up.items() if s != 200]

    # Redis stops
    own_redis.stop()
    down = run_reads(read_calls)
    assert down == up, "reads must keep working (limiter open, cache misses, database answers)"
    for response in run_writes(writes(world)):
        assert response.status_code == 503, (response.wsgi_request.path, response.content)
        assert int(response["Retry-After"]) >= 1
        assert response.json()["error"]["code"] == "ratelimit_unavailable"

    # Redis returns (empty, on the same port): service recovers without a restart
    own_redis.start()
    again = run_reads(read_calls)
    assert again == up
    client, url = read_calls[0]
    assert client.get(url)["X-RateLimit-Limit"]
    statuses = [response.status_code for response in run_writes(writes(world))]
    assert statuses[0] == 401  # wrong password, judged again
    assert all(200 <= status < 300 for status in statuses[1:]), statuses
