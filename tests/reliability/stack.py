"""A small real stack whose Redis and PostgreSQL the tests may stop and start: one web tier (gunicorn
and its uvicorn workers, as the Procfile runs it), a prefork worker, beat and the simulated feed, on loopback, plus the load the tests put on it.

Unlike ``tests/e2e`` (which uses the shared PostgreSQL), the database here is a cluster of our own
(``initdb`` + ``pg_ctl`` in a temporary directory on a free port, run as the ``postgres`` user when
we are root), so a test can restart it. Without ``initdb`` the stack falls back to a throw-away
database on ``DATABASE_URL`` and ``Stack.postgres`` is None (the restart test skips).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import psycopg
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.conftest import BIN, DEMO_PASSWORD, _stop, free_port, wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0


def _lower(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


class PostgresCluster:
    """A private PostgreSQL cluster that can be stopped and started on the same port."""

    def __init__(self, root: Path) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        found = binaries[-1] if binaries else shutil.which("initdb")
        if found is None:
            raise RuntimeError("no initdb")
        self.bin = Path(found).parent
        self.dir = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
        self.data = self.dir / "data"
        self.log = root / "postgres.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/reliability"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise RuntimeError("root without runuser")
            self.as_user = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.dir, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")  # fmt: skip
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute("CREATE DATABASE reliability")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self.as_user, *command], check=True, timeout=120, cwd=self.dir,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories="
                   f"{self.dir} -c fsync=off -c max_connections=200")  # fmt: skip
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "server.log"), "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        with contextlib.suppress(OSError):
            shutil.copy(self.dir / "server.log", self.log)
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisProcess:
    """A private redis-server that can be killed and started again on the same port."""

    def __init__(self, root: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("no redis-server")
        self.binary = binary
        self.root = root
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        log = (self.root / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.root)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        import redis

        wait_for("redis", lambda: redis.Redis.from_url(self.url).ping(), timeout=20)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Stack:
    port: int
    redis: RedisProcess
    postgres: PostgresCluster | None
    database_url: str
    logs: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        """Start ``command`` in a process group of its own, appending to ``logs/<name>.log``."""
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=self.env, stdout=(self.logs / f"{name}.log").open("ab"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.started.append(process)
        self.processes[name] = process
        return process

    def start_web(self) -> None:
        """The web tier on ``port`` (the same port after a restart), WEB_CONCURRENCY workers."""
        self.spawn("web", [str(BIN / "gunicorn"), "-c", "python:portfolio_site.web_tier",
                           "--bind", f"127.0.0.1:{self.port}",
                           "portfolio_site.asgi:application"])  # fmt: skip

    def stop_web(self) -> None:
        """SIGTERM to the tier's process group (SIGKILL if it lingers): every open websocket and
        request is cut."""
        _stop(self.processes["web"])

    def wait_ready(self) -> None:
        wait_for("/readyz", lambda: self.call("GET", "/readyz")[0] == 200, timeout=START_TIMEOUT,
                 processes=self.processes, logs=self.logs)  # fmt: skip

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ws(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body or None, headers); never raises for an HTTP status."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url(path), data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback
                raw = response.read()
                return response.status, json.loads(raw or b"null"), _lower(response.headers)
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            with contextlib.suppress(ValueError):
                return exc.code, json.loads(raw or b"null"), _lower(exc.headers)
            return exc.code, None, _lower(exc.headers)

    def token(self) -> str:
        status, body, _ = self.call(
            "POST", "/api/auth/token/", {"username": "demo", "password": DEMO_PASSWORD}
        )
        assert status == 200, body
        return str(body["access"])

    def web_rss_kib(self) -> int:
        """Resident memory of the web tier (the master and its workers), KiB."""
        process = psutil.Process(self.processes["web"].pid)
        return (
            sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) // 1024
        )

    def tails(self) -> str:
        return "\n".join(
            f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-30:])
            for p in sorted(self.logs.glob("*.log"))
        )


def build_stack(root: Path) -> Iterator[Stack]:
    logs = root / "logs"
    logs.mkdir()
    (root / "home").mkdir()
    redis_process = RedisProcess(root)
    postgres: PostgresCluster | None = None
    admin_url = os.environ.get("DATABASE_URL", "")
    throwaway = f"reliability_{os.getpid()}"
    try:
        postgres = PostgresCluster(root)
        database_url = postgres.url
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        sys.stderr.write(f"reliability: no private PostgreSQL cluster ({exc}); using {throwaway}\n")
        if not admin_url.startswith(("postgres://", "postgresql://")):
            redis_process.kill()
            import pytest

            pytest.skip("needs initdb or a PostgreSQL DATABASE_URL")
        base = admin_url.rpartition("/")[0]
        with psycopg.connect(
            admin_url.replace("postgres://", "postgresql://", 1), autocommit=True
        ) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{throwaway}"')
            c.execute(f'CREATE DATABASE "{throwaway}"')
        database_url = f"{base}/{throwaway}"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "TEST_DB"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portfolio_site.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_process.url,
        REDIS_KEY_PREFIX="rel",
        MARKET_DATA_PROVIDER="simulated",
        SIMULATED_ALWAYS_OPEN="1",
        DEMO_PASSWORD=DEMO_PASSWORD,
        ADMIN_PASSWORD=DEMO_PASSWORD + "-admin",
        VAR_DIR=str(root / "var"),
        HOME=str(root / "home"),
        VNSTOCK_DISABLE_AGENT_SETUP="1",
        VNSTOCK_TELEMETRY="off",
        WS_MESSAGE_LIMIT="100000",
        WS_CONNECT_LIMIT="100000",
        WS_MAX_CONNECTIONS_PER_ADDRESS="100000",
        WS_MAX_CONNECTIONS_PER_USER="100000",
        RATE_LIMIT_AUTH="1000/min",
        RATE_LIMIT_LOGIN_PAIR="1000/min",
        RATE_LIMIT_LOGIN_ACCOUNT="1000/min",
        RATE_LIMIT_MARKET_READ="1000000/min",
        RATE_LIMIT_PORTFOLIO_READ="1000000/min",
        RATE_LIMIT_PORTFOLIO_WRITE="1000000/min",
        RATE_LIMIT_DEFAULT="1000000/min",
        PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    stack = Stack(
        port=free_port(),
        redis=redis_process,
        postgres=postgres,
        database_url=database_url,
        logs=logs,
        env=env,
    )
    try:
        for step in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *step], cwd=BASE_DIR, env=env, check=True,
                timeout=300, stdout=(logs / "setup.log").open("ab"), stderr=subprocess.STDOUT,
            )  # fmt: skip
        stack.start_web()
        stack.spawn("worker", [str(BIN / "celery"), "-A", "portfolio_site.celery", "worker",
                               "--loglevel=INFO", "--concurrency=2", "--without-gossip",
                               "--without-mingle"])  # fmt: skip
        stack.spawn("beat", [str(BIN / "celery"), "-A", "portfolio_site.celery", "beat",
                             "--loglevel=INFO", "--pidfile=", "-s",
                             str(root / "beat-schedule")])  # fmt: skip
        stack.wait_ready()
        wait_for(
            "the first ticks",
            lambda: stack.call("GET", "/api/market/instruments/FPT/ticks/")[1]["count"] > 0,
            timeout=START_TIMEOUT,
            processes=stack.processes,
            logs=logs,
        )
        yield stack
    except BaseException:
        sys.stderr.write(stack.tails())
        raise
    finally:
        for process in reversed(stack.started):
            _stop(process)
        redis_process.kill()
        if postgres is not None:
            postgres.remove()
        else:
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(
                    admin_url.replace("postgres://", "postgresql://", 1), autocommit=True
                ) as c,
            ):
                c.execute(f'DROP DATABASE IF EXISTS "{throwaway}" WITH (FORCE)')


# --- load -----------------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    name: str
    status: int  # 0: no HTTP answer at all (connection refused, reset, timeout)


class HttpLoad:
    """Threads that call ``requests`` (name -> (method, path, body)) in a loop and record statuses."""

    def __init__(
        self,
        stack: Stack,
        calls: dict[str, tuple[str, str, Any]],
        *,
        threads: int = 4,
        token: str | None = None,
        pause: float = 0.02,
    ) -> None:
        self.stack = stack
        self.calls = list(calls.items())
        self.token = token
        self.pause = pause
        self.samples: list[Sample] = []
        self.headers: list[tuple[float, str, dict[str, str]]] = []
        self.stop_event = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)
        ]

    def _run(self, number: int) -> None:
        index = number
        while not self.stop_event.is_set():
            name, (method, path, body) = self.calls[index % len(self.calls)]
            index += 1
            try:
                status, _, headers = self.stack.call(method, path, body, self.token)
            except Exception:
                status, headers = 0, {}
            now = time.monotonic()
            self.samples.append(Sample(now, name, status))
            self.headers.append((now, name, headers))
            time.sleep(self.pause)

    def __enter__(self) -> HttpLoad:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def statuses(self, *, since: float = 0.0, until: float = float("inf")) -> Counter[int]:
        return Counter(s.status for s in self.samples if since <= s.at < until)


class TickClients:
    """``count`` websocket clients on /ws/market/, in a thread of their own, that reconnect after a
    close and resubscribe; per client the seqs seen per symbol and how gaps were repaired.

    At most ``connecting`` clients are between "connect" and "snapshot received" at once, as the
    benchmark's clients do (``bench/fanout_clients.py``): the clients connect in waves, not in one
    storm, when they start and when they all reconnect after the server went away."""

    def __init__(
        self,
        stack: Stack,
        symbols: list[str],
        *,
        count: int,
        repair: bool = True,
        connecting: int = 32,
    ) -> None:
        self.stack = stack
        self.symbols = symbols
        self.count = count
        self.repair = repair
        self.connecting = connecting
        self.seen: list[dict[str, set[int]]] = [{} for _ in range(count)]
        self.connects = [0] * count
        self.closes: Counter[str] = Counter()
        self.errors: list[str] = []
        self.live = [0] * count  # ticks each client got from the stream
        self.repaired = 0  # seqs a client filled in from the REST ticks after a gap
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        gate = asyncio.Semaphore(self.connecting)
        await asyncio.gather(*(self._client(n, gate) for n in range(self.count)))

    async def _open(self, gate: asyncio.Semaphore) -> tuple[ClientConnection, dict[str, Any]]:
        """Connect and subscribe (waiting for a place in the gate): the socket and its snapshot."""
        async with gate:
            ws = await connect(self.stack.ws("/ws/market/"), origin=self.stack.origin,  # type: ignore[arg-type]
                               open_timeout=30, ping_interval=None)  # fmt: skip
            try:
                await ws.send(json.dumps({"action": "subscribe", "symbols": self.symbols}))
                first = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            except BaseException:
                await ws.close()
                raise
        return ws, first

    async def _client(self, number: int, gate: asyncio.Semaphore) -> None:
        while not self.stop_event.is_set():
            try:
                ws, first = await self._open(gate)
                async with ws:
                    self.connects[number] += 1
                    await self._handle(number, first)
                    while not self.stop_event.is_set():
                        try:
                            raw = await asyncio.wait_for(ws.recv(), timeout=1.0)
                        except TimeoutError:
                            continue
                        await self._handle(number, json.loads(raw))
                    return
            except Exception as exc:
                self.closes[type(exc).__name__] += 1
                await asyncio.sleep(0.5)

    async def _handle(self, number: int, message: dict[str, Any]) -> None:
        seen = self.seen[number]
        if message["type"] == "snapshot":
            for quote in message["quotes"]:
                if quote.get("seq"):
                    await self._resync(seen, quote["symbol"], int(quote["seq"]))
        elif message["type"] == "tick":
            symbol, seq = message["symbol"], int(message["seq"])
            known = seen.setdefault(symbol, set())
            if known and seq > max(known) + 1:
                await self._fill(known, symbol, max(known))
            known.add(seq)
            self.live[number] += 1
        elif message["type"] == "error":
            self.errors.append(str(message))

    async def _resync(self, seen: dict[str, set[int]], symbol: str, seq: int) -> None:
        """After a (re)subscribe: the snapshot's seq is the latest; fetch what we missed."""
        known = seen.setdefault(symbol, set())
        if known and seq > max(known):
            await self._fill(known, symbol, max(known))
        known.add(seq)

    async def _fill(self, known: set[int], symbol: str, after: int) -> None:
        if not self.repair:
            return
        path = f"/api/market/instruments/{symbol}/ticks/?after_seq={after}&page_size=500"
        status, body, _ = await asyncio.to_thread(self.stack.call, "GET", path)
        if status == 200:
            fetched = {int(t["seq"]) for t in body["results"]}
            self.repaired += len(fetched - known)
            known.update(fetched)

    @property
    def ticks(self) -> int:
        return sum(self.live)

    def __enter__(self) -> TickClients:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(timeout=60)

    def gaps(self) -> list[str]:
        """Seq holes left unrepaired in any client's record (between its first and last seq)."""
        holes = []
        for number, seen in enumerate(self.seen):
            for symbol, seqs in seen.items():
                missing = set(range(min(seqs), max(seqs) + 1)) - seqs
                if missing:
                    holes.append(f"client {number} {symbol}: {sorted(missing)[:10]}")
        return holes


def wait_until(
    what: str,
    condition: Callable[[], bool],
    timeout: float,
    *,
    stack: Stack | None = None,
) -> None:
    """Wait for ``condition``; with ``stack``, fail at once if one of its processes exited."""
    wait_for(
        what,
        condition,
        timeout=timeout,
        processes=stack.processes if stack is not None else None,
        logs=stack.logs if stack is not None else None,
    )
