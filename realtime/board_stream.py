"""The price board on the market stream (``/ws/market/``): one subscription per board.

``{"action": "board", "list": "VN30"}`` (any list of ``GET /api/market/board/``) answers
``{"type": "board", "list", "symbols", "limit", "rows"}`` -- the same rows as the REST board --
and from then on a ``{"type": "quote", ...}`` frame for each of its symbols whenever a quote poll
stores that symbol's quote: last price, change and %, last trade's volume, total volume and value,
open / high / low, the three best bids and asks, foreign buy / sell, ``as_of`` and ``seq``
(``market.board.board_quote``). Reference, ceiling and floor do not change during a session: they
are in the rows. A frame whose ``as_of`` is not newer than what the client has is never sent.

A connection shows one board: another ``board`` action replaces it (the symbols that stay are
not re-followed), ``{"action": "board_leave"}`` drops it (answered ``{"type": "board_left"}``).
The board's symbols do not count against ``WS_MAX_SYMBOLS`` (the tick subscriptions) but against
``BOARD_MAX_SYMBOLS``. Errors are the REST board's, as ``{"type": "error", "code", "message"}``:
``unknown_list``, ``board_too_large``, ``not_authenticated`` (your lists on an anonymous stream),
``not_found`` (not your portfolio); the previous board then stays.

Quote frames are rendered once per event and shared by every local subscriber, like tick frames.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from channels.db import database_sync_to_async
from django.conf import settings

from market.board import board_rows
from portfolio_site.errors import DomainError
from realtime.board import Board, board_resolve

_QUOTE_FRAME = "_quote_frame"


def quote_frame(event: dict[str, Any]) -> tuple[datetime, dict[str, str]]:
    """``(as_of, ASGI websocket.send message)`` of the event's quote, rendered once per event."""
    cached: tuple[datetime, dict[str, str]] | None = event.get(_QUOTE_FRAME)
    if cached is None:
        quote = event["quote"]
        cached = (
            datetime.fromisoformat(quote["as_of"]),
            {
                "type": "websocket.send",
                "text": orjson.dumps({"type": "quote", **quote}).decode(),
            },
        )
        event[_QUOTE_FRAME] = cached
    return cached


def _resolve(list_name: object, user: Any) -> Board:
    return board_resolve(list_name=list_name, user=user)


class BoardStreamMixin:
    """Mixed into ``MarketConsumer`` (which provides follow/unfollow, send_event, send_error,
    base_send, ``symbols`` -- its tick subscriptions -- and ``session``)."""

    symbols: set[str]
    session: Any
    closing: bool

    def init_board(self) -> None:
        self.board_list: str | None = None
        self.board_symbols: set[str] = set()
        self.board_as_of: dict[str, datetime] = {}
        # quote events that arrive while the board's rows are read: sent right after them
        self.board_pending: list[dict[str, Any]] | None = None

    if TYPE_CHECKING:  # StreamConsumer's (declared for mypy only: they must not shadow it)

        async def follow(self, symbols: set[str]) -> None: ...
        async def unfollow(self, symbols: set[str]) -> None: ...
        async def send_event(self, payload: dict[str, Any]) -> None: ...
        async def send_error(self, code: str, message: str, **extra: Any) -> None: ...
        async def base_send(self, message: dict[str, Any]) -> None: ...

    def _user(self) -> Any:
        session = self.session
        return session.user if session is not None and session.is_authenticated else None

    async def board_subscribe(self, list_name: object) -> None:
        try:
            board = await database_sync_to_async(_resolve)(list_name, self._user())
        except DomainError as error:
            await self.send_error(error.code, error.message, **error.fields)
            return
        wanted = set(board.symbols)
        gone = self.board_symbols - wanted
        self.board_list, self.board_symbols = board.name, wanted
        for symbol in gone:
            self.board_as_of.pop(symbol, None)
        await self.unfollow(gone - self.symbols)
        self.board_pending = []
        try:
            # Followed first, read second: a quote stored in between is in the rows or buffered.
            await self.follow(wanted)
            rows = await database_sync_to_async(board_rows)(symbols=board.symbols)
            for row in rows:
                self.board_as_of[row["symbol"]] = datetime.fromisoformat(row["as_of"])
            await self.send_event(
                {
                    "type": "board",
                    "list": board.name,
                    "symbols": board.symbols,
                    "limit": int(settings.BOARD_MAX_SYMBOLS),
                    "rows": rows,
                }
            )
            while self.board_pending:
                await self.board_forward(self.board_pending.pop(0))
        finally:
            self.board_pending = None

    async def board_leave(self) -> None:
        gone, self.board_symbols, self.board_list = self.board_symbols, set(), None
        self.board_as_of.clear()
        await self.unfollow(gone - self.symbols)
        await self.send_event({"type": "board_left"})

    async def board_quote(self, event: dict[str, Any]) -> None:
        """A followed symbol's event: forward its quote if the symbol is on the board."""
        if event.get("quote") is None or event["symbol"] not in self.board_symbols:
            return
        if self.board_pending is not None:
            self.board_pending.append(event)
            return
        await self.board_forward(event)

    async def board_forward(self, event: dict[str, Any]) -> None:
        symbol = event["symbol"]
        if symbol not in self.board_symbols:
            return
        as_of, message = quote_frame(event)
        known = self.board_as_of.get(symbol)
        if known is not None and as_of <= known:
            return
        self.board_as_of[symbol] = as_of
        if not self.closing:
            await self.base_send(message)
