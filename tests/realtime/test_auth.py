"""Websocket authentication: tickets (single use), the jwt subprotocol, refusals and session end."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from portfolio_site.redis_client import get_redis
from realtime.tickets import ticket_issue, ticket_redeem
from tests.factories import UserFactory
from tests.realtime.builders import instrument_with_quote, portfolio_holding
from tests.realtime.conftest import WAIT, closed_with, communicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner(transactional_db):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def portfolio(owner):  # type: ignore[no-untyped-def]
    instrument_with_quote("FPT", price="120000", reference="118000")
    return portfolio_holding(owner, {"FPT": (100, "110000")})


def access_token(user, lifetime: timedelta | None = None) -> str:  # type: ignore[no-untyped-def]
    token = AccessToken.for_user(user)
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


def issue_ticket_over_http(user) -> dict:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token(user)}")
    response = client.post("/api/auth/ws-ticket/")
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    return response.json()


# --- the ticket endpoint and store ----------------------------------------------------------------


def test_ticket_endpoint_requires_a_jwt(transactional_db) -> None:  # type: ignore[no-untyped-def]
    assert APIClient().post("/api/auth/ws-ticket/").status_code == 401


def test_ticket_endpoint_returns_a_short_lived_ticket(owner) -> None:  # type: ignore[no-untyped-def]
    body = issue_ticket_over_http(owner)
    assert set(body) == {"ticket", "expires_in"}
    assert body["expires_in"] == settings.WS_TICKET_TTL_SECONDS == 30
    assert len(body["ticket"]) >= 32


def test_a_ticket_redeems_once_and_redis_never_holds_it(owner) -> None:  # type: ignore[no-untyped-def]
    pattern = f"{settings.REDIS_KEY_PREFIX}:wsticket:*"
    before = set(get_redis().scan_iter(pattern))
    ticket = ticket_issue(user_id=owner.pk, expires_at=AccessToken.for_user(owner).current_time)
    keys = list(set(get_redis().scan_iter(pattern)) - before)
    assert len(keys) == 1
    assert ticket.encode() not in keys[0]
    assert 0 < get_redis().ttl(keys[0]) <= 30
    grant = ticket_redeem(ticket=ticket)
    assert grant is not None
    assert grant.user_id == owner.pk
    assert ticket_redeem(ticket=ticket) is None
    assert ticket_redeem(ticket="") is None
    assert ticket_redeem(ticket="x" * 500) is None


# --- connecting ---------------------------------------------------------------------------------


async def test_ticket_opens_the_portfolio_stream_once(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    body = await database_sync_to_async(issue_ticket_over_http)(owner)
    first = communicator(f"/ws/portfolio/{portfolio.pk}/?ticket={body['ticket']}")
    assert await first.connect() == (True, None)
    assert (await first.receive_json_from())["type"] == "valuation"
    # the same ticket again is refused with 4401
    second = communicator(f"/ws/portfolio/{portfolio.pk}/?ticket={body['ticket']}")
    assert (await second.connect())[0]
    assert await closed_with(second) == 4401
    await first.disconnect()
    await second.disconnect()


async def test_jwt_subprotocol_authenticates_and_is_echoed(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(access_token)(owner)
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert await client.connect() == (True, "jwt")
    assert (await client.receive_json_from())["type"] == "valuation"
    await client.disconnect()


async def test_jwt_subprotocol_also_works_on_the_market_stream(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(access_token)(owner)
    client = communicator("/ws/market/", subprotocols=["jwt", token])
    assert await client.connect() == (True, "jwt")
    await client.send_json_to({"action": "ping"})
    assert await client.receive_json_from() == {"type": "pong"}
    await client.disconnect()


@pytest.mark.parametrize(
    "subprotocols",
    [
        ["jwt", "not-a-jwt"],
        ["jwt"],
        ["jwt", "eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ."],  # alg: none
    ],
)
async def test_bad_credentials_close_with_4401_even_on_the_market_stream(  # type: ignore[no-untyped-def]
    owner, subprotocols
) -> None:
    client = communicator("/ws/market/", subprotocols=subprotocols)
    assert await client.connect() == (True, "jwt")
    assert await closed_with(client) == 4401
    await client.disconnect()


async def test_an_expired_token_is_refused(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(access_token)(owner, timedelta(seconds=-5))
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    assert await closed_with(client) == 4401
    await client.disconnect()


async def test_an_unknown_ticket_is_refused(portfolio) -> None:  # type: ignore[no-untyped-def]
    client = communicator(f"/ws/portfolio/{portfolio.pk}/?ticket=made-up")
    assert (await client.connect())[0]
    assert await closed_with(client) == 4401
    await client.disconnect()


async def test_anonymous_client_on_a_portfolio_stream_gets_4401(portfolio) -> None:  # type: ignore[no-untyped-def]
    client = communicator(f"/ws/portfolio/{portfolio.pk}/")
    assert (await client.connect())[0]
    assert await closed_with(client) == 4401
    await client.disconnect()


async def test_another_users_portfolio_gets_4403_and_no_data(portfolio) -> None:  # type: ignore[no-untyped-def]
    intruder = await database_sync_to_async(UserFactory)()
    token = await database_sync_to_async(access_token)(intruder)
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    assert await closed_with(client) == 4403
    await client.disconnect()


async def test_a_missing_portfolio_looks_like_a_foreign_one(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(access_token)(owner)
    client = communicator(f"/ws/portfolio/{portfolio.pk + 1000}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    assert await closed_with(client) == 4403
    await client.disconnect()


async def closed_at_expiry(client, expires_at: datetime) -> None:  # type: ignore[no-untyped-def]
    """The session closes with 4401, and not before its credential expired.

    The first valuation may or may not arrive first: on a loaded machine a one-second token can expire
    before the snapshot is computed, and the close is what this checks.
    """
    while (output := await client.receive_output(timeout=WAIT))["type"] == "websocket.send":
        assert json.loads(output["text"])["type"] == "valuation"
    assert output["type"] == "websocket.close", output
    assert output.get("code") == 4401
    assert datetime.now(tz=UTC) >= expires_at


async def test_the_session_closes_when_its_token_expires(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(access_token)(owner, timedelta(seconds=1))
    expires_at = datetime.fromtimestamp(int(AccessToken(token)["exp"]), tz=UTC)
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    await closed_at_expiry(client, expires_at)
    await client.disconnect()


async def test_a_ticket_session_ends_with_the_token_it_was_bought_with(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    expires = AccessToken.for_user(owner).current_time + timedelta(seconds=1)
    ticket = await database_sync_to_async(ticket_issue)(user_id=owner.pk, expires_at=expires)
    client = communicator(f"/ws/portfolio/{portfolio.pk}/?ticket={ticket}")
    assert (await client.connect())[0]
    await closed_at_expiry(client, expires)
    await client.disconnect()


async def test_the_session_closes_when_the_user_is_deactivated(owner, portfolio, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WS_AUTH_RECHECK_SECONDS = 0.2
    token = await database_sync_to_async(access_token)(owner)
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    assert (await client.receive_json_from())["type"] == "valuation"

    def deactivate() -> None:
        owner.is_active = False
        owner.save(update_fields=["is_active"])

    await database_sync_to_async(deactivate)()
    assert await closed_with(client) == 4401
    await client.disconnect()


async def test_an_inactive_users_token_is_refused_at_connect(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(access_token)(owner)

    def deactivate() -> None:
        owner.is_active = False
        owner.save(update_fields=["is_active"])

    await database_sync_to_async(deactivate)()
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    assert await closed_with(client) == 4401
    await client.disconnect()


async def test_tokens_and_tickets_never_reach_the_logs(owner, portfolio, caplog) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(access_token)(owner)
    body = await database_sync_to_async(issue_ticket_over_http)(owner)
    with caplog.at_level(logging.DEBUG):
        for client in (
            communicator(f"/ws/portfolio/{portfolio.pk}/?ticket={body['ticket']}"),
            communicator(f"/ws/portfolio/{portfolio.pk}/?ticket={body['ticket']}"),  # reused
            communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token]),
            communicator("/ws/market/", subprotocols=["jwt", token + "x"]),  # tampered
        ):
            assert (await client.connect())[0]
            await client.receive_output()
            await client.disconnect()
    assert caplog.records, "nothing was logged at DEBUG: the check would be vacuous"
    assert body["ticket"] not in caplog.text
    assert token not in caplog.text
