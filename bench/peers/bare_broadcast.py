"""The fan-out ceiling: a bare ``websockets`` server that forwards each tick with ``broadcast``.

    python -m bench.peers.bare_broadcast --port 8001 --redis-url redis://... --prefix bench

No framework, no authentication, no limits, no per-client queue or ``seq`` bookkeeping: per
process, one Redis pub/sub connection (the ingress pipe every system here has, fed by
``bench/fanout_publisher.py --target peer``) pattern-subscribed to ``<prefix>:peer:ticker:*``, and
``websockets.broadcast(followers of the symbol, payload)`` -- one frame built, written to every
socket without awaiting any. The same ``/ws/market/`` protocol as far as the benchmark client needs
it: ``subscribe`` answered with a ``snapshot`` (empty quotes), ticks as published. Several processes
share the port with SO_REUSEPORT (``--processes N``), one per server CPU like the other systems.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
from collections import defaultdict

import orjson
import redis.asyncio as aioredis
import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

followers: dict[str, set[ServerConnection]] = defaultdict(set)


async def handler(connection: ServerConnection) -> None:
    followed: set[str] = set()
    try:
        async for text in connection:
            try:
                message = orjson.loads(text)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(message, dict):
                continue
            if message.get("action") == "subscribe":
                symbols = [str(s).upper() for s in message.get("symbols") or []]
                for symbol in symbols:
                    followers[symbol].add(connection)
                followed.update(symbols)
                await connection.send(
                    orjson.dumps(
                        {"type": "snapshot", "quotes": [], "subscribed": sorted(followed)}
                    ).decode()
                )
            elif message.get("action") == "ping":
                await connection.send('{"type":"pong"}')
    except websockets.ConnectionClosed:
        pass
    finally:
        for symbol in followed:
            followers[symbol].discard(connection)


async def forward(redis_url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    channel_prefix = f"{prefix}:peer:ticker:"
    await pubsub.psubscribe(f"{channel_prefix}*")
    cut = len(channel_prefix)
    while True:
        message = await pubsub.get_message(timeout=1.0)
        if message is None or message["type"] != "pmessage":
            continue
        targets = followers.get(message["channel"].decode()[cut:])
        if targets:
            broadcast(targets, message["data"].decode())


async def main_async(args: argparse.Namespace) -> None:
    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set_result, None)
    reader = asyncio.create_task(forward(args.redis_url, args.prefix))
    async with serve(
        handler,
        args.host,
        args.port,
        reuse_port=args.reuse_port,
        compression=None,
        max_queue=None,
        ping_interval=None,
    ):
        await stop
    reader.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await reader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--reuse-port", action="store_true")
    parser.add_argument("--processes", type=int, default=1, help="this one and N-1 children")
    args = parser.parse_args()
    children = []
    if args.processes > 1:
        args.reuse_port = True
        command = [sys.executable, "-m", "bench.peers.bare_broadcast", "--host", args.host,
                   "--port", str(args.port), "--redis-url", args.redis_url, "--prefix",
                   args.prefix, "--reuse-port"]  # fmt: skip
        children = [subprocess.Popen(command) for _ in range(args.processes - 1)]
    try:
        _run(args)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=10)


def _run(args: argparse.Namespace) -> None:
    try:
        import uvloop

        uvloop.run(main_async(args))
    except ImportError:  # pragma: no cover - uvloop is in requirements/base.txt
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
