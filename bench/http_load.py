"""A small HTTP/1.1 keep-alive load generator: closed loop, or open loop at a fixed rate.

    python -m bench.http_load --port 8000 --path /api/... --header "Authorization: Bearer x" \
        --connections 50 --seconds 10 [--rate 300]

Closed loop (no --rate): every connection sends its next request as soon as the previous answer
arrives -- the maximum throughput, like wrk. Open loop (--rate R): requests are due every 1/R s
whatever happens; a due request waits for a free connection, and its latency counts from when it
was due, so a stalled server cannot hide its queue (no coordinated omission). Prints one line
``RESULT {"requests", "seconds", "rps", "status": {...}, "p50_ms", "p99_ms", "p999_ms", "max_ms"}``.
Loopback only; bounded by --seconds (plus a grace period for requests in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

import numpy as np


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, raw: bytes) -> int:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        chunked = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        return status


def _request_bytes(host: str, port: int, path: str, headers: list[str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _open(host: str, port: int, count: int) -> list[Connection]:
    pairs = await asyncio.gather(*(asyncio.open_connection(host, port) for _ in range(count)))
    return [Connection(reader, writer) for reader, writer in pairs]


async def run_load(
    *,
    host: str,
    port: int,
    path: str,
    headers: list[str],
    connections: int,
    seconds: float,
    rate: float | None,
) -> dict[str, Any]:
    raw = _request_bytes(host, port, path, headers)
    pool = await _open(host, port, connections)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    started = time.perf_counter()
    deadline = started + seconds

    async def one(connection: Connection, due: float) -> None:
        try:
            status = await connection.request(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            errors[type(error).__name__] += 1
            return
        latencies.append(time.perf_counter() - due)
        statuses[status] += 1

    if rate is None:

        async def worker(connection: Connection) -> None:
            while time.perf_counter() < deadline:
                await one(connection, time.perf_counter())

        await asyncio.gather(*(worker(c) for c in pool))
    else:
        idle: asyncio.Queue[Connection] = asyncio.Queue()
        for connection in pool:
            idle.put_nowait(connection)
        interval = 1.0 / rate
        tasks: list[asyncio.Task[None]] = []

        async def scheduled(due: float) -> None:
            connection = await idle.get()
            try:
                await one(connection, due)
            finally:
                idle.put_nowait(connection)

        due = started
        while due < deadline:
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(scheduled(due)))
            due += interval
        _done, pending = await asyncio.wait(tasks, timeout=max(5.0, seconds))
        for task in pending:
            task.cancel()
        errors["unfinished"] += len(pending)
    elapsed = time.perf_counter() - started
    for connection in pool:
        connection.writer.close()
    data = np.asarray(latencies, dtype=np.float64)
    result: dict[str, Any] = {
        "requests": int(data.size),
        "seconds": round(elapsed, 3),
        "rps": round(data.size / elapsed, 1) if elapsed else 0.0,
        "status": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(errors),
    }
    if data.size:
        p50, p99, p999 = np.percentile(data, [50, 99, 99.9], method="higher")
        result.update(
            p50_ms=round(float(p50) * 1000, 3),
            p99_ms=round(float(p99) * 1000, 3),
            p999_ms=round(float(p999) * 1000, 3),
            max_ms=round(float(data.max()) * 1000, 3),
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=None)
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback only")
    coroutine = run_load(
        host=args.host,
        port=args.port,
        path=args.path,
        headers=args.header,
        connections=args.connections,
        seconds=min(args.seconds, 120.0),
        rate=args.rate,
    )
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(coroutine)
    else:
        result = uvloop.run(coroutine)
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
