"""The channel layer: channels-redis PubSub with a bounded queue per consumer.

Chosen by measurement (``bench/channel_layer.py``, numbers in the README): on our workload the PubSub
layer delivers ticks in tens of milliseconds where the core layer takes hundreds to thousands under
fan-out, and a ``group_send`` is one ``PUBLISH``. Its one flaw for us: each consumer's in-process
queue is an unbounded ``asyncio.Queue``, so a consumer that stops draining would grow memory without
limit. ``BoundedPubSubChannelLayer`` gives every consumer a queue of ``capacity`` messages that drops
the OLDEST message when full -- the client sees that as a ``seq`` gap and refetches -- and counts
the drops, logging a summary at most once a minute.

It relies on internals of channels-redis 4.x (``RedisPubSubChannelLayer._get_layer``,
``RedisPubSubLoopLayer._subscribe_to_channel``, and the shards' ``_lock``/``_redis``/``host`` for
``group_send_many``, ``RedisSingleShardConnection._receive_message`` to decode a group message once for all local
consumers); tests/realtime/test_layers.py pins the behaviour.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close

logger = logging.getLogger(__name__)

_REPORT_EVERY_SECONDS = 60.0


class DropCounter:
    """Messages dropped for slow consumers in this process; logs a summary at most once a minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self._unreported = 0
        self._last_report = 0.0

    def add(self, *, capacity: int) -> None:
        with self._lock:
            self.total += 1
            self._unreported += 1
            now = time.monotonic()
            if now - self._last_report < _REPORT_EVERY_SECONDS:
                return
            count, self._unreported, self._last_report = self._unreported, 0, now
        logger.warning(
            "realtime: dropped %d message(s) for consumers more than %d messages behind "
            "(%d in total since start)",
            count,
            capacity,
            self.total,
        )


dropped = DropCounter()


class DroppingQueue(asyncio.Queue[Any]):
    """A bounded queue that makes room by dropping its oldest item (never blocks the reader loop)."""

    def __init__(self, capacity: int) -> None:
        super().__init__(maxsize=capacity)
        self.capacity = capacity

    def put_nowait(self, item: Any) -> None:
        if self.full():
            self.get_nowait()
            dropped.add(capacity=self.capacity)
        super().put_nowait(item)


class Decoded:
    """A group message already deserialised by the layer's reader, shared by every local consumer
    of the group (consumers must treat the event as read-only)."""

    __slots__ = ("message",)

    def __init__(self, message: Any) -> None:
        self.message = message


class DecodingShardConnection(RedisSingleShardConnection):
    """A shard connection whose reader decodes each group message once for all local members."""

    def _receive_message(self, message: Any) -> None:
        # The stock reader hands the raw bytes to every consumer of a group, and each consumer
        # decodes them again (a msgpack decode per subscriber per tick). Decode once here.
        if message is None:
            return
        name = message["channel"]
        if isinstance(name, bytes):
            name = name.decode()
        members = self.channel_layer.groups.get(name)
        if name in self.channel_layer.channels or not members:
            super()._receive_message(message)
            return
        decoded = Decoded(self.channel_layer.channel_layer.deserialize(message["data"]))
        for channel_name in members:
            queue = self.channel_layer.channels.get(channel_name)
            if queue is not None:
                queue.put_nowait(decoded)


class BoundedPubSubLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, capacity: int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity
        hosts = [shard.host for shard in getattr(self, "_shards")]  # noqa: B009 (untyped base)
        self._shards = [DecodingShardConnection(host, self) for host in hosts]

    async def group_send_many(self, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
        by_shard: dict[int, list[tuple[str, bytes]]] = {}
        for group, message in events:
            channel = self._get_group_channel_name(group)
            shard_index = self._shards.index(self._get_shard(channel))
            by_shard.setdefault(shard_index, []).append(
                (channel, self.channel_layer.serialize(message))
            )
        for shard_index, messages in by_shard.items():
            shard = self._shards[shard_index]
            async with shard._lock:
                shard._ensure_redis()
                pipeline = shard._redis.pipeline(transaction=False)
                for channel, payload in messages:
                    pipeline.publish(channel, payload)
                await pipeline.execute()

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = DroppingQueue(self.capacity)
        shard = self._get_shard(channel)
        await shard.subscribe(channel)


class BoundedPubSubChannelLayer(RedisPubSubChannelLayer):
    """``RedisPubSubChannelLayer`` whose per-consumer queues hold at most ``capacity`` messages,
    plus ``group_send_many``: a batch of group sends as one pipelined round trip per shard."""

    def __init__(self, *args: Any, capacity: int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    def _get_layer(self) -> BoundedPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        try:
            layer: BoundedPubSubLoopLayer = self._layers[loop]
        except KeyError:
            layer = BoundedPubSubLoopLayer(
                *self._args, **self._kwargs, channel_layer=self, capacity=self.capacity
            )
            self._layers[loop] = layer
            _wrap_close(self, loop)
        return layer

    def deserialize(self, message: Any) -> Any:
        if isinstance(message, Decoded):
            return message.message
        return super().deserialize(message)

    async def group_send_many(self, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """``group_send`` every (group, message), pipelined: one round trip per Redis shard
        instead of one per group (the stock layer serialises its publishes on a shard lock)."""
        await self._get_layer().group_send_many(events)
