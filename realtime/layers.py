"""The channel layer: channels-redis PubSub with a bounded queue per consumer.

Chosen by measurement (``bench/channel_layer.py``, numbers in the README): on our workload the PubSub
layer delivers ticks in tens of milliseconds where the core layer takes hundreds to thousands under
fan-out, and a ``group_send`` is one ``PUBLISH``. Its one flaw for us: each consumer's in-process
queue is an unbounded ``asyncio.Queue``, so a consumer that stops draining would grow memory without
limit. ``BoundedPubSubChannelLayer`` gives every consumer a queue of ``capacity`` messages that drops
the OLDEST message when full -- the client sees that as a ``seq`` gap and refetches -- and counts
the drops, logging a summary at most once a minute.

Several Redis servers (``CHANNEL_REDIS_URLS``): channels-redis hashes every group name and every
consumer's channel name to one of them (``_get_shard``); a process subscribes to each of its groups
on that group's shard, and a publish goes to that shard only. ``group_send_many`` splits a batch by
shard and sends one pipeline to each shard concurrently, so a dead shard costs only its own groups'
messages (``ShardsUnavailable`` says how many). When a shard goes away, redis-py reconnects the
shard's subscriber connection and re-subscribes its channels once the server answers again (the
reader below retries every ``_RECONNECT_SECONDS`` and logs the outage and the recovery once each);
``new_channel`` draws another name when the shard of the first one does not answer, so consumers can
still connect while a shard is out.

It relies on internals of channels-redis 4.x (``RedisPubSubChannelLayer._get_layer``,
``RedisPubSubLoopLayer._subscribe_to_channel``/``_get_shard``/``_shards``/``prefix``, the shards'
``_lock``/``_redis``/``_pubsub``/``host`` for ``group_send_many`` and ``_do_receiving`` (the reader
loop), ``RedisSingleShardConnection._receive_message`` to decode a group message once for all local
consumers); tests/realtime/test_layers.py and tests/realtime/test_shards.py pin the behaviour.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_REPORT_EVERY_SECONDS = 60.0
# How often a shard's reader tries to reach its server again after losing it.
_RECONNECT_SECONDS = 0.5
# What an unreachable shard raises: redis-py's errors, or the socket's own.
SHARD_ERRORS = (RedisError, OSError)


class ShardsUnavailable(Exception):
    """Part of a ``group_send_many`` batch was not sent: its shards did not answer (the other
    shards' messages were sent)."""

    def __init__(self, *, failed: int, total: int, errors: Sequence[BaseException]) -> None:
        self.failed = failed
        self.total = total
        self.errors = list(errors)
        names = ", ".join(sorted({type(error).__name__ for error in errors}))
        super().__init__(f"{failed} of {total} group sends failed ({names})")


def shard_address(host: Any) -> str:
    """A shard's address for logs and /readyz, without any password."""
    address = str(host.get("address", host)) if isinstance(host, dict) else str(host)
    scheme, sep, rest = address.partition("://")
    if sep and "@" in rest:
        rest = rest.rsplit("@", 1)[1]
    return f"{scheme}{sep}{rest}"


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
    """A shard connection whose reader decodes each group message once for all local members, and
    logs an outage of its server once (the stock reader logs a traceback every second)."""

    async def _do_receiving(self) -> None:
        down_since: float | None = None
        while True:
            try:
                if self._pubsub and self._pubsub.subscribed:
                    # redis-py reconnects here when the server is back, re-subscribing every
                    # channel the connection had (PubSub.on_connect).
                    message = await self._pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=0.1
                    )
                    if down_since is not None:
                        logger.warning(
                            "realtime: channel-layer shard %s is back after %.1fs",
                            shard_address(self.host),
                            time.monotonic() - down_since,
                        )
                        down_since = None
                    self._receive_message(message)
                else:
                    await asyncio.sleep(0.1)
            except (asyncio.CancelledError, GeneratorExit):
                raise
            except SHARD_ERRORS as error:
                if down_since is None:
                    down_since = time.monotonic()
                    logger.warning(
                        "realtime: channel-layer shard %s unreachable (%s: %s); its groups get "
                        "nothing until it is back, retrying every %.1fs",
                        shard_address(self.host),
                        type(error).__name__,
                        error,
                        _RECONNECT_SECONDS,
                    )
                await asyncio.sleep(_RECONNECT_SECONDS)
            except Exception:
                logger.exception("realtime: the channel-layer reader of a shard failed")
                await asyncio.sleep(1)

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


def _reconnecting(host: Any) -> Any:
    """A command on a connection its server dropped -- a shard that restarted since the pooled
    connection was last used -- reconnects and is sent once more, instead of failing the first
    publish after every restart (redis-py's default for a pool built from a URL: no retry). A batch
    cut off mid-flight may then be delivered twice; consumers skip ticks by ``seq``."""
    if isinstance(host, dict) and "retry" not in host:
        return {**host, "retry": Retry(NoBackoff(), 1)}
    return host


class BoundedPubSubLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, capacity: int = 100, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.capacity = capacity
        hosts = [shard.host for shard in getattr(self, "_shards")]  # noqa: B009 (untyped base)
        self._shards = [DecodingShardConnection(_reconnecting(host), self) for host in hosts]

    async def group_send_many(self, events: Sequence[tuple[str, dict[str, Any]]]) -> None:
        by_shard: dict[DecodingShardConnection, list[tuple[str, bytes]]] = {}
        for group, message in events:
            channel = self._get_group_channel_name(group)
            by_shard.setdefault(self._get_shard(channel), []).append(
                (channel, self.channel_layer.serialize(message))
            )
        batches = list(by_shard.items())
        results = await asyncio.gather(
            *(self._publish_pipelined(shard, messages) for shard, messages in batches),
            return_exceptions=True,
        )
        errors: list[BaseException] = []
        failed = 0
        for (_shard, messages), result in zip(batches, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result  # cancelled: not a shard's failure
                errors.append(result)
                failed += len(messages)
        if errors:
            raise ShardsUnavailable(failed=failed, total=len(events), errors=errors)

    @staticmethod
    async def _publish_pipelined(
        shard: DecodingShardConnection, messages: list[tuple[str, bytes]]
    ) -> None:
        async with shard._lock:
            shard._ensure_redis()
            pipeline = shard._redis.pipeline(transaction=False)
            for channel, payload in messages:
                pipeline.publish(channel, payload)
            await pipeline.execute()

    async def new_channel(self, prefix: str = "specific.") -> str:
        """A new channel for a local consumer, on a shard that answers: the shard is chosen by
        hashing the random name, so when that shard is down another name is drawn."""
        failed: set[int] = set()
        error: BaseException | None = None
        for _ in range(100 * len(self._shards)):
            channel = f"{self.prefix}{prefix}{uuid.uuid4().hex}"
            shard = self._get_shard(channel)
            if id(shard) in failed:
                continue
            try:
                await self._subscribe_to_channel(channel)
            except SHARD_ERRORS as shard_error:
                self.channels.pop(channel, None)
                failed.add(id(shard))
                error = shard_error
                if len(failed) == len(self._shards):
                    break
                continue
            return channel
        assert error is not None
        raise error

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
        instead of one per group (the stock layer serialises its publishes on a shard lock), the
        shards concurrently. Raises ``ShardsUnavailable`` after the fact if some shards failed;
        the other shards' messages were sent."""
        await self._get_layer().group_send_many(events)

    def group_shard(self, group: str) -> int:
        """The index (in ``hosts``) of the shard ``group`` lives on, in the running loop."""
        layer = self._get_layer()
        return layer._shards.index(layer._get_shard(layer._get_group_channel_name(group)))
