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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Iterable
from typing import Any, Protocol

from realtime.broadcast import TICK_EVENT, ticker_group

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
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def add(self, symbols: Iterable[str], subscriber: TickSubscriber) -> None:
        async with self._lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self._task = asyncio.create_task(self._deliver_forever(self.channel))
            for symbol in symbols:
                members = self.subscribers.get(symbol)
                if members is None:
                    await self.layer.group_add(ticker_group(symbol), self.channel)
                    members = self.subscribers[symbol] = set()
                members.add(subscriber)

    async def discard(self, symbols: Iterable[str], subscriber: TickSubscriber) -> None:
        async with self._lock:
            for symbol in symbols:
                members = self.subscribers.get(symbol)
                if members is None:
                    continue
                members.discard(subscriber)
                if not members:
                    del self.subscribers[symbol]
                    if self.channel is not None:
                        await self.layer.group_discard(ticker_group(symbol), self.channel)

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
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


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
