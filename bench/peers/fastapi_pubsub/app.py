"""FastAPI + Redis pub/sub market stream: the peer of /ws/market/ (see README.md beside this file)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import orjson
import redis.asyncio as aioredis
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

REDIS_URL = os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("PEER_PREFIX", "peer")
MAX_SYMBOLS = 200
_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}$")


def ticker_channel(symbol: str) -> str:
    return f"{PREFIX}:peer:ticker:{symbol}"


def quote_key(symbol: str) -> str:
    return f"{PREFIX}:peer:quote:{symbol}"


class Hub:
    """Local subscribers per symbol, one pub/sub connection, one reader task."""

    def __init__(self) -> None:
        self.redis: aioredis.Redis | None = None
        self.pubsub: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.subscribers: defaultdict[str, set[WebSocket]] = defaultdict(set)

    async def start(self) -> None:
        self.redis = aioredis.Redis.from_url(REDIS_URL)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        # A placeholder subscription keeps get_message() valid before the first client arrives.
        await self.pubsub.subscribe(f"{PREFIX}:peer:control")
        self.reader = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader
        if self.pubsub is not None:
            await self.pubsub.aclose()
        if self.redis is not None:
            await self.redis.aclose()

    async def _read(self) -> None:
        assert self.pubsub is not None
        prefix_length = len(ticker_channel(""))
        while True:
            message = await self.pubsub.get_message(timeout=1.0)
            if message is None or message["type"] != "message":
                continue
            symbol = message["channel"].decode()[prefix_length:]
            payload = message["data"].decode()
            for websocket in list(self.subscribers.get(symbol, ())):
                try:
                    await websocket.send_text(payload)
                except Exception:
                    self.subscribers[symbol].discard(websocket)

    async def add(self, websocket: WebSocket, symbols: list[str]) -> None:
        for symbol in symbols:
            followers = self.subscribers[symbol]
            if not followers:
                await self.pubsub.subscribe(ticker_channel(symbol))
            followers.add(websocket)

    async def remove(self, websocket: WebSocket, symbols: list[str]) -> None:
        for symbol in symbols:
            followers = self.subscribers.get(symbol)
            if followers is None:
                continue
            followers.discard(websocket)
            if not followers:
                del self.subscribers[symbol]
                await self.pubsub.unsubscribe(ticker_channel(symbol))

    async def snapshot(self, symbols: list[str]) -> list[Any]:
        assert self.redis is not None
        values = await self.redis.mget([quote_key(s) for s in symbols])
        return [orjson.loads(v) for v in values if v]


hub = Hub()


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await hub.start()
    yield
    await hub.stop()


app = FastAPI(lifespan=lifespan)


def _error(code: str, message: str) -> str:
    return orjson.dumps({"type": "error", "code": code, "message": message}).decode()


@app.websocket("/ws/market/")
async def market(websocket: WebSocket) -> None:
    await websocket.accept()
    followed: set[str] = set()
    try:
        while True:
            text = await websocket.receive_text()
            try:
                content = orjson.loads(text)
            except orjson.JSONDecodeError:
                await websocket.send_text(_error("invalid_json", "The message is not valid JSON."))
                continue
            action = content.get("action") if isinstance(content, dict) else None
            if action == "ping":
                await websocket.send_text('{"type":"pong"}')
                continue
            if action not in ("subscribe", "unsubscribe"):
                await websocket.send_text(_error("unknown_action", "Unknown action."))
                continue
            raw = content.get("symbols")
            if not isinstance(raw, list) or not raw or len(raw) > MAX_SYMBOLS:
                await websocket.send_text(_error("invalid_message", "Bad symbols."))
                continue
            symbols = [str(s).strip().upper() for s in raw if _SYMBOL.match(str(s).upper())]
            if action == "subscribe":
                if len(followed | set(symbols)) > MAX_SYMBOLS:
                    await websocket.send_text(_error("symbol_limit", "Too many symbols."))
                    continue
                await hub.add(websocket, symbols)
                followed.update(symbols)
                quotes = await hub.snapshot(symbols)
                await websocket.send_text(
                    orjson.dumps(
                        {"type": "snapshot", "quotes": quotes, "subscribed": sorted(followed)}
                    ).decode()
                )
            else:
                removed = [s for s in symbols if s in followed]
                await hub.remove(websocket, removed)
                followed.difference_update(removed)
                await websocket.send_text(
                    orjson.dumps(
                        {"type": "unsubscribed", "symbols": removed, "subscribed": sorted(followed)}
                    ).decode()
                )
    except WebSocketDisconnect:
        pass
    finally:
        await hub.remove(websocket, list(followed))
