"""Process-local tick fan-out: one channel-layer subscription per ticker group per process.

Without it every websocket consumer joins the ``ticker.<SYMBOL>`` groups itself, so each tick wakes
every subscribed consumer separately: channels' ``await_many_dispatch`` creates a task and runs an
``asyncio.wait`` per consumer per message (about a quarter of daphne's CPU at 1,000 subscribers,
measured with py-spy; see the README's Performance section). Here one ``TickerHub`` per event loop
and channel layer joins each group once, on behalf of every local consumer that wants the symbol,
and hands each tick event to those consumers in one pass: ``await consumer.on_ticks(event)``, which
renders nothing (the frames are rendered once per event, ``realtime.consumers.tick_frames``) and
writes straight to the socket.

Ordering: the hub delivers events in the order the layer received them, to each consumer in turn,
on the event loop; a consumer that is still sending its snapshot buffers what arrives meanwhile
(see ``MarketConsumer.subscribe``). Under daphne a websocket send never waits (Twisted buffers the
write), so one slow client cannot hold up the others.

Losses: the hub's channel has the layer's bounded queue (``CHANNEL_CAPACITY``). If the process falls
that far behind, the oldest events are dropped for every local subscriber at once; clients see the
``seq`` jump and refetch, as before.

A channel-layer shard that is down (``CHANNEL_REDIS_URLS``): groups already joined on it come back by
themselves when it returns (the layer re-subscribes). A group that cannot be joined now -- its shard
does not answer -- does not fail the subscriber: the symbol is kept and the hub tries to join it
again every ``_RETRY_SECONDS`` until it can, so its subscribers get ticks once the shard is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Iterable
from typing import Any, Protocol

from realtime.broadcast import TICK_EVENT, ticker_group
from realtime.layers import SHARD_ERRORS

logger = logging.getLogger(__name__)

_RETRY_SECONDS = 0.5


class TickSubscriber(Protocol):
    async def on_ticks(self, event: dict[str, Any]) -> None: ...


class TickerHub:
    """Joins ticker groups once for all local subscribers and fans their events out."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.subscribers: dict[str, set[TickSubscriber]] = {}
        self.unjoined: set[str] = set()  # followed symbols whose group join failed (shard down)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._rejoin_task: asyncio.Task[None] | None = None

    async def add(self, symbols: Iterable[str], subscriber: TickSubscriber) -> None:
        async with self._lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self._task = asyncio.create_task(self._deliver_forever(self.channel))
            new = []
            for symbol in symbols:
                members = self.subscribers.get(symbol)
                if members is None:
                    members = self.subscribers[symbol] = set()
                    new.append(symbol)
                members.add(subscriber)
            await self._join(new)

    async def _join(self, symbols: Iterable[str]) -> None:
        """Join each symbol's group; one that fails waits in ``unjoined`` for the next try, and so
        do the rest of that shard's (one timeout per dead shard, not per symbol)."""
        assert self.channel is not None
        down: set[int] = set()
        for symbol in symbols:
            group = ticker_group(symbol)
            shard = self._shard_of(group)
            if shard in down:
                self.unjoined.add(symbol)
                continue
            try:
                await self.layer.group_add(group, self.channel)
            except SHARD_ERRORS as error:
                if not self.unjoined:
                    logger.warning(
                        "realtime: cannot join %s now (%s: %s); retrying every %.1fs",
                        group,
                        type(error).__name__,
                        error,
                        _RETRY_SECONDS,
                    )
                down.add(shard)
                self.unjoined.add(symbol)
            else:
                self.unjoined.discard(symbol)
        if self.unjoined and (self._rejoin_task is None or self._rejoin_task.done()):
            self._rejoin_task = asyncio.create_task(self._rejoin_forever())

    def _shard_of(self, group: str) -> int:
        shard_index = getattr(self.layer, "group_shard", None)
        return int(shard_index(group)) if shard_index is not None else 0

    async def _rejoin_forever(self) -> None:
        while self.unjoined:
            await asyncio.sleep(_RETRY_SECONDS)
            async with self._lock:
                self.unjoined &= set(self.subscribers)
                await self._join(sorted(self.unjoined))
        logger.info("realtime: the ticker hub joined every group it follows again")

    async def discard(self, symbols: Iterable[str], subscriber: TickSubscriber) -> None:
        async with self._lock:
            for symbol in symbols:
                members = self.subscribers.get(symbol)
                if members is None:
                    continue
                members.discard(subscriber)
                if not members:
                    del self.subscribers[symbol]
                    self.unjoined.discard(symbol)
                    if self.channel is not None:
                        try:
                            await self.layer.group_discard(ticker_group(symbol), self.channel)
                        except SHARD_ERRORS:
                            # Its shard is down: the layer re-subscribes the group when it is
                            # back; the hub ignores events of symbols nobody follows.
                            logger.info("realtime: leaving %s failed", ticker_group(symbol))

    async def _deliver_forever(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer reconnects by itself; keep listening
                logger.exception("realtime: the ticker hub could not read from the channel layer")
                await asyncio.sleep(_RETRY_SECONDS)
                continue
            if event.get("type") != TICK_EVENT:
                continue
            members = self.subscribers.get(event.get("symbol", ""))
            if not members:
                continue
            for subscriber in tuple(members):
                try:
                    await subscriber.on_ticks(event)
                except Exception:
                    logger.exception("realtime: delivering a tick event failed")

    async def close(self) -> None:
        for task in (self._task, self._rejoin_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, TickerHub]] = (
    weakref.WeakKeyDictionary()
)


def hub_for(layer: Any) -> TickerHub:
    """The running loop's hub for ``layer`` (channels keeps one layer object per alias)."""
    per_loop = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = per_loop.get(id(layer))
    if hub is None or hub.layer is not layer:
        hub = per_loop[id(layer)] = TickerHub(layer)
    return hub
