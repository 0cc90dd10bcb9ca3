"""The channel layer: channels-redis PubSub with a bounded queue per consumer.

Chosen by measurement (``bench/channel_layer.py``, numbers in the README): on our workload the PubSub
layer delivers ticks in tens of milliseconds where the core layer takes hundreds to thousands under
fan-out, and a ``group_send`` is one ``PUBLISH``. Its one flaw for us: each consumer's in-process
queue is an unbounded ``asyncio.Queue``, so a consumer that stops draining would grow memory without
limit. ``BoundedPubSubChannelLayer`` gives every consumer a queue of ``capacity`` messages that drops
the OLDEST message when full -- the client sees that as a ``seq`` gap and refetches -- and counts
the drops, logging a summary at most once a minute.

It relies on two internals of channels-redis 4.x (``RedisPubSubChannelLayer._get_layer`` and
``RedisPubSubLoopLayer._subscribe_to_channel``); tests/realtime/test_layers.py pins the behaviour.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer
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


class BoundedPubSubLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, capacity: int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity

    async def _subscribe_to_channel(self, channel: str) -> None:
        self.channels[channel] = DroppingQueue(self.capacity)
        shard = self._get_shard(channel)
        await shard.subscribe(channel)


class BoundedPubSubChannelLayer(RedisPubSubChannelLayer):
    """``RedisPubSubChannelLayer`` whose per-consumer queues hold at most ``capacity`` messages."""

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
