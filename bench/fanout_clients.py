"""Many websocket subscribers in one process: connect, subscribe, time every tick.

    python -m bench.fanout_clients --port 8001 --clients 1000 --symbols FPT,VNM,...

A raw asyncio websocket client (RFC 6455 framing written out here) so that the load generator is
cheap enough to keep up with the servers it measures on a 2-core machine: per message it finds the
``"ts":"..."`` field with a byte search and parses only that.

Protocol with the orchestrator (bench/fanout.py), one JSON line each way on stdin/stdout:
1. the client connects and subscribes every connection, waits for each one's snapshot, then prints
   ``READY {"ready": n, "failed": m, "errors": [...]}``;
2. it reads a plan ``{"phases": [{"name", "measure_from", "measure_to"}], "end_at"}`` (epoch
   seconds) from stdin;
3. every tick message whose ``ts`` falls in a phase's measure window counts for that phase, with
   latency = receipt time - ts; at ``end_at`` it prints ``RESULT {...}`` and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import sys
import time
from array import array
from datetime import datetime
from typing import Any

import numpy as np
import orjson

TICK_MARK = b'"type":"tick"'
TS_MARK = b'"ts":"'


class Phase:
    __slots__ = ("count", "latencies", "measure_from", "measure_to", "name")

    def __init__(self, name: str, measure_from: float, measure_to: float) -> None:
        self.name = name
        self.measure_from = measure_from
        self.measure_to = measure_to
        self.count = 0
        self.latencies = array("d")


class Shared:
    """State shared by every connection of the process."""

    def __init__(self) -> None:
        self.phases: list[Phase] = []
        self.ticks_seen = 0
        self.unparsed = 0
        self.errors: list[str] = []
        self.closed = 0

    def record(self, ts_text: bytes, received: float) -> None:
        self.ticks_seen += 1
        try:
            sent = datetime.fromisoformat(ts_text.decode()).timestamp()
        except ValueError:
            self.unparsed += 1
            return
        for phase in self.phases:
            if phase.measure_from <= sent < phase.measure_to:
                phase.count += 1
                phase.latencies.append(received - sent)
                return


def _mask_frame(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    header = bytearray([0x80 | opcode])
    length = len(payload)
    if length < 126:
        header.append(0x80 | length)
    elif length < 65536:
        header.append(0x80 | 126)
        header += length.to_bytes(2, "big")
    else:
        header.append(0x80 | 127)
        header += length.to_bytes(8, "big")
    data = np.frombuffer(payload, dtype=np.uint8) if payload else np.zeros(0, dtype=np.uint8)
    key = np.resize(np.frombuffer(mask, dtype=np.uint8), len(data))
    return bytes(header) + mask + (data ^ key).tobytes()


class WebsocketClient(asyncio.Protocol):
    def __init__(self, shared: Shared, *, host: str, port: int, path: str, symbols: list[str]):
        self.shared = shared
        self.host = host
        self.port = port
        self.path = path
        self.symbols = symbols
        self.buffer = bytearray()
        self.handshaken = False
        self.fragments: list[bytes] = []
        self.transport: Any = None
        self.subscribed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    # --- asyncio.Protocol -----------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:  # uvloop's transports are not asyncio's
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {self.path} HTTP/1.1\r\n"
            f"Host: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: http://{self.host}:{self.port}\r\n\r\n"
        )
        transport.write(request.encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.shared.closed += 1
        if not self.subscribed.done():
            self.subscribed.set_result(False)

    def data_received(self, data: bytes) -> None:
        received = time.time()
        buffer = self.buffer
        buffer += data
        if not self.handshaken:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")])
            if b" 101 " not in status:
                self._fail(f"handshake refused: {status.decode(errors='replace')}")
                return
            del buffer[: end + 4]
            self.handshaken = True
            self.send_text(orjson.dumps({"action": "subscribe", "symbols": self.symbols}))
        view = memoryview(buffer)
        position = 0
        size = len(buffer)
        while size - position >= 2:
            first, second = view[position], view[position + 1]
            length = second & 0x7F
            header = 2
            if length == 126:
                if size - position < 4:
                    break
                length = int.from_bytes(view[position + 2 : position + 4], "big")
                header = 4
            elif length == 127:
                if size - position < 10:
                    break
                length = int.from_bytes(view[position + 2 : position + 10], "big")
                header = 10
            if second & 0x80:
                header += 4  # a masked server frame would be a protocol error; skip its key
            if size - position < header + length:
                break
            payload = bytes(view[position + header : position + header + length])
            position += header + length
            self._frame(first, payload, received)
        view.release()
        del buffer[:position]

    # --- frames ---------------------------------------------------------------------------------
    def _frame(self, first: int, payload: bytes, received: float) -> None:
        opcode = first & 0x0F
        final = bool(first & 0x80)
        if opcode == 0:  # continuation
            self.fragments.append(payload)
            if not final:
                return
            payload = b"".join(self.fragments)
            self.fragments = []
            opcode = 1
        elif not final:
            self.fragments = [payload]
            return
        if opcode == 1:
            self._message(payload, received)
        elif opcode == 9 and self.transport is not None:  # ping -> pong
            self.transport.write(_mask_frame(0xA, payload))
        elif opcode == 8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 0
            self._fail(f"closed by server ({code} {payload[2:].decode(errors='replace')})")

    def _message(self, payload: bytes, received: float) -> None:
        if TICK_MARK in payload:
            start = payload.find(TS_MARK)
            if start < 0:
                self.shared.unparsed += 1
                return
            start += len(TS_MARK)
            self.shared.record(payload[start : payload.find(b'"', start)], received)
            return
        try:
            message = orjson.loads(payload)
        except orjson.JSONDecodeError:
            self.shared.unparsed += 1
            return
        kind = message.get("type")
        if kind == "snapshot" and not self.subscribed.done():
            self.subscribed.set_result(True)
        elif kind == "error":
            self._fail(f"error message: {message.get('code')} {message.get('message')}")

    def _fail(self, reason: str) -> None:
        if len(self.shared.errors) < 20:
            self.shared.errors.append(reason)
        if not self.subscribed.done():
            self.subscribed.set_result(False)
        if self.transport is not None:
            self.transport.close()

    def send_text(self, payload: bytes) -> None:
        if self.transport is not None:
            self.transport.write(_mask_frame(0x1, payload))


async def _connect(
    shared: Shared, args: argparse.Namespace, symbols: list[str], gate: asyncio.Semaphore
) -> WebsocketClient | None:
    loop = asyncio.get_running_loop()
    async with gate:
        try:
            _, client = await asyncio.wait_for(
                loop.create_connection(
                    lambda: WebsocketClient(
                        shared, host=args.host, port=args.port, path=args.path, symbols=symbols
                    ),
                    args.host,
                    args.port,
                ),
                timeout=args.connect_timeout,
            )
            ok = await asyncio.wait_for(client.subscribed, timeout=args.connect_timeout)
        except (OSError, TimeoutError) as error:
            if len(shared.errors) < 20:
                shared.errors.append(f"connect: {error!r}")
            return None
    return client if ok else None


def _summary(phase: Phase) -> dict[str, Any]:
    data = np.frombuffer(phase.latencies, dtype=np.float64) if phase.count else np.zeros(0)
    result: dict[str, Any] = {"name": phase.name, "received": phase.count}
    if data.size:
        p50, p99, p999 = np.percentile(data, [50, 99, 99.9], method="higher")
        result.update(
            p50_ms=round(float(p50) * 1000, 3),
            p99_ms=round(float(p99) * 1000, 3),
            p999_ms=round(float(p999) * 1000, 3),
            max_ms=round(float(data.max()) * 1000, 3),
        )
    return result


async def main_async(args: argparse.Namespace) -> int:
    shared = Shared()
    symbols = [s for s in args.symbols.split(",") if s]
    gate = asyncio.Semaphore(args.connect_concurrency)
    started = time.monotonic()
    clients = await asyncio.gather(
        *(_connect(shared, args, symbols, gate) for _ in range(args.clients))
    )
    live = [c for c in clients if c is not None]
    ready = {
        "ready": len(live),
        "failed": args.clients - len(live),
        "connect_seconds": round(time.monotonic() - started, 2),
        "errors": shared.errors[:5],
    }
    print("READY " + json.dumps(ready), flush=True)
    loop = asyncio.get_running_loop()
    try:
        line = await asyncio.wait_for(
            loop.run_in_executor(None, sys.stdin.readline), timeout=args.max_wait
        )
    except TimeoutError:
        return 1
    if not line.strip():
        return 1
    plan = json.loads(line)
    shared.phases = [
        Phase(p["name"], float(p["measure_from"]), float(p["measure_to"])) for p in plan["phases"]
    ]
    await asyncio.sleep(max(0.0, float(plan["end_at"]) - time.time()))
    result = {
        "phases": [_summary(p) for p in shared.phases],
        "ticks_seen": shared.ticks_seen,
        "unparsed": shared.unparsed,
        "closed": shared.closed,
        "errors": shared.errors[:10],
    }
    print("RESULT " + json.dumps(result), flush=True)
    for client in live:
        if client.transport is not None:
            client.transport.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/ws/market/")
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--symbols", required=True)
    parser.add_argument("--connect-concurrency", type=int, default=32)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--max-wait", type=float, default=300.0, help="for the plan, in seconds")
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main_async(args))
    return uvloop.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
