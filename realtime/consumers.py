"""Websocket consumers: the market ticker (``/ws/market/``) and a live portfolio (``/ws/portfolio/<id>/``).

Thin by design: parse the client's message, call a selector through ``database_sync_to_async``,
shape the reply. Events from the channel layer arrive as ``portfolio.changed`` and
``alert.fired``, ticks (``tick.message``, see ``realtime/broadcast.py``) through ``on_ticks``.

Close codes: 4401 no/bad/expired credentials or deactivated user, or an anonymous client without an
``Origin`` header (native apps and scripts must authenticate; browsers always send one), 4403 not the
portfolio's owner, 4429 too many connects from this address or too many open connections for this
user or address (``realtime/limits.py``), 1013 auth backend (Redis) unavailable, try again later.
Client mistakes on an open market stream are answered with ``{"type": "error", "code",
"message"}`` and never close the connection.

Ticks do not go through each consumer's channel: ``realtime.fanout.TickerHub`` joins every ticker
group once per process and calls ``on_ticks`` of the local consumers that follow the symbol.

Delivery: each connection remembers the last ``seq`` it forwarded per symbol. A tick at or below it
is a duplicate (already in the snapshot or re-published) and is skipped, so a client sees ``seq``
strictly increase per symbol; a jump means ticks were dropped on the way (the channel-layer
capacity of a web process whose hub fell behind, or a publish lost while Redis was away) -- the
client then refetches ``/api/market/quotes/``. Jumps are counted per connection and logged when it
closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from datetime import UTC, datetime
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from portfolio.models import Portfolio
from portfolio_site.client_ip import client_ip_from_scope
from realtime import limits
from realtime.auth import AuthError, WebsocketSession, user_is_active
from realtime.board_stream import BoardStreamMixin
from realtime.broadcast import portfolio_group, user_group
from realtime.fanout import hub_for
from realtime.origins import ORIGIN_ABSENT
from realtime.snapshot import known_symbols, snapshot_quotes
from realtime.valuation import LivePortfolio, live_portfolio_load

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_RATE_LIMITED = 4429
CLOSE_TRY_AGAIN_LATER = 1013

MAX_MESSAGE_BYTES = 16 * 1024
_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}$")


class ErrorCode:
    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    MESSAGE_TOO_LARGE = "message_too_large"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_SYMBOL = "unknown_symbol"
    SYMBOL_LIMIT = "symbol_limit"
    RATE_LIMITED = "rate_limited"


class StreamConsumer(AsyncWebsocketConsumer):
    """Shared plumbing: accept-then-authenticate, owned groups, background tasks, orjson."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session: WebsocketSession | None = None
        self.joined: set[str] = set()
        self.followed: set[str] = set()  # symbols whose ticks the process's TickerHub hands us
        self.tasks: list[asyncio.Task[None]] = []
        self.closing = False
        self.leases: limits.Leases | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # channels' dispatch runs close_old_connections() in the single sync thread before EVERY
        # message -- for every tick of every client. Database work here goes through
        # database_sync_to_async, which closes stale connections itself, so skip that.
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- lifecycle ----------------------------------------------------------------------------
    async def open_session(self, *, require_user: bool) -> WebsocketSession | None:
        """Accept, then enforce the connect rate and the credentials; None if we closed."""
        session: WebsocketSession = self.scope["ws_session"]
        self.session = session
        await self.accept(subprotocol=session.subprotocol)
        decision = await limits.connect_decision(client_ip=client_ip_from_scope(self.scope))
        if decision is not None and not decision.allowed:
            await self.close_with(CLOSE_RATE_LIMITED, "too many connections, retry later")
            return None
        if session.error == AuthError.UNAVAILABLE:
            await self.close_with(CLOSE_TRY_AGAIN_LATER, "authentication unavailable")
            return None
        if self.scope.get(ORIGIN_ABSENT):
            require_user = True  # not a browser: no ambient cookies to abuse, but no anonymous use
        if session.error is not None or (require_user and not session.is_authenticated):
            await self.close_with(CLOSE_UNAUTHENTICATED, "authentication required")
            return None
        self.leases = await limits.connection_open(
            connection=self.channel_name,
            client_ip=client_ip_from_scope(self.scope),
            user_id=session.user.pk if session.is_authenticated else None,
        )
        if self.leases is None:
            await self.close_with(CLOSE_RATE_LIMITED, "too many open connections")
            return None
        if self.leases.keys:
            self.start(self._renew_leases(self.leases))
        if session.is_authenticated:
            self.start(self._watch_credentials(session))
        return session

    async def close_with(self, code: int, reason: str) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code, reason=reason)

    def start(self, coroutine: Any) -> None:
        self.tasks.append(asyncio.create_task(coroutine))

    async def disconnect(self, code: int) -> None:
        self.closing = True
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for group in list(self.joined):
            await self.leave(group)
        await self.unfollow(set(self.followed))
        if self.leases is not None:
            await limits.connection_close(self.leases)

    async def _renew_leases(self, leases: limits.Leases) -> None:
        while not self.closing:
            await asyncio.sleep(leases.renew_every)
            await limits.connection_renew(leases)

    async def _watch_credentials(self, session: WebsocketSession) -> None:
        """Close when the token expires, or when the user is deactivated (checked periodically)."""
        user_id = session.user.pk
        interval = float(settings.WS_AUTH_RECHECK_SECONDS)
        while not self.closing:
            now = datetime.now(tz=UTC)
            if session.expires_at is not None and session.expires_at <= now:
                await self.close_with(CLOSE_UNAUTHENTICATED, "token expired")
                return
            wait = interval
            if session.expires_at is not None:
                wait = min(wait, (session.expires_at - now).total_seconds())
            await asyncio.sleep(max(wait, 0.0))
            if session.expires_at is not None and session.expires_at <= datetime.now(tz=UTC):
                continue
            if not await database_sync_to_async(user_is_active)(user_id):
                await self.close_with(CLOSE_UNAUTHENTICATED, "account disabled")
                return

    # --- groups and output --------------------------------------------------------------------
    async def join(self, group: str) -> None:
        if group not in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.add(group)

    async def leave(self, group: str) -> None:
        if group in self.joined:
            self.joined.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)

    async def follow(self, symbols: set[str]) -> None:
        """Get ``on_ticks`` for these symbols from the process's ticker hub."""
        new = symbols - self.followed
        if new:
            self.followed |= new
            await hub_for(self.channel_layer).add(new, self)

    async def unfollow(self, symbols: set[str]) -> None:
        gone = symbols & self.followed
        if gone:
            self.followed -= gone
            await hub_for(self.channel_layer).discard(gone, self)

    async def on_ticks(self, event: dict[str, Any]) -> None:
        """A ``tick.message`` event of a followed symbol (called by ``realtime.fanout``)."""

    async def send_event(self, payload: dict[str, Any]) -> None:
        if not self.closing:
            await self.send(text_data=orjson.dumps(payload).decode())

    async def send_error(self, code: str, message: str, **extra: Any) -> None:
        await self.send_event({"type": "error", "code": code, "message": message, **extra})

    async def read_message(self, text_data: str | None, bytes_data: bytes | None) -> dict | None:
        """The client's JSON object, or None after answering an error (never closes the stream)."""
        if self.closing:
            return None
        decision = await limits.message_decision(connection=self.channel_name)
        if decision is not None and not decision.allowed:
            await self.send_error(
                ErrorCode.RATE_LIMITED,
                "Too many messages; slow down.",
                retry_after=decision.retry_after_header,
            )
            return None
        if text_data is None:
            await self.send_error(ErrorCode.INVALID_JSON, "Send JSON text frames, not binary.")
            return None
        if len(text_data) > MAX_MESSAGE_BYTES:
            await self.send_error(ErrorCode.MESSAGE_TOO_LARGE, "Message too large.")
            return None
        try:
            content = orjson.loads(text_data)
        except orjson.JSONDecodeError:
            await self.send_error(ErrorCode.INVALID_JSON, "The message is not valid JSON.")
            return None
        if not isinstance(content, dict):
            await self.send_error(ErrorCode.INVALID_MESSAGE, "Send a JSON object with an action.")
            return None
        return content


class MarketConsumer(BoardStreamMixin, StreamConsumer):
    """``/ws/market/``: subscribe to symbols, get a snapshot, then every tick; or follow a price
    board (``realtime.board_stream``). Anonymous allowed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.init_board()
        self.symbols: set[str] = set()
        self.last_seq: dict[str, int] = {}
        # Events of symbols whose snapshot is being sent: forwarded right after it, in order.
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.forwarded = 0
        self.missed = 0

    async def connect(self) -> None:
        await self.open_session(require_user=False)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        await sync_to_async(limits.connection_reset, thread_sensitive=False)(
            connection=self.channel_name
        )
        if self.missed:
            logger.warning(
                "realtime: market connection closed after %d ticks with %d missed (seq gaps)",
                self.forwarded,
                self.missed,
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        content = await self.read_message(text_data, bytes_data)
        if content is None:
            return
        action = content.get("action")
        if action == "ping":
            await self.send_event({"type": "pong"})
        elif action == "board":
            await self.board_subscribe(content.get("list"))
        elif action == "board_leave":
            await self.board_leave()
        elif action in ("subscribe", "unsubscribe"):
            symbols = self._parse_symbols(content.get("symbols"))
            if symbols is None:
                await self.send_error(
                    ErrorCode.INVALID_MESSAGE, '"symbols" must be a non-empty list of strings.'
                )
            elif action == "subscribe":
                await self.subscribe(symbols)
            else:
                await self.unsubscribe(symbols)
        else:
            await self.send_error(
                ErrorCode.UNKNOWN_ACTION,
                "Unknown action; use subscribe, unsubscribe, board, board_leave or ping.",
            )

    @staticmethod
    def _parse_symbols(raw: object) -> list[str] | None:
        # No cap on the list here: subscribe() answers symbol_limit (the message size bounds it).
        if not isinstance(raw, list) or not raw:
            return None
        if not all(isinstance(item, str) for item in raw):
            return None
        return list(dict.fromkeys(item.strip().upper() for item in raw))

    async def subscribe(self, symbols: list[str]) -> None:
        new = [symbol for symbol in symbols if symbol not in self.symbols]
        cap = settings.WS_MAX_SYMBOLS
        if len(self.symbols) + len(new) > cap:
            await self.send_error(
                ErrorCode.SYMBOL_LIMIT,
                f"At most {cap} symbols per connection; unsubscribe some first.",
                limit=cap,
            )
            return
        wellformed = [symbol for symbol in symbols if _SYMBOL.match(symbol)]
        known = await database_sync_to_async(known_symbols)(symbols=wellformed)
        unknown = [symbol for symbol in symbols if symbol not in known]
        if unknown:
            await self.send_error(
                ErrorCode.UNKNOWN_SYMBOL,
                f"Unknown symbol: {', '.join(unknown[:20])}.",
                symbols=unknown,
            )
        accepted = [symbol for symbol in symbols if symbol in known]
        if not accepted:
            return
        joining = {symbol for symbol in accepted if symbol not in self.symbols}
        for symbol in accepted:
            self.pending[symbol] = []
        self.symbols.update(accepted)
        try:
            # Followed first, read second: a tick committed in between is in the snapshot (its seq
            # at or below the snapshot's) or is buffered until the snapshot is out; duplicates are
            # skipped by seq.
            await self.follow(joining)
            quotes = await database_sync_to_async(snapshot_quotes)(symbols=accepted)
            for quote in quotes:
                if quote["seq"] is not None:
                    self.last_seq[quote["symbol"]] = max(
                        quote["seq"], self.last_seq.get(quote["symbol"], 0)
                    )
            await self.send_event(
                {"type": "snapshot", "quotes": quotes, "subscribed": sorted(self.symbols)}
            )
            for symbol in accepted:
                buffered = self.pending.get(symbol)
                while buffered:  # on_ticks may append while we send
                    await self.forward(symbol, buffered.pop(0))
        finally:
            for symbol in accepted:
                self.pending.pop(symbol, None)

    async def unsubscribe(self, symbols: list[str]) -> None:
        removed = [symbol for symbol in symbols if symbol in self.symbols]
        for symbol in removed:
            self.symbols.discard(symbol)
            self.last_seq.pop(symbol, None)
            self.pending.pop(symbol, None)
        await self.unfollow(set(removed) - self.board_symbols)
        await self.send_event(
            {"type": "unsubscribed", "symbols": removed, "subscribed": sorted(self.symbols)}
        )

    async def on_ticks(self, event: dict[str, Any]) -> None:
        symbol = event["symbol"]
        if "quote" in event:
            await self.board_quote(event)
        if symbol not in self.symbols:
            return  # unsubscribed while the event was in flight
        buffered = self.pending.get(symbol)
        if buffered is not None:
            buffered.append(event)  # the snapshot is on its way; forwarded right after it
            return
        await self.forward(symbol, event)

    async def forward(self, symbol: str, event: dict[str, Any]) -> None:
        last = self.last_seq.get(symbol)
        for seq, message in tick_frames(event):
            if last is not None and seq <= last:
                continue
            if last is not None and seq > last + 1:
                self.missed += seq - last - 1
            last = seq
            self.forwarded += 1
            if not self.closing:
                await self.base_send(message)
        if last is not None:
            self.last_seq[symbol] = last


_FRAMES = "_frames"


def tick_frames(event: dict[str, Any]) -> list[tuple[int, dict[str, str]]]:
    """``(seq, ASGI websocket.send message)`` of each tick of a ``tick.message`` event, rendered
    once per event.

    The ticker hub hands the same event to every local subscriber of the symbol
    (``realtime.fanout``), so the first subscriber renders the frames and the others reuse them --
    the JSON text and the ASGI message alike (servers only read it): one render per tick per process
    instead of one per subscriber.
    """
    frames: list[tuple[int, dict[str, str]]] | None = event.get(_FRAMES)
    if frames is None:
        symbol = event["symbol"]
        frames = [
            (
                int(tick["seq"]),
                {
                    "type": "websocket.send",
                    "text": orjson.dumps({"type": "tick", "symbol": symbol, **tick}).decode(),
                },
            )
            for tick in event["ticks"]
        ]
        event[_FRAMES] = frames
    return frames


def _portfolio_for(*, portfolio_id: int, user_id: int) -> Portfolio | None:
    return Portfolio.objects.filter(pk=portfolio_id, owner_id=user_id).first()


class PortfolioConsumer(StreamConsumer):
    """``/ws/portfolio/<id>/``: live valuation, ledger changes and alerts, for the owner only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.portfolio: Portfolio | None = None
        self.book: LivePortfolio | None = None
        self.during_reload: list[dict[str, Any]] | None = None  # tick events held meanwhile
        self.dirty = False
        self.last_push = 0.0
        self.flush_task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        session = await self.open_session(require_user=True)
        if session is None:
            return
        portfolio_id = int(self.scope["url_route"]["kwargs"]["portfolio_id"])
        self.portfolio = await database_sync_to_async(_portfolio_for)(
            portfolio_id=portfolio_id, user_id=session.user.pk
        )
        if self.portfolio is None:
            await self.close_with(CLOSE_FORBIDDEN, "not your portfolio")
            return
        await self.join(portfolio_group(self.portfolio.pk))
        await self.join(user_group(session.user.pk))
        await self.reload()
        await self.push_valuation()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The portfolio stream is push-only: it answers pings (to keep it warm) and errors.
        content = await self.read_message(text_data, bytes_data)
        if content is None:
            return
        if content.get("action") == "ping":
            await self.send_event({"type": "pong"})
        else:
            await self.send_error(
                ErrorCode.UNKNOWN_ACTION,
                "The portfolio stream only takes ping; it pushes the rest.",
            )

    async def reload(self) -> None:
        """Fold the ledger again and follow exactly the held symbols' tickers. Ticks that arrive
        meanwhile are applied to the new book afterwards (older than its prices: ignored)."""
        assert self.portfolio is not None
        self.during_reload = []
        try:
            book = await database_sync_to_async(live_portfolio_load)(portfolio=self.portfolio)
            wanted = set(book.symbols)
            await self.unfollow(self.followed - wanted)
            await self.follow(wanted)
            self.book = book
        finally:
            held, self.during_reload = self.during_reload, None
            for event in held:
                self.apply(event)

    async def push_valuation(self) -> None:
        if self.book is None:
            return
        self.dirty = False
        self.last_push = asyncio.get_running_loop().time()
        await self.send_event(self.book.valuation())

    def mark_dirty(self) -> None:
        self.dirty = True
        if self.flush_task is not None and not self.flush_task.done():
            return
        interval = float(settings.WS_VALUATION_INTERVAL_SECONDS)
        delay = max(0.0, self.last_push + interval - asyncio.get_running_loop().time())
        self.flush_task = asyncio.create_task(self._flush_after(delay))
        self.tasks.append(self.flush_task)
        self.tasks = [task for task in self.tasks if not task.done()]

    async def _flush_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.dirty and not self.closing:
            await self.push_valuation()

    async def on_ticks(self, event: dict[str, Any]) -> None:
        if self.during_reload is not None:
            self.during_reload.append(event)
        else:
            self.apply(event)

    def apply(self, event: dict[str, Any]) -> None:
        if self.book is None or not event["ticks"]:
            return
        last = event["ticks"][-1]
        moved = self.book.apply_tick(
            symbol=event["symbol"], price=last["price"], change=last.get("change"), ts=last["ts"]
        )
        if moved:
            self.mark_dirty()

    async def portfolio_changed(self, event: dict[str, Any]) -> None:
        await self.send_event({"type": "transaction", "portfolio_id": event.get("portfolio_id")})
        try:
            await self.reload()
        except Portfolio.DoesNotExist:
            await self.close_with(CLOSE_FORBIDDEN, "portfolio deleted")
            return
        except Exception:
            # Keep streaming the previous valuation; the next change or reconnect tries again.
            logger.exception("realtime: reloading portfolio %s failed", event.get("portfolio_id"))
            return
        await self.push_valuation()

    async def alert_fired(self, event: dict[str, Any]) -> None:
        await self.send_event({"type": "alert", **event["alert"]})
