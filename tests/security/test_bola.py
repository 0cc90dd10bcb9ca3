"""Broken object-level authorisation, over every object route of the OpenAPI schema.

The attacker, logged in, calls each route that needs a login and names an object, with the victim's
ids (and every mix of the victim's and their own ids in nested routes). Every call must answer 404,
exactly like a missing object, with no trace of the victim's data in the body; afterwards the victim's
data is unchanged. New routes are covered automatically; a route whose collection the test does not
know fails until ``Account.ids`` learns it.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.db import transaction
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from portfolio_site.asgi import application
from tests.security.conftest import (
    Account,
    World,
    needs_login,
    schema_operations,
)

PARAMETER = re.compile(r"\{([^}]+)\}")


def collection_of(path: str, parameter: str) -> str:
    """``/api/portfolios/{portfolio_id}/transactions/{id}/`` + ``id`` → ``transactions``."""
    before = path.split("{" + parameter + "}")[0].rstrip("/")
    return before.rsplit("/", 1)[-1]


def fill(path: str, owners: dict[str, Account]) -> str:
    def value(match: re.Match[str]) -> str:
        parameter = match.group(1)
        collection = collection_of(path, parameter)
        ids = owners[parameter].ids()
        if collection not in ids:
            pytest.fail(f"{path}: no object for the '{collection}' collection; teach Account.ids")
        return str(ids[collection])

    return PARAMETER.sub(value, path)


def request_example(operation: dict[str, Any]) -> Any:
    for media, content in operation.get("requestBody", {}).get("content", {}).items():
        if media != "application/json":
            continue
        if content.get("example") is not None:
            return content["example"]
        for example in (content.get("examples") or {}).values():
            if "value" in example:
                return example["value"]
    return {}


def send(client: APIClient, method: str, url: str, body: Any) -> Any:
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def object_routes(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, method, operation in schema_operations(schema)
        if needs_login(operation) and PARAMETER.search(path)
    ]


def test_another_users_ids_are_404_with_no_data_on_every_object_route(
    world: World, api_schema: dict[str, Any]
) -> None:
    victim, attacker = world.victim, world.attacker
    before = victim.state()
    routes = object_routes(api_schema)
    failures, tried = [], set()
    for path, method, operation in routes:
        parameters = PARAMETER.findall(path)
        body = request_example(operation)
        # every assignment of owners to the parameters in which the victim owns at least one
        for choice in itertools.product((victim, attacker), repeat=len(parameters)):
            if victim not in choice:
                continue
            url = fill(path, dict(zip(parameters, choice, strict=True)))
            where = f"{method.upper()} {url} ({path})"
            tried.add(f"{method.upper()} {path}")
            # each attempt starts from the same data: it runs in a savepoint rolled back after
            with transaction.atomic():
                try:
                    response = send(attacker.client, method, url, body)
                except Exception as error:
                    response = None
                    failures.append(f"{where}: raised {type(error).__name__}: {error}")
                if victim.state() != before:
                    failures.append(f"{where}: changed the victim's data")
                transaction.set_rollback(True)
            if response is None:
                continue
            if response.status_code != 404:
                failures.append(f"{where}: {response.status_code} instead of 404")
                continue
            leaked = [marker for marker in victim.markers if marker.encode() in response.content]
            if leaked:
                failures.append(f"{where}: the body shows the victim's {leaked}")
    assert not failures, "\n".join(failures)
    assert victim.state() == before, "the victim's data changed"
    # the contract's object routes were all among those tried
    expected = {
        "GET /api/portfolios/{id}/",
        "DELETE /api/portfolios/{id}/",
        "PATCH /api/portfolios/{id}/",
        "POST /api/portfolios/{id}/import/",
        "GET /api/portfolios/{id}/export/",
        "GET /api/portfolios/{portfolio_id}/transactions/{id}/",
        "PUT /api/portfolios/{portfolio_id}/transactions/{id}/",
        "DELETE /api/alerts/{id}/",
        "DELETE /api/watchlist/{symbol}/",
    }
    assert expected <= tried, expected - tried


def test_lists_show_only_the_callers_own_objects(world: World, api_schema: dict[str, Any]) -> None:
    victim, attacker = world.victim, world.attacker
    failures = []
    for path, method, operation in schema_operations(api_schema):
        if method != "get" or not needs_login(operation) or PARAMETER.search(path):
            continue
        response = attacker.client.get(path)
        if response.status_code != 200:
            failures.append(f"GET {path}: {response.status_code}")
            continue
        leaked = [marker for marker in victim.markers if marker.encode() in response.content]
        if leaked:
            failures.append(f"GET {path}: the attacker sees the victim's {leaked}")
    assert not failures, "\n".join(failures)
    # and the test is not vacuous: the attacker does see their own data
    own = attacker.client.get("/api/portfolios/")
    assert attacker.markers[0].encode() in own.content


@pytest.mark.django_db(transaction=True)
async def test_another_users_portfolio_stream_is_refused(world: World) -> None:
    victim, attacker = world.victim, world.attacker
    token = str(AccessToken.for_user(attacker.user))  # no database write, unlike a refresh
    communicator = WebsocketCommunicator(
        application,
        f"/ws/portfolio/{victim.portfolio.pk}/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost")],
        subprotocols=["jwt", token],
    )
    connected, _ = await communicator.connect()
    messages = []
    if connected:
        while True:
            output = await communicator.receive_output(timeout=2)
            if output["type"] == "websocket.close":
                assert output["code"] == 4403
                break
            messages.append(output.get("text", ""))
    assert not any(marker in text for text in messages for marker in victim.markers)
    await communicator.disconnect()
