"""Handshake origins (realtime/origins.py): a browser's foreign Origin is refused; a client without
one (native app, script) may stream once authenticated, never anonymously."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from realtime.tickets import ticket_issue
from tests.factories import UserFactory
from tests.realtime.builders import instrument_with_quote, portfolio_holding
from tests.realtime.conftest import closed_with, communicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner(transactional_db):  # type: ignore[no-untyped-def]
    instrument_with_quote("FPT", price="120000", reference="118000")
    return UserFactory()


async def test_a_native_client_without_origin_streams_with_a_jwt(owner) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(owner)))()
    client = communicator("/ws/market/", origin=False, subprotocols=["jwt", token])
    assert await client.connect() == (True, "jwt")
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT"]})
    assert (await client.receive_json_from())["type"] == "snapshot"
    await client.disconnect()


async def test_a_script_without_origin_opens_its_portfolio_with_a_ticket(owner) -> None:  # type: ignore[no-untyped-def]
    portfolio = await database_sync_to_async(portfolio_holding)(owner, {"FPT": (10, "110000")})
    expires_at = datetime.now(tz=UTC) + timedelta(minutes=5)
    ticket = await database_sync_to_async(ticket_issue)(user_id=owner.pk, expires_at=expires_at)
    client = communicator(f"/ws/portfolio/{portfolio.pk}/?ticket={ticket}", origin=False)
    assert (await client.connect())[0]
    assert (await client.receive_json_from())["type"] == "valuation"
    await client.disconnect()


async def test_an_anonymous_client_without_origin_gets_4401(owner) -> None:  # type: ignore[no-untyped-def]
    client = communicator("/ws/market/", origin=False)
    assert (await client.connect())[0]
    assert await closed_with(client) == 4401
    await client.disconnect()


async def test_a_browser_with_a_foreign_origin_is_refused_even_with_a_jwt(owner) -> None:  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(owner)))()
    client = communicator("/ws/market/", origin=False, subprotocols=["jwt", token])
    client.scope["headers"] = [(b"origin", b"https://evil.example")]
    connected, _ = await client.connect()
    assert not connected


async def test_a_browser_on_an_allowed_host_may_stay_anonymous(owner) -> None:  # type: ignore[no-untyped-def]
    client = communicator("/ws/market/")  # Origin: http://localhost
    assert (await client.connect())[0]
    await client.send_json_to({"action": "ping"})
    assert await client.receive_json_from() == {"type": "pong"}
    await client.disconnect()
