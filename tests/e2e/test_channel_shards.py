"""The channel layer on two Redis servers under two web processes, and the loss of one of them.

Two private ``redis-server``s are the shards (``CHANNEL_REDIS_URLS``); two web tiers of one worker
each (gunicorn + uvicorn, as deployed) run on the session stack's database with them. Websocket
clients on both processes follow the VN30, whose ticker groups hash to both shards. Ticks are
published from here through the same layer class and batch call the worker uses
(``group_send_many`` of ``realtime.broadcast.tick_events``), with ``seq`` far above the simulated
feed's so every client forwards them.

Fault: shard 1 is killed (SIGKILL) -- its groups' ticks stop, shard 0's keep flowing, no client is
disconnected, /readyz says "degraded" (200), new clients still connect and subscribe, even to
symbols nobody followed before; started again on the same port, its groups deliver again within
seconds without any client doing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from channels_redis.utils import _consistent_hash
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from market.providers.simulated_universe import UNIVERSE
from realtime.broadcast import tick_events, ticker_group
from realtime.layers import BoundedPubSubChannelLayer, ShardsUnavailable
from tests.e2e.conftest import BASE_DIR, BIN, Stack, _stop, free_port, wait_for
from tests.redis_servers import RedisServer, redis_servers

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

VN30 = [i.symbol for i in UNIVERSE if "VN30" in i.groups]
HNX30 = [i.symbol for i in UNIVERSE if "HNX30" in i.groups]
CLIENTS_PER_WEB = 3
DELIVERY_WAIT = 20.0  # bounds only
RECOVERY_WAIT = 15.0
_seqs = itertools.count(10**12)  # above any simulated tick's seq: every client forwards them


@dataclass
class Sharded:
    stack: Stack
    shards: list[RedisServer]
    ports: list[int]

    @property
    def prefix(self) -> str:
        return f"{self.stack.prefix}:asgi"  # settings: f"{REDIS_KEY_PREFIX}:asgi"

    def shard_of(self, symbol: str) -> int:
        return _consistent_hash(f"{self.prefix}__group__{ticker_group(symbol)}", 2)

    def layer(self) -> BoundedPubSubChannelLayer:
        return BoundedPubSubChannelLayer(
            hosts=[{"address": s.url, "socket_connect_timeout": 1} for s in self.shards],
            prefix=self.prefix,
            capacity=100,
        )

    def get(self, web: int, path: str) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.ports[web]}{path}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


@pytest.fixture(scope="module")
def sharded(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sharded]:
    with redis_servers(tmp_path_factory.mktemp("shards"), 2) as shards:
        env = {**stack.env, "CHANNEL_REDIS_URLS": ",".join(s.url for s in shards)}
        ports = [free_port(), free_port()]
        processes: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for index, port in enumerate(ports):
                name = f"sharded-web{index}"
                log = (stack.logs / f"{name}.log").open("wb")
                processes[name] = subprocess.Popen(
                    [str(BIN / "gunicorn"), "-c", "python:portfolio_site.web_tier",
                     "--bind", f"127.0.0.1:{port}", "--workers", "1",
                     "portfolio_site.asgi:application"],
                    cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
                log.close()
            for index, port in enumerate(ports):
                wait_for(
                    f"sharded-web{index} /readyz",
                    lambda port=port: (
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).status
                        == 200
                    ),
                    timeout=90,
                    processes=processes,
                    logs=stack.logs,
                )
            yield Sharded(stack, shards, ports)
        finally:
            for process in processes.values():
                _stop(process)


@dataclass
class Client:
    sharded: Sharded
    web: int
    symbols: list[str]
    seqs: dict[str, set[int]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    disconnects: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    stop: bool = False

    async def run(self) -> None:
        while not self.stop:
            try:
                ws = await self._open()
            except (OSError, ConnectionClosed, TimeoutError):
                self.disconnects += 1
                await asyncio.sleep(0.2)
                continue
            try:
                self.ready.set()
                while not self.stop:
                    message = json.loads(await ws.recv())
                    if message["type"] == "tick":
                        self.seqs.setdefault(message["symbol"], set()).add(message["seq"])
                    elif message["type"] == "error":
                        self.errors.append(message)
            except ConnectionClosed:
                self.disconnects += 1
                self.ready.clear()
            finally:
                await ws.close()

    async def _open(self) -> ClientConnection:
        port = self.sharded.ports[self.web]
        ws = await connect(
            f"ws://127.0.0.1:{port}/ws/market/", origin=f"http://127.0.0.1:{port}", open_timeout=20
        )  # type: ignore[arg-type]
        await ws.send(json.dumps({"action": "subscribe", "symbols": self.symbols}))
        async with asyncio.timeout(20):
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "snapshot":
                    return ws
                if message["type"] == "error":
                    raise AssertionError(f"subscribe failed: {message}")

    def got(self, symbol: str, seq: int) -> bool:
        return any(s >= seq for s in self.seqs.get(symbol, ()))


@contextlib.asynccontextmanager
async def clients_on_both(sharded: Sharded, symbols: list[str]) -> Any:
    clients = [Client(sharded, web, symbols) for web in (0, 1) for _ in range(CLIENTS_PER_WEB)]
    tasks = [asyncio.create_task(client.run()) for client in clients]
    try:
        async with asyncio.timeout(60):
            await asyncio.gather(*(client.ready.wait() for client in clients))
        yield clients
    finally:
        for client in clients:
            client.stop = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def publish(layer: BoundedPubSubChannelLayer, symbols: list[str], seq: int) -> int:
    """One batch, a tick per symbol, as ``publish_ticks`` sends it; how many events failed."""
    ts = datetime.now(UTC).isoformat()
    ticks = [
        {"symbol": symbol, "price": "10000", "change": "0", "change_pct": "0.00",
         "volume": 100, "ts": ts, "seq": seq, "source": "shard-test"}
        for symbol in symbols
    ]  # fmt: skip
    try:
        await layer.group_send_many(tick_events(ticks))
    except ShardsUnavailable as error:
        return error.failed
    return 0


async def until(what: str, check: Any, timeout: float) -> float:
    """Seconds until ``check()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def test_every_tick_reaches_every_subscriber_whichever_shard_its_group_hashes_to(
    sharded: Sharded,
) -> None:
    where = {symbol: sharded.shard_of(symbol) for symbol in VN30}
    assert set(where.values()) == {0, 1}, where  # the VN30's groups are on both shards
    layer = sharded.layer()
    async with clients_on_both(sharded, VN30) as clients:
        # each group is subscribed on its own shard, once by each web process
        for index, server in enumerate(sharded.shards):
            groups = [
                f"{sharded.prefix}__group__{ticker_group(s)}" for s in VN30 if where[s] == index
            ]
            counts = dict(server.client().pubsub_numsub(*groups))
            assert {name.decode(): count for name, count in counts.items()} == dict.fromkeys(
                groups, 2
            )
        seq = next(_seqs)
        assert await publish(layer, VN30, seq) == 0
        await until(
            "every client to get every symbol's tick",
            lambda: all(c.got(s, seq) for c in clients for s in VN30),
            DELIVERY_WAIT,
        )
        assert all(client.disconnects == 0 and not client.errors for client in clients)
    await layer.flush()


async def test_losing_a_shard_drops_only_its_groups_until_it_returns(sharded: Sharded) -> None:
    on_dead = [symbol for symbol in VN30 if sharded.shard_of(symbol) == 1]
    on_live = [symbol for symbol in VN30 if symbol not in on_dead]
    unfollowed_on_dead = [symbol for symbol in HNX30 if sharded.shard_of(symbol) == 1][:3]
    assert on_dead
    assert on_live
    assert unfollowed_on_dead
    layer = sharded.layer()
    async with clients_on_both(sharded, VN30) as clients:
        seq = next(_seqs)
        assert await publish(layer, VN30, seq) == 0
        await until("the first ticks", lambda: all(c.got(s, seq) for c in clients for s in VN30),
                    DELIVERY_WAIT)  # fmt: skip

        # when shard 1 dies
        sharded.shards[1].kill()
        seq = next(_seqs)
        assert await publish(layer, VN30, seq) == len(on_dead)  # only its part failed
        # then shard 0's groups still deliver to every client on both processes; shard 1's don't
        await until("shard 0's ticks", lambda: all(c.got(s, seq) for c in clients for s in on_live),
                    DELIVERY_WAIT)  # fmt: skip
        await asyncio.sleep(1.0)
        assert not any(c.got(s, seq) for c in clients for s in on_dead)
        # the processes stay up: ready but degraded, naming the dead shard
        for web in (0, 1):
            assert sharded.get(web, "/healthz")[0] == 200
            status, body = sharded.get(web, "/readyz")
            assert (status, body["status"]) == (200, "degraded"), body
            shards = body["checks"]["channel_layer"]["shards"]
            assert [shard["ok"] for shard in shards] == [True, False]
        # and new clients connect and subscribe meanwhile, also to symbols nobody followed yet
        async with clients_on_both(sharded, VN30 + unfollowed_on_dead) as late:
            # when shard 1 is back on the same port
            sharded.shards[1].start()
            wanted = on_dead + unfollowed_on_dead
            first = next(_seqs)

            async def republish() -> None:
                while True:
                    await publish(layer, wanted, next(_seqs))
                    await asyncio.sleep(0.25)

            publisher = asyncio.create_task(republish())
            try:
                recovered = await until(
                    "shard 1's groups to deliver again",
                    lambda: (
                        all(c.got(s, first) for c in clients for s in on_dead)
                        and all(c.got(s, first) for c in late for s in wanted)
                    ),
                    RECOVERY_WAIT,
                )
            finally:
                publisher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await publisher
            print(f"shard 1's groups delivered again {recovered:.1f}s after its restart")
            assert all(c.disconnects == 0 and not c.errors for c in [*clients, *late])
    for web in (0, 1):
        status, body = sharded.get(web, "/readyz")
        assert (status, body["status"]) == (200, "ok"), body
    await layer.flush()
