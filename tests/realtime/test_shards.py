"""The channel layer sharded over two real Redis servers (``CHANNEL_REDIS_URLS``), in one process.

Each group lives on the shard channels-redis hashes it to, a batch is one pipeline per shard, and
losing a shard loses only its groups' messages: they flow again once it is back (same port), and
consumers can still connect and follow symbols meanwhile. The same across real web processes:
tests/e2e/test_channel_shards.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from channels_redis.utils import _consistent_hash
from redis.asyncio.client import Pipeline

from realtime.broadcast import TICK_EVENT, ticker_group
from realtime.fanout import TickerHub
from realtime.layers import BoundedPubSubChannelLayer, ShardsUnavailable
from tests.redis_servers import RedisServer

ROOT = Path(__file__).resolve().parents[2]
SYMBOLS = [f"S{number:02d}" for number in range(16)]
RECOVERY = 10.0  # bound only: the layer retries every 0.5 s


def sharded_layer(servers: list[RedisServer]) -> BoundedPubSubChannelLayer:
    return BoundedPubSubChannelLayer(
        hosts=[{"address": server.url, "socket_connect_timeout": 1} for server in servers],
        prefix=f"t{uuid.uuid4().hex[:8]}",
        capacity=100,
    )


def shard_of(layer: BoundedPubSubChannelLayer, name: str, *, group: bool = True) -> int:
    """The shard channels-redis hashes a group (or a channel) to."""
    prefix = layer._kwargs["prefix"]
    return _consistent_hash(f"{prefix}__group__{name}" if group else name, 2)


def tick(symbol: str, seq: int) -> tuple[str, dict[str, Any]]:
    return ticker_group(symbol), {"type": TICK_EVENT, "symbol": symbol, "seq": seq}


def publishes(server: RedisServer) -> int:
    stats = server.client().info("commandstats")
    return int(stats.get("cmdstat_publish", {}).get("calls", 0))


async def joined(layer: BoundedPubSubChannelLayer) -> dict[str, str]:
    """One consumer channel per symbol, in its ticker group."""
    channels = {}
    for symbol in SYMBOLS:
        channels[symbol] = await layer.new_channel()
        await layer.group_add(ticker_group(symbol), channels[symbol])
    return channels


async def test_groups_live_on_their_shard_and_a_batch_is_one_pipeline_per_shard(
    redis_shards: list[RedisServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given consumers of 16 ticker groups on a layer over two servers
    layer = sharded_layer(redis_shards)
    where = {symbol: shard_of(layer, ticker_group(symbol)) for symbol in SYMBOLS}
    assert set(where.values()) == {0, 1}, where  # the groups hash to both shards
    channels = await joined(layer)
    prefix = layer._kwargs["prefix"]
    for index, server in enumerate(redis_shards):
        subscribed = {
            name.decode() for name in server.client().pubsub_channels(f"{prefix}__group__*")
        }
        assert subscribed == {
            f"{prefix}__group__{ticker_group(s)}" for s in SYMBOLS if where[s] == index
        }
    pipelines: list[int] = []
    execute = Pipeline.execute

    async def counted(self: Pipeline, *args: Any, **kwargs: Any) -> Any:
        pipelines.append(self.connection_pool.connection_kwargs["port"])
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", counted)
    before = [publishes(server) for server in redis_shards]
    # when one batch with a tick for every symbol is sent
    await layer.group_send_many([tick(symbol, 1) for symbol in SYMBOLS])
    # then it went out as one pipeline to each shard, each PUBLISH to its group's shard
    assert sorted(pipelines) == sorted(server.port for server in redis_shards)
    for index, server in enumerate(redis_shards):
        expected = sum(1 for symbol in SYMBOLS if where[symbol] == index)
        assert publishes(server) - before[index] == expected
    # and every consumer got its own group's tick
    for symbol, channel in channels.items():
        message = await asyncio.wait_for(layer.receive(channel), 10)
        assert (message["symbol"], message["seq"]) == (symbol, 1)
    await layer.flush()


async def test_a_dead_shard_loses_only_its_groups_and_they_deliver_again_when_it_returns(
    redis_shards: list[RedisServer],
) -> None:
    # given consumers of groups on both shards, each having received a first tick
    layer = sharded_layer(redis_shards)
    channels = await joined(layer)
    await layer.group_send_many([tick(symbol, 1) for symbol in SYMBOLS])
    for channel in channels.values():
        assert (await asyncio.wait_for(layer.receive(channel), 10))["seq"] == 1
    on_dead = [symbol for symbol in SYMBOLS if shard_of(layer, ticker_group(symbol)) == 1]
    on_live = [symbol for symbol in SYMBOLS if symbol not in on_dead]
    # when shard 1 dies and a batch for every symbol is sent
    redis_shards[1].kill()
    with pytest.raises(ShardsUnavailable) as raised:
        await layer.group_send_many([tick(symbol, 2) for symbol in SYMBOLS])
    # then only shard 1's part failed; shard 0's groups got their tick
    assert (raised.value.failed, raised.value.total) == (len(on_dead), len(SYMBOLS))
    for symbol in on_live:
        assert (await asyncio.wait_for(layer.receive(channels[symbol]), 10))["seq"] == 2
    # when shard 1 is back on the same port
    redis_shards[1].start()
    restarted = time.monotonic()
    waiting = {symbol: asyncio.create_task(layer.receive(channels[symbol])) for symbol in on_dead}
    seq = 3
    while not all(task.done() for task in waiting.values()):
        assert time.monotonic() - restarted < RECOVERY, "shard 1's groups did not come back"
        with contextlib.suppress(ShardsUnavailable):  # the publisher's connection is not back yet
            await layer.group_send_many([tick(symbol, seq) for symbol in SYMBOLS])
        seq += 1
        await asyncio.wait(waiting.values(), timeout=0.25)
    # then its groups deliver again, without re-joining (the tick sent while it was down is lost)
    for task in waiting.values():
        assert task.result()["seq"] >= 3
    await layer.flush()


async def test_the_first_publish_after_a_shard_restarts_is_sent(
    redis_shards: list[RedisServer],
) -> None:
    # given a publisher whose pooled connection to shard 1 was used before shard 1 restarted
    layer = sharded_layer(redis_shards)
    symbol = next(s for s in SYMBOLS if shard_of(layer, ticker_group(s)) == 1)
    await layer.group_send_many([tick(symbol, 1)])
    redis_shards[1].kill()
    redis_shards[1].start()
    before = publishes(redis_shards[1])
    # when it publishes again: the dropped connection is replaced, the batch is not lost
    await layer.group_send_many([tick(symbol, 2)])
    assert publishes(redis_shards[1]) == before + 1
    await layer.flush()


async def test_new_consumers_get_a_channel_on_a_shard_that_answers(
    redis_shards: list[RedisServer],
) -> None:
    layer = sharded_layer(redis_shards)
    redis_shards[0].kill()
    names = [await layer.new_channel() for _ in range(12)]
    assert {shard_of(layer, name, group=False) for name in names} == {1}
    await layer.send(names[0], {"type": "health.ping"})
    assert (await asyncio.wait_for(layer.receive(names[0]), 10))["type"] == "health.ping"
    await layer.flush()


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def on_ticks(self, event: dict[str, Any]) -> None:
        self.events.append(event)


async def test_the_hub_follows_symbols_of_a_dead_shard_and_joins_them_when_it_returns(
    redis_shards: list[RedisServer],
) -> None:
    # given a shard that is down when a subscriber follows every symbol
    layer = sharded_layer(redis_shards)
    hub = TickerHub(layer)
    redis_shards[1].kill()
    subscriber = Recorder()
    await hub.add(SYMBOLS, subscriber)  # does not raise
    on_dead = {symbol for symbol in SYMBOLS if shard_of(layer, ticker_group(symbol)) == 1}
    assert hub.unjoined == on_dead
    # the live shard's symbols tick at once
    await layer.group_send_many([tick(symbol, 1) for symbol in SYMBOLS if symbol not in on_dead])
    deadline = time.monotonic() + RECOVERY
    while len(subscriber.events) < len(SYMBOLS) - len(on_dead):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    # when the shard comes back, the hub joins its groups and their ticks arrive
    redis_shards[1].start()
    seq = 2
    while not on_dead <= {event["symbol"] for event in subscriber.events}:
        assert time.monotonic() < deadline + RECOVERY, hub.unjoined
        with contextlib.suppress(ShardsUnavailable):
            await layer.group_send_many([tick(symbol, seq) for symbol in sorted(on_dead)])
        seq += 1
        await asyncio.sleep(0.25)
    assert hub.unjoined == set()
    await hub.discard(SYMBOLS, subscriber)
    await hub.close()
    await layer.flush()


def test_the_channels_redis_internals_the_layer_relies_on_are_there() -> None:
    """realtime/layers.py subclasses channels-redis internals: a new version must be checked."""
    import channels_redis
    from channels_redis.pubsub import RedisPubSubLoopLayer, RedisSingleShardConnection

    pinned = re.search(
        r"^channels-redis==(\S+)$", (ROOT / "requirements" / "base.txt").read_text(), re.M
    )
    assert pinned is not None
    assert channels_redis.__version__ == pinned.group(1)
    for name in ("_get_shard", "_get_group_channel_name", "_subscribe_to_channel"):
        assert callable(getattr(RedisPubSubLoopLayer, name))
    for name in ("_do_receiving", "_receive_message", "_ensure_redis", "_ensure_receiver"):
        assert callable(getattr(RedisSingleShardConnection, name))
