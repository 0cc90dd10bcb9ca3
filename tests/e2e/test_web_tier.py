"""One web tier (gunicorn + two uvicorn workers, portfolio_site/web_tier.py) losing a worker under
load: the clients that were on it reconnect to the same address and get ticks again, the clients on
the other worker are not disturbed, HTTP keeps being served, and gunicorn forks a new worker. And
connections that stop half-way through a request head do not stall the worker that holds them.

Which worker holds which websocket is read from /proc: the server side of a client's connection is
the socket whose remote port is the client's local port, owned by one worker's file descriptors.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import BASE_DIR, BIN, Stack, free_port, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

WEB = 1  # the second tier: the other tests use the first
CLIENTS = 16
SYMBOLS = ["FPT", "VNM", "HPG", "VCB", "MWG", "SSI"]
LIVE_WAIT = 90.0


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def _server_inode_by_client_port(server_port: int) -> dict[int, str]:
    """Established loopback connections to ``server_port``: client port -> server socket inode."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                local_port = int(parts[1].rsplit(":", 1)[1], 16)
                remote_port = int(parts[2].rsplit(":", 1)[1], 16)
                if local_port == server_port and parts[3] == "01":  # ESTABLISHED
                    found[remote_port] = parts[9]
    return found


def worker_of(stack: Stack, clients: list[Client]) -> dict[int, list[Client]]:
    by_port = _server_inode_by_client_port(stack.web_ports[WEB])
    owners = {pid: _socket_inodes(pid) for pid in stack.workers(f"web{WEB}")}
    placed: dict[int, list[Client]] = {pid: [] for pid in owners}
    for client in clients:
        inode = by_port[client.local_port]
        pid = next(pid for pid, inodes in owners.items() if inode in inodes)
        placed[pid].append(client)
    return placed


@dataclass
class Client:
    stack: Stack
    local_port: int = 0
    disconnects: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    ticks_since: list[float] = field(default_factory=list)  # receipt times of ticks
    stop: bool = False

    async def run(self) -> None:
        while not self.stop:
            try:
                ws = await self._open()
            except (OSError, ConnectionClosed, TimeoutError):
                await asyncio.sleep(0.2)  # refused while no worker accepts: try again
                continue
            try:
                self.ready.set()
                while not self.stop:
                    message = json.loads(await ws.recv())
                    if message["type"] == "tick":
                        self.ticks_since.append(time.monotonic())
            except ConnectionClosed:
                self.disconnects += 1
                self.ready.clear()
            finally:
                await ws.close()

    async def _open(self) -> ClientConnection:
        ws = await connect(
            self.stack.ws("/ws/market/", web=WEB),
            origin=self.stack.origin(web=WEB),
            open_timeout=10,
        )  # type: ignore[arg-type]
        self.local_port = ws.local_address[1]
        await ws.send(json.dumps({"action": "subscribe", "symbols": SYMBOLS}))
        async with asyncio.timeout(20):
            while json.loads(await ws.recv())["type"] != "snapshot":
                pass
        return ws

    def ticked_after(self, moment: float) -> bool:
        return any(t > moment for t in self.ticks_since)


class HealthLoad:
    """GET /healthz in a loop on its own thread; failures are kept with their time."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.http("/healthz", web=WEB)
        self.ok: list[float] = []
        self.failed: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:  # noqa: S310
                    (self.ok if response.status == 200 else self.failed).append(time.monotonic())
            except OSError:
                self.failed.append(time.monotonic())
                time.sleep(0.05)

    def __enter__(self) -> HealthLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


async def test_killing_one_worker_loses_no_websocket_client_for_good(stack: Stack) -> None:
    name = f"web{WEB}"
    assert len(stack.workers(name)) == 2
    clients = [Client(stack) for _ in range(CLIENTS)]
    tasks = [asyncio.create_task(client.run()) for client in clients]
    try:
        async with asyncio.timeout(60):
            await asyncio.gather(*(client.ready.wait() for client in clients))
        placed = await asyncio.to_thread(worker_of, stack, clients)
        victim, survivor = sorted(placed, key=lambda pid: -len(placed[pid]))
        on_victim, on_survivor = placed[victim], placed[survivor]
        assert on_victim, placed
        with HealthLoad(stack) as load:
            await asyncio.sleep(1.0)
            killed_at = time.monotonic()
            os.kill(victim, signal.SIGKILL)
            # every client, moved or not, gets live ticks again
            async with asyncio.timeout(LIVE_WAIT):
                while not all(client.ticked_after(killed_at + 1.0) for client in clients):
                    await asyncio.sleep(0.5)
            replaced = await asyncio.to_thread(
                wait_for,
                "a new worker",
                lambda: len(stack.workers(name)) == 2 and victim not in stack.workers(name),
                timeout=60,
            )
            await asyncio.sleep(1.0)
        assert replaced
        assert all(client.disconnects == 1 for client in on_victim)
        assert all(client.disconnects == 0 for client in on_survivor)
        # HTTP: served throughout by the survivor, nothing failing a second after the kill
        assert [t for t in load.failed if t > killed_at + 1.0] == []
        assert len([t for t in load.ok if t > killed_at]) > 10
        assert len(load.failed) <= 3  # at most the requests in flight on the killed worker
    finally:
        for client in clients:
            client.stop = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def test_slow_clients_do_not_stall_a_worker(stack: Stack) -> None:
    """A tier of one worker holding 40 connections that sent half a request head and then nothing:
    everyone else's requests are still answered (each within urlopen's 5 s timeout)."""
    port = free_port()
    log = (stack.logs / "web-single.log").open("wb")
    tier = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "python:portfolio_site.web_tier", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "portfolio_site.asgi:application"],
        cwd=BASE_DIR, env=stack.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    slow: list[socket.socket] = []
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        wait_for(
            "the one-worker tier",
            lambda: urllib.request.urlopen(url, timeout=2).status == 200,
            timeout=90,
            processes={"web-single": tier},
            logs=stack.logs,
        )
        for _ in range(40):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(sock)
        time.sleep(0.5)
        held = _server_inode_by_client_port(port)
        assert all(s.getsockname()[1] in held for s in slow)  # all open, on the one worker
        for _ in range(40):
            with urllib.request.urlopen(url, timeout=5) as response:
                assert response.status == 200
    finally:
        for sock in slow:
            sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(tier.pid, signal.SIGTERM)
        try:
            tier.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(tier.pid, signal.SIGKILL)
            tier.wait(timeout=5)
