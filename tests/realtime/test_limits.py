"""Open-connection caps per user and per address (realtime/limits.py), through the real ASGI app.

Leases live in the test's own Redis key space (the ``rate_limits`` fixture switches the limiter on).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from portfolio_site.redis_client import get_redis
from realtime import limits
from tests.factories import UserFactory
from tests.realtime.builders import instrument_with_quote
from tests.realtime.conftest import Client, closed_with, communicator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fpt(transactional_db):  # type: ignore[no-untyped-def]
    return instrument_with_quote("FPT", price="120000", reference="118000")


async def token_for(user: Any) -> str:
    return await database_sync_to_async(lambda: str(AccessToken.for_user(user)))()


async def open_market(*, client_ip: str | None = None, token: str | None = None) -> Client:
    subprotocols = ["jwt", token] if token else None
    client = communicator("/ws/market/", client_ip=client_ip, subprotocols=subprotocols)
    connected, _ = await client.connect()
    assert connected
    await client.send_json_to({"action": "ping"})  # the connect handler (and its lease) is done
    assert await client.receive_json_from() == {"type": "pong"}
    return client


async def refused_with(*, client_ip: str | None = None, token: str | None = None) -> int:
    subprotocols = ["jwt", token] if token else None
    client = communicator("/ws/market/", client_ip=client_ip, subprotocols=subprotocols)
    assert (await client.connect())[0]
    code = await closed_with(client)
    await client.disconnect()
    return code


def lease_members(identity: str) -> set[str]:
    key = f"{settings.RATE_LIMIT_KEY_PREFIX}:ws_open:{identity}"
    return {member.decode() for member in get_redis().zrange(key, 0, -1)}


async def test_open_connections_per_user_are_capped_with_4429(fpt, rate_limits, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WS_MAX_CONNECTIONS_PER_USER = 2
    user = await database_sync_to_async(UserFactory)()
    token = await token_for(user)
    # Given two open streams of one user, from two addresses
    first = await open_market(client_ip="192.0.2.1", token=token)
    second = await open_market(client_ip="192.0.2.2", token=token)
    # When a third opens, from a third address, Then it is closed with 4429
    assert await refused_with(client_ip="192.0.2.3", token=token) == 4429
    # another user is not affected
    other = await open_market(
        client_ip="192.0.2.3", token=await token_for(await database_sync_to_async(UserFactory)())
    )
    # and closing one stream frees its place
    await first.disconnect()
    third = await open_market(client_ip="192.0.2.3", token=token)
    for client in (second, other, third):
        await client.disconnect()
    assert lease_members(f"user:{user.pk}") == set()


async def test_open_connections_per_address_are_capped_with_4429(
    fpt, rate_limits, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WS_MAX_CONNECTIONS_PER_ADDRESS = 2
    first = await open_market(client_ip="198.51.100.9")
    second = await open_market(client_ip="198.51.100.9")
    assert await refused_with(client_ip="198.51.100.9") == 4429
    elsewhere = await open_market(client_ip="198.51.100.10")
    await second.disconnect()
    again = await open_market(client_ip="198.51.100.9")
    for client in (first, elsewhere, again):
        await client.disconnect()
    assert lease_members("ip:198.51.100.9") == set()


async def test_the_leases_of_a_process_that_died_lapse(fpt, rate_limits, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WS_MAX_CONNECTIONS_PER_ADDRESS = 2
    # Given two connections of a web process that was killed: leases taken, never renewed or released
    for name in ("dead-process!a", "dead-process!b"):
        taken = await limits.connection_open(connection=name, client_ip="203.0.113.5", user_id=None)
        assert taken is not None
        assert taken.keys
    assert await refused_with(client_ip="203.0.113.5") == 4429
    # When their lease period has passed (their expiry moved to the past, as time would)
    key = f"{settings.RATE_LIMIT_KEY_PREFIX}:ws_open:ip:203.0.113.5"
    past = int(time.time() * 1000) - 1
    get_redis().zadd(key, {"dead-process!a": past, "dead-process!b": past})
    # Then they no longer count, and are dropped
    client = await open_market(client_ip="203.0.113.5")
    members = lease_members("ip:203.0.113.5")
    assert len(members) == 1
    assert not members & {"dead-process!a", "dead-process!b"}
    await client.disconnect()


async def test_a_live_connection_renews_its_lease(fpt, rate_limits, settings) -> None:  # type: ignore[no-untyped-def]
    leases = await limits.connection_open(connection="live!1", client_ip="203.0.113.6", user_id=7)
    assert leases is not None
    assert len(leases.keys) == 2
    redis = get_redis()
    before = [redis.zscore(key, "live!1") for key in leases.keys]
    assert all(score and score > time.time() * 1000 for score in before)
    redis.zadd(leases.keys[0], {"live!1": 1})  # an old expiry
    await limits.connection_renew(leases)
    assert redis.zscore(leases.keys[0], "live!1") >= before[0]  # type: ignore[operator]
    assert redis.pttl(leases.keys[0]) > 0
    await limits.connection_close(leases)
    assert all(redis.zscore(key, "live!1") is None for key in leases.keys)
    assert leases.renew_every == settings.WS_CONNECTION_LEASE_SECONDS / 3


async def test_caps_are_off_with_the_rate_limiter(fpt, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WS_MAX_CONNECTIONS_PER_ADDRESS = 1
    clients = [await open_market(client_ip="203.0.113.7") for _ in range(3)]
    for client in clients:
        await client.disconnect()
