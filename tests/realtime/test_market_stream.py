"""The /ws/market/ stream through the real ASGI application and the real Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from realtime.broadcast import publish_ticks
from tests.realtime.builders import instrument_with_quote, tick
from tests.realtime.conftest import asgi_keys, closed_with, communicator, groups_become

pytestmark = pytest.mark.django_db(transaction=True)

QUOTE_FIELDS = {
    "symbol", "name", "exchange", "type", "foreign_buy", "foreign_sell", "price", "reference_price", "ceiling_price", "floor_price", "open", "high", "low",
    "change", "change_pct", "volume", "value", "bids", "asks", "as_of", "stale", "age_seconds",
    "source", "seq",
}  # fmt: skip


@pytest.fixture
def vn30_trio(transactional_db) -> list[str]:  # type: ignore[no-untyped-def]
    for symbol, price in (("FPT", "120000"), ("VNM", "65000"), ("HPG", "27000")):
        instrument_with_quote(symbol, price=price, reference=price)
    return ["FPT", "VNM", "HPG"]


async def publish(ticks: list[dict]) -> None:
    await sync_to_async(publish_ticks, thread_sensitive=False)(ticks)


async def open_market(**kwargs):  # type: ignore[no-untyped-def]
    client = communicator("/ws/market/", **kwargs)
    connected, _ = await client.connect()
    assert connected
    return client


async def assert_still_open(client) -> None:  # type: ignore[no-untyped-def]
    await client.send_json_to({"action": "ping"})
    assert await client.receive_json_from() == {"type": "pong"}


async def test_anonymous_client_pings_and_gets_pong(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    client = await open_market()
    await assert_still_open(client)
    await client.disconnect()


async def test_subscribe_sends_a_snapshot_then_ticks_in_seq_order(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    # given a subscriber to three symbols
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": ["fpt", "VNM", "HPG"]})
    snapshot = await client.receive_json_from()
    # then the snapshot has every current quote with the REST quote fields
    assert snapshot["type"] == "snapshot"
    assert snapshot["subscribed"] == ["FPT", "HPG", "VNM"]
    assert [q["symbol"] for q in snapshot["quotes"]] == ["FPT", "HPG", "VNM"]
    fpt = snapshot["quotes"][0]
    assert set(fpt) == QUOTE_FIELDS
    assert fpt["price"] == "120000"
    assert fpt["seq"] is None
    assert fpt["stale"] is True

    # when the worker publishes one batch with two FPT ticks (out of order) and one VNM tick
    await publish([tick("FPT", 2, "120200"), tick("VNM", 1, "65100"), tick("FPT", 1, "120100")])

    # then the client gets each tick as its own message, FPT in seq order
    received = [await client.receive_json_from() for _ in range(3)]
    fpt_ticks = [m for m in received if m["symbol"] == "FPT"]
    assert [(m["seq"], m["price"]) for m in fpt_ticks] == [(1, "120100"), (2, "120200")]
    vnm = next(m for m in received if m["symbol"] == "VNM")
    assert vnm == {
        "type": "tick", "symbol": "VNM", "price": "65100", "change": "0", "change_pct": "0.00",
        "volume": 100, "ts": "2025-03-03T03:00:01Z", "seq": 1, "source": "simulated",
    }  # fmt: skip
    await client.disconnect()


async def test_unsubscribe_stops_that_symbol_only(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT", "VNM"]})
    await client.receive_json_from()
    await client.send_json_to({"action": "unsubscribe", "symbols": ["FPT", "HPG"]})
    assert await client.receive_json_from() == {
        "type": "unsubscribed",
        "symbols": ["FPT"],
        "subscribed": ["VNM"],
    }
    # when FPT ticks (one batch) and then VNM ticks (a later batch)
    await publish([tick("FPT", 1, "120100")])
    await publish([tick("VNM", 1, "65100")])
    # then the first thing the client sees is the VNM tick: the FPT one never came
    message = await client.receive_json_from()
    assert (message["type"], message["symbol"]) == ("tick", "VNM")
    await client.disconnect()


async def test_duplicate_ticks_are_skipped_and_a_gap_shows_as_a_seq_jump(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT"]})
    await client.receive_json_from()
    await publish([tick("FPT", 1, "120100"), tick("FPT", 2, "120200")])
    await publish([tick("FPT", 2, "120200"), tick("FPT", 5, "120500")])  # a replay, then a gap
    seqs = [(await client.receive_json_from())["seq"] for _ in range(3)]
    assert seqs == [1, 2, 5]
    await assert_still_open(client)
    await client.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"action": "dance"}', "unknown_action"),
        ('{"symbols": ["FPT"]}', "unknown_action"),
        ('{"action": "subscribe"}', "invalid_message"),
        ('{"action": "subscribe", "symbols": "FPT"}', "invalid_message"),
        ('{"action": "subscribe", "symbols": []}', "invalid_message"),
        ('{"action": "subscribe", "symbols": [1]}', "invalid_message"),
        ('{"action": "unsubscribe", "symbols": null}', "invalid_message"),
        ('{"action": "subscribe", "symbols": ["NOPE1"]}', "unknown_symbol"),
        ('{"action": "subscribe", "symbols": ["../x"]}', "unknown_symbol"),
        ('{"action": "ping", "pad": "' + "x" * 20000 + '"}', "message_too_large"),
    ],
)
async def test_bad_messages_get_an_error_and_the_connection_stays_open(  # type: ignore[no-untyped-def]
    vn30_trio, frame, code
) -> None:
    client = await open_market()
    await client.send_to(text_data=frame)
    error = await client.receive_json_from()
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    await assert_still_open(client)
    await client.disconnect()


async def test_binary_frames_are_refused_without_closing(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    client = await open_market()
    await client.send_to(bytes_data=b'{"action": "ping"}')
    assert (await client.receive_json_from())["code"] == "invalid_json"
    await assert_still_open(client)
    await client.disconnect()


async def test_unknown_symbols_are_reported_while_known_ones_subscribe(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT", "ZZZ9"]})
    error = await client.receive_json_from()
    assert error["code"] == "unknown_symbol"
    assert error["symbols"] == ["ZZZ9"]
    snapshot = await client.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert snapshot["subscribed"] == ["FPT"]
    await client.disconnect()


async def test_symbol_cap_refuses_the_whole_request_that_would_exceed_it(
    vn30_trio, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.WS_MAX_SYMBOLS = 2
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT"]})
    await client.receive_json_from()
    await client.send_json_to({"action": "subscribe", "symbols": ["VNM", "HPG"]})
    error = await client.receive_json_from()
    assert error["code"] == "symbol_limit"
    assert error["limit"] == 2
    # the connection is untouched: still one symbol, and one more fits
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT", "VNM"]})
    snapshot = await client.receive_json_from()
    assert snapshot["subscribed"] == ["FPT", "VNM"]
    await client.send_json_to({"action": "subscribe", "symbols": ["HPG"]})
    assert (await client.receive_json_from())["code"] == "symbol_limit"
    await client.disconnect()


async def test_the_default_cap_is_two_hundred_symbols(vn30_trio, settings) -> None:  # type: ignore[no-untyped-def]
    assert settings.WS_MAX_SYMBOLS == 200
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": [f"S{i}" for i in range(201)]})
    error = await client.receive_json_from()
    assert error["code"] == "symbol_limit"
    assert error["limit"] == 200
    await assert_still_open(client)
    await client.disconnect()


async def test_too_many_messages_are_answered_with_rate_limited(vn30_trio, rate_limits) -> None:  # type: ignore[no-untyped-def]
    rate_limits.set(ws_message="3/10s")
    client = await open_market()
    for _ in range(3):
        await client.send_json_to({"action": "ping"})
        assert (await client.receive_json_from())["type"] == "pong"
    await client.send_json_to({"action": "ping"})
    error = await client.receive_json_from()
    assert error["code"] == "rate_limited"
    assert int(error["retry_after"]) >= 1
    await client.disconnect()


async def test_too_many_connects_from_one_address_are_closed_with_4429(
    vn30_trio, rate_limits
) -> None:  # type: ignore[no-untyped-def]
    rate_limits.set(ws_connect="2/min")
    first = await open_market(client_ip="192.0.2.77")
    second = await open_market(client_ip="192.0.2.77")
    for client in (first, second):  # their connect handlers (and limiter hits) are done
        await assert_still_open(client)
    third = communicator("/ws/market/", client_ip="192.0.2.77")
    assert (await third.connect())[0]
    assert await closed_with(third) == 4429
    other = await open_market(client_ip="192.0.2.78")
    await assert_still_open(other)
    for client in (first, second, third, other):
        await client.disconnect()


async def test_a_foreign_origin_is_refused(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    client = communicator("/ws/market/", origin=False)
    client.scope["headers"] = [(b"origin", b"https://evil.example")]
    connected, _ = await client.connect()
    assert not connected


async def test_subscribe_unsubscribe_cycles_and_disconnect_leave_no_groups(
    vn30_trio,
) -> None:  # type: ignore[no-untyped-def]
    client = await open_market()
    for _ in range(50):
        await client.send_json_to({"action": "subscribe", "symbols": ["FPT", "VNM"]})
        assert (await client.receive_json_from())["type"] == "snapshot"
        await client.send_json_to({"action": "unsubscribe", "symbols": ["FPT", "VNM"]})
        assert (await client.receive_json_from())["type"] == "unsubscribed"
    assert await groups_become(set()) == set()
    await client.send_json_to({"action": "subscribe", "symbols": ["HPG"]})
    await client.receive_json_from()
    assert await groups_become({"ticker.HPG"}) == {"ticker.HPG"}
    await client.disconnect()
    assert await groups_become(set()) == set()
    assert asgi_keys() == []


async def test_snapshot_carries_the_latest_stored_tick_seq(vn30_trio) -> None:  # type: ignore[no-untyped-def]
    from market.models import Instrument, Tick
    from tests.realtime.builders import AS_OF

    def store() -> None:
        fpt = Instrument.objects.get(symbol="FPT")
        for seq in (1, 2, 3):
            Tick.objects.create(
                instrument=fpt, seq=seq, time=AS_OF, price=120000, volume=10, source="simulated"
            )

    await database_sync_to_async(store)()
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT"]})
    snapshot = await client.receive_json_from()
    assert snapshot["quotes"][0]["seq"] == 3
    # ticks the snapshot already reflects are not sent again
    await publish([tick("FPT", 3, "120000"), tick("FPT", 4, "120100")])
    assert (await client.receive_json_from())["seq"] == 4
    await client.disconnect()
