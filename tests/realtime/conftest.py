"""Websocket test plumbing: a communicator through the real ASGI application and Redis layer."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from portfolio_site.asgi import application
from portfolio_site.redis_client import get_redis
from tests.security.limits import RateLimits, rate_limits_enabled

ORIGIN = (b"origin", b"http://localhost")
# Generous waits: other suites may load the machine. A wait only bounds how long a failure takes.
WAIT = 10.0


class Client(WebsocketCommunicator):
    """``WebsocketCommunicator`` with waits long enough for a loaded CI machine."""

    async def connect(self, timeout: float = WAIT) -> tuple[bool, Any]:
        return await super().connect(timeout)

    async def receive_from(self, timeout: float = WAIT) -> Any:
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout: float = WAIT) -> Any:
        return await super().receive_json_from(timeout)

    async def receive_output(self, timeout: float = WAIT) -> Any:
        return await super().receive_output(timeout)


_addresses = itertools.count(1)


def communicator(
    path: str,
    *,
    subprotocols: list[str] | None = None,
    client_ip: str | None = None,
    origin: bool = True,
) -> Client:
    """A client of ``portfolio_site.asgi.application``; each gets its own address by default."""
    number = next(_addresses)
    address = client_ip or f"10.1.{number // 250}.{number % 250 + 1}"

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await application({**scope, "client": (address, 50000)}, receive, send)

    return Client(app, path, headers=[ORIGIN] if origin else [], subprotocols=subprotocols)


async def receive_type(client: WebsocketCommunicator, kind: str, timeout: float = WAIT) -> dict:
    """The next message of type ``kind``, skipping others (e.g. valuations around an alert)."""
    while True:
        message = await client.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


async def closed_with(client: WebsocketCommunicator, timeout: float = WAIT) -> int:
    output = await client.receive_output(timeout=timeout)
    assert output["type"] == "websocket.close", output
    return int(output.get("code", 1000))


def asgi_keys(pattern: str = "*") -> list[bytes]:
    """Redis keys the channel layer stores (the PubSub layer should store none)."""
    return list(get_redis().scan_iter(f"{settings.REDIS_KEY_PREFIX}:asgi{pattern}"))


def subscribed_groups() -> set[str]:
    """Groups some process currently listens to (the PubSub layer's Redis subscriptions)."""
    prefix = f"{settings.REDIS_KEY_PREFIX}:asgi__group__"
    names = get_redis().pubsub_channels(f"{prefix}*")
    return {name.decode()[len(prefix) :] for name in names}


async def groups_become(expected: set[str], timeout: float = WAIT) -> set[str]:
    """Poll until the subscribed groups equal ``expected`` (SUBSCRIBE/UNSUBSCRIBE are async)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (current := subscribed_groups()) != expected:
        if asyncio.get_running_loop().time() > deadline:
            return current
        await asyncio.sleep(0.02)
    return current


@pytest.fixture(autouse=True, scope="session")
def _delete_our_redis_keys() -> Iterator[None]:
    yield
    client = get_redis()
    for key in client.scan_iter(f"{settings.REDIS_KEY_PREFIX}:*"):
        client.delete(key)


@pytest.fixture
def rate_limits(settings: Any) -> Iterator[RateLimits]:
    """The websocket limiter switched on (it is off under pytest, like the API's), own key space."""
    with rate_limits_enabled(settings) as limits:
        yield limits
