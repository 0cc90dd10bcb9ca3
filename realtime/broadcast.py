"""The one way anything reaches a websocket client: ticks, portfolio changes and fired alerts.

Callers (Celery tasks, services) call these plain functions after commit
(``transaction.on_commit(lambda: publish_ticks(ticks))``). Each call is one batch:

- ``publish_ticks`` groups the ticks by symbol and sends one ``tick.message`` event per symbol (all
  of that symbol's ticks of the batch, in ``seq`` order) to the group ``ticker.<SYMBOL>``.
- ``publish_portfolio_changed`` sends ``portfolio.changed`` to ``portfolio.<id>``.
- ``publish_alert`` sends ``alert.fired`` to ``user.<id>``.

Cheap from a worker: every process keeps ONE event loop on a daemon thread, started on first use
and restarted after a fork (Celery's prefork children). The channel layer caches its Redis pool per
event loop, so all publishes of a process reuse the same connections; the events of one call are
sent concurrently on that loop and the caller waits for the batch once. ``async_to_sync`` would
instead build a new loop -- and so a new Redis pool -- on every call.

Publishing is best effort: with no group members it is a no-op, and if Redis is unreachable the
batch (with several channel-layer shards: the part of it bound for the unreachable ones) is dropped
with a warning rather than raising into the caller's commit hook (clients see a
``seq`` gap and refetch). Nothing here logs message contents.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from collections import defaultdict
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from channels.layers import get_channel_layer
from django.conf import settings

from realtime.layers import ShardsUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")

TICK_EVENT = "tick.message"
PORTFOLIO_EVENT = "portfolio.changed"
ALERT_EVENT = "alert.fired"

_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}$")
# Group sends in flight at once on the publisher loop (each holds one pooled Redis connection).
_MAX_CONCURRENT_SENDS = 16


def ticker_group(symbol: str) -> str:
    return f"ticker.{symbol}"


def portfolio_group(portfolio_id: int) -> str:
    return f"portfolio.{int(portfolio_id)}"


def user_group(user_id: int) -> str:
    return f"user.{int(user_id)}"


class _PublisherLoop:
    """A private event loop on a daemon thread; one per process (re-created after fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            loop = self._loop
            if loop is None or self._pid != os.getpid() or not loop.is_running():
                loop = asyncio.new_event_loop()
                started = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(loop, started), name="realtime-publisher", daemon=True
                )
                thread.start()
                started.wait(timeout=5)
                self._loop, self._thread, self._pid = loop, thread, os.getpid()
            return loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, started: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(started.set)
        loop.run_forever()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coroutine, self._ensure())

    def forget_after_fork(self) -> None:
        # The thread does not survive fork(); its loop (and the pools bound to it) must not be reused.
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None
        self._pid = 0


_publisher = _PublisherLoop()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_publisher.forget_after_fork)


async def _send_all(events: Sequence[tuple[str, dict[str, Any]]]) -> int:
    """group_send every (group, event) concurrently; returns how many failed."""
    layer = get_channel_layer()
    if layer is None:
        return 0
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        # Our PubSub layer: the whole batch in one pipelined round trip per shard. A shard that
        # is down loses its own groups' events only.
        try:
            await send_many(events)
        except ShardsUnavailable as error:
            logger.warning("realtime: %s", error)
            return error.failed
        except Exception as error:
            logger.warning(
                "realtime: %d group sends failed (%s)", len(events), type(error).__name__
            )
            return len(events)
        return 0
    limit = asyncio.Semaphore(_MAX_CONCURRENT_SENDS)

    async def send(group: str, event: dict[str, Any]) -> None:
        async with limit:
            await layer.group_send(group, event)

    results = await asyncio.gather(
        *(send(group, event) for group, event in events), return_exceptions=True
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    if failures:
        logger.warning(
            "realtime: %d of %d group sends failed (%s)",
            len(failures),
            len(events),
            type(failures[0]).__name__,
        )
    return len(failures)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _dispatch(events: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Send a batch on the process's publisher loop; wait for it unless called from a loop."""
    if not events:
        return
    future = _publisher.submit(_send_all(events))
    if _in_event_loop():
        # Never block a running event loop (e.g. a consumer calling in); just report failures.
        future.add_done_callback(_log_failure)
        return
    try:
        future.result(timeout=settings.REALTIME_PUBLISH_TIMEOUT)
    except FutureTimeout:
        future.cancel()
        logger.warning(
            "realtime: publishing %d events timed out after %ss",
            len(events),
            settings.REALTIME_PUBLISH_TIMEOUT,
        )
    except Exception as error:
        logger.warning("realtime: publishing %d events failed (%s)", len(events), error)


def _log_failure(future: Future[int]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("realtime: publishing failed (%s)", future.exception())


def _tick_fields(tick: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "price": str(tick["price"]),
        "change": None if tick.get("change") is None else str(tick["change"]),
        "change_pct": None if tick.get("change_pct") is None else str(tick["change_pct"]),
        "volume": int(tick.get("volume") or 0),
        "ts": str(tick["ts"]),
        "seq": int(tick["seq"]),
        "source": str(tick.get("source", "")),
    }


def tick_events(
    ticks: Sequence[Mapping[str, Any]], quotes: Sequence[Mapping[str, Any]] = ()
) -> list[tuple[str, dict[str, Any]]]:
    """One ``tick.message`` per symbol: ``{"type", "symbol", "ticks": [...]}``, ticks by seq, plus
    ``"quote"`` (the symbol's board fields, ``market.board.board_quote``) when the batch stored
    its quote -- a symbol whose quote changed without a trade gets an event with no ticks."""
    by_symbol: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for tick in ticks:
        symbol = str(tick["symbol"]).upper()
        if not _SYMBOL.match(symbol):
            logger.warning("realtime: dropping a tick with an invalid symbol")
            continue
        by_symbol[symbol].append(_tick_fields(tick))
    board: dict[str, dict[str, Any]] = {}
    for quote in quotes:
        symbol = str(quote["symbol"]).upper()
        if not _SYMBOL.match(symbol):
            logger.warning("realtime: dropping a quote with an invalid symbol")
            continue
        board[symbol] = {**quote, "symbol": symbol}
        by_symbol.setdefault(symbol, [])
    events = []
    for symbol, rows in by_symbol.items():
        rows.sort(key=lambda row: row["seq"])
        event: dict[str, Any] = {"type": TICK_EVENT, "symbol": symbol, "ticks": rows}
        if symbol in board:
            event["quote"] = board[symbol]
        events.append((ticker_group(symbol), event))
    return events


def publish_ticks(
    ticks: Sequence[Mapping[str, Any]], quotes: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Push new ticks to every client subscribed to their symbols (one batch, after commit).

    Each mapping: ``{"symbol", "price", "change", "change_pct", "volume", "ts", "seq", "source"}``
    with prices and changes as strings (Decimal is accepted), ``ts`` ISO-8601 UTC, ``seq`` the
    symbol's tick sequence number. ``quotes``: the board fields of the quotes the batch stored
    (``market.board.board_quote``), for the board stream.
    """
    _dispatch(tick_events(ticks, quotes))


def publish_portfolio_changed(portfolio_id: int) -> None:
    """Tell a portfolio's open streams that its ledger changed (they reload and push)."""
    _dispatch(
        [(portfolio_group(portfolio_id), {"type": PORTFOLIO_EVENT, "portfolio_id": portfolio_id})]
    )


def publish_alert(user_id: int, alert: Mapping[str, Any]) -> None:
    """Push a fired price alert to the user's open portfolio streams."""
    _dispatch([(user_group(user_id), {"type": ALERT_EVENT, "alert": dict(alert)})])
