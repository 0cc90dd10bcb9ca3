"""Random bytes and random JSON at both websocket endpoints, through the real ASGI application.

A consumer that raised would surface here as the exception (the communicator re-raises what the
application raised) or as a close with 1011; neither may happen. The market stream answers every
text frame with exactly one message (an error for nonsense); the portfolio stream is push-only and
ignores nonsense. Both must still answer a ping after the barrage.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from channels.db import database_sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import AccessToken

from tests.factories import UserFactory
from tests.realtime.builders import instrument_with_quote, portfolio_holding
from tests.realtime.conftest import communicator, receive_type

pytestmark = [pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

REPLIES = {"error", "pong", "snapshot", "unsubscribed"}
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
# Mostly messages that look like the protocol, so the parsing past the JSON layer is exercised.
protocol_like = st.fixed_dictionaries(
    {
        "action": st.sampled_from(["subscribe", "unsubscribe", "ping", "SUBSCRIBE", ""])
        | json_values
    },
    optional={
        "symbols": st.lists(st.sampled_from(["FPT", "fpt", " VNM ", "NOPE", "", "FPT\x00"]))
        | st.lists(st.text(max_size=25), max_size=60)
        | json_values
    },
)


def oversized() -> tuple[str, str]:
    """A frame over the 16 KiB message limit."""
    return ("text", "x" * 20_000)


frames = st.one_of(
    st.binary(min_size=1, max_size=300).map(lambda data: ("bytes", data)),
    st.text(min_size=1, max_size=300).map(lambda text: ("text", text)),
    json_values.map(lambda value: ("text", json.dumps(value))),
    protocol_like.map(lambda value: ("text", json.dumps(value))),
    st.builds(oversized),
)


barrages = st.lists(frames, min_size=1, max_size=15)


async def send(client: Any, frame: tuple[str, Any]) -> None:
    kind, payload = frame
    if kind == "bytes":
        await client.send_to(bytes_data=payload)
    else:
        await client.send_to(text_data=payload)


@pytest.fixture
def market(transactional_db: Any) -> None:
    instrument_with_quote("FPT")
    instrument_with_quote("VNM", price="65000", reference="65000")


@given(barrage=barrages)
@FUZZ
async def test_market_stream_answers_every_frame_and_survives(market: None, barrage: list) -> None:
    client = communicator("/ws/market/")
    connected, _ = await client.connect()
    assert connected
    try:
        for frame in barrage:
            await send(client, frame)
            reply = orjson.loads(await client.receive_from())
            assert reply["type"] in REPLIES, reply
            if reply["type"] == "error":
                assert isinstance(reply["code"], str)
                assert isinstance(reply["message"], str)
        await client.send_json_to({"action": "ping"})
        assert (await receive_type(client, "pong"))["type"] == "pong"
        assert await client.receive_nothing(timeout=0.05)
    finally:
        await client.disconnect()


@pytest.fixture
def owned(transactional_db: Any) -> tuple[Any, Any]:
    instrument_with_quote("FPT", price="120000", reference="118000")
    owner = UserFactory()
    return owner, portfolio_holding(owner, {"FPT": (100, "110000")}, cash="1000000")


@given(barrage=barrages)
@FUZZ
async def test_portfolio_stream_ignores_nonsense_and_survives(
    owned: tuple[Any, Any], barrage: list
) -> None:
    owner, portfolio = owned
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(owner)))()
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    connected, _ = await client.connect()
    assert connected
    try:
        assert (await receive_type(client, "valuation"))["type"] == "valuation"
        for frame in barrage:
            await send(client, frame)
        await client.send_json_to({"action": "ping"})
        assert (await receive_type(client, "pong"))["type"] == "pong"
    finally:
        await client.disconnect()
