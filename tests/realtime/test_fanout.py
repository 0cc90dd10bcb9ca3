"""The process-local ticker hub (realtime/fanout.py) and the market stream's snapshot-then-ticks order."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer

from realtime import consumers
from realtime.broadcast import publish_ticks
from realtime.fanout import TickerHub, hub_for
from tests.realtime.builders import instrument_with_quote, tick
from tests.realtime.conftest import communicator, groups_become


class Recorder:
    def __init__(self, *, fail: bool = False) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail = fail

    async def on_ticks(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        if self.fail:
            raise RuntimeError("a broken subscriber")


def tick_event(symbol: str, seq: int) -> dict[str, Any]:
    return {"type": "tick.message", "symbol": symbol, "ticks": [{"seq": seq, "price": "1000"}]}


async def eventually(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_the_hub_joins_each_group_once_and_hands_every_event_to_each_subscriber() -> None:
    layer = InMemoryChannelLayer()
    hub = TickerHub(layer)
    broken, first, second = Recorder(fail=True), Recorder(), Recorder()
    # given three local subscribers of FPT (one of them raises) and one of VNM
    await hub.add({"FPT"}, broken)
    await hub.add({"FPT", "VNM"}, first)
    await hub.add({"FPT"}, second)
    # then the process is ONE member of each ticker group, whatever the number of subscribers
    assert layer.groups["ticker.FPT"].keys() == {hub.channel}
    assert layer.groups["ticker.VNM"].keys() == {hub.channel}
    # when events arrive, including one of another type
    await layer.group_send("ticker.FPT", tick_event("FPT", 1))
    await layer.group_send("ticker.FPT", {"type": "portfolio.changed"})
    await layer.group_send("ticker.VNM", tick_event("VNM", 1))
    await layer.group_send("ticker.FPT", tick_event("FPT", 2))
    await eventually(lambda: len(second.events) == 2 and len(first.events) == 3)
    # then each subscriber got its symbols' tick events, in order, the same object for all
    assert [(e["symbol"], e["ticks"][0]["seq"]) for e in first.events] == [
        ("FPT", 1), ("VNM", 1), ("FPT", 2),
    ]  # fmt: skip
    assert [e["ticks"][0]["seq"] for e in second.events] == [1, 2]
    assert second.events[0] is first.events[0]
    assert len(broken.events) == 2  # a failing subscriber neither stops the hub nor the others
    # when subscribers leave, the group is left with the last one
    await hub.discard({"FPT"}, first)
    await hub.discard({"FPT"}, second)
    assert "ticker.FPT" in layer.groups
    await hub.discard({"FPT", "VNM"}, broken)
    assert "ticker.FPT" not in layer.groups
    assert "ticker.VNM" in layer.groups  # `first` still follows VNM
    await hub.close()


async def test_there_is_one_hub_per_event_loop_and_layer() -> None:
    layer, other = InMemoryChannelLayer(), InMemoryChannelLayer()
    assert hub_for(layer) is hub_for(layer)
    assert hub_for(layer) is not hub_for(other)


@pytest.mark.django_db(transaction=True)
async def test_ticks_that_arrive_while_the_snapshot_is_read_follow_the_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asgiref.sync import sync_to_async

    await sync_to_async(instrument_with_quote)("FPT", price="120000", reference="120000")
    read_snapshot = consumers.snapshot_quotes

    def slow_snapshot(*, symbols: list[str]) -> list[dict[str, Any]]:
        # the snapshot is read (no ticks yet), then two ticks are published before it is sent
        quotes = read_snapshot(symbols=symbols)
        publish_ticks([tick("FPT", 1, "120100"), tick("FPT", 2, "120200")])
        time.sleep(0.5)  # the hub delivers them to the subscribing consumer meanwhile
        return quotes

    monkeypatch.setattr(consumers, "snapshot_quotes", slow_snapshot)
    client = communicator("/ws/market/")
    assert (await client.connect())[0]
    # when a client subscribes and ticks are published while its snapshot is on the way
    await client.send_json_to({"action": "subscribe", "symbols": ["FPT"]})
    # then it gets the snapshot first, then the ticks in seq order, nothing twice
    snapshot = await client.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert [
        (m["type"], m["seq"]) for m in [await client.receive_json_from() for _ in range(2)]
    ] == [
        ("tick", 1),
        ("tick", 2),
    ]
    assert await client.receive_nothing(timeout=0.3)
    # and when it leaves, the process leaves the ticker group
    await client.disconnect()
    assert await groups_become(set()) == set()
