"""Subprocess plumbing for the reliability tests: Celery workers and beats on a private queue
against the test database, a private ``redis-server``, and checks against the simulated feed."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from market.calendar import market_date
from market.models import Bar, Quote, Tick
from market.providers.simulated import SimulatedProvider

BASE_DIR = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    """The URL of the database pytest created (subprocesses see committed rows only)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def stop(
    process: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM, timeout: float = 20
) -> None:
    """Signal a process group and wait; SIGKILL what outlives ``timeout``."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class Processes:
    """Starts subprocesses in their own process groups, logs each, stops them all at the end."""

    def __init__(self, logs: Path, env: dict[str, str]) -> None:
        self.logs = logs
        self.env = env
        self.started: list[subprocess.Popen[bytes]] = []
        self.counts: dict[str, int] = defaultdict(int)

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        self.counts[name] += 1
        log = (self.logs / f"{name}-{self.counts[name]}.log").open("wb")
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def celery(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        return self.start(
            name, [sys.executable, "-m", "celery", "-A", "portfolio_site.celery", *args]
        )

    def log_text(self, prefix: str) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in sorted(self.logs.glob(f"{prefix}-*.log"))
        )

    def tails(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.logs.glob("*.log"))
        )

    def stop_all(self) -> None:
        for process in reversed(self.started):
            stop(process)

    def wait_for(
        self, what: str, condition: Callable[[], bool], timeout: float = WAIT_SECONDS
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if condition():
                    return
            time.sleep(0.3)
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{self.tails()}")


def delete_own_keys(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"{prefix}:*", count=500))
    keys += list(client.scan_iter(match=f"*{prefix}*", count=500))
    if keys:
        client.delete(*set(keys))


@contextlib.contextmanager
def redis_server(
    directory: Path, port: int | None = None
) -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """A private redis-server: yields (url, stop, start) -- stop and start keep the same port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server on PATH")
    port = port or free_port()
    url = f"redis://127.0.0.1:{port}/0"
    holder: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        log = (directory / "redis.log").open("ab")
        holder.append(
            subprocess.Popen(
                [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                 "--appendonly", "no", "--dir", str(directory)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(url).ping():
                    return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def halt() -> None:
        if holder:
            stop(holder.pop(), sig=signal.SIGKILL)

    start()
    try:
        yield url, halt, start
    finally:
        halt()


# --- checking what was stored against the simulated feed's own record ----------------------------


def feed_problems(provider: SimulatedProvider) -> list[str]:
    """Differences between the stored ticks, 1m bars and quotes and the simulated feed.

    - seqs run 1..n per symbol (no duplicate, no gap);
    - a tick's price is the feed's last price at the tick's time, and its volume is exactly what
      the feed traded since the previous tick of the same day (nothing lost, nothing counted
      twice);
    - each quote's accumulated volume is the feed's at the quote's as_of;
    - the 1m bars hold exactly the ticks' volume, one bar per (symbol, minute).
    """
    problems: list[str] = []
    ticks: dict[str, list[Tick]] = defaultdict(list)
    for tick in Tick.objects.select_related("instrument").order_by("instrument_id", "seq"):
        ticks[tick.instrument.symbol].append(tick)
    for symbol, rows in ticks.items():
        seqs = [t.seq for t in rows]
        if seqs != list(range(1, len(seqs) + 1)):
            problems.append(f"{symbol}: seqs not 1..{len(seqs)}: {seqs[:50]}")
        for previous, tick in itertools.pairwise(rows):
            feed = provider.quote_at(symbol, tick.time)
            if feed.last != tick.price:
                problems.append(f"{symbol} seq {tick.seq}: price {tick.price} != feed {feed.last}")
            if market_date(previous.time) != market_date(tick.time):
                continue
            traded = feed.volume - provider.quote_at(symbol, previous.time).volume
            if traded != tick.volume:
                problems.append(f"{symbol} seq {tick.seq}: volume {tick.volume} != feed {traded}")
    for row in Quote.objects.select_related("instrument"):
        feed = provider.quote_at(row.instrument.symbol, row.as_of)
        if feed.volume != row.volume:
            problems.append(f"{row.instrument.symbol}: quote volume {row.volume} != {feed.volume}")
    minute_volume: dict[tuple[int, datetime], int] = defaultdict(int)
    for rows in ticks.values():
        for tick in rows:
            minute = tick.time.replace(second=0, microsecond=0)
            minute_volume[(tick.instrument_id, minute)] += tick.volume
    bar_volume = {
        (instrument_id, start): volume
        for instrument_id, start, volume in Bar.objects.filter(interval="1m").values_list(
            "instrument_id", "start", "volume"
        )
    }
    if bar_volume != dict(minute_volume):
        keys = sorted(set(bar_volume) | set(minute_volume))
        wrong = [(k, bar_volume.get(k), minute_volume.get(k)) for k in keys]
        wrong = [w for w in wrong if w[1] != w[2]][:10]
        problems.append(f"1m bars differ from the ticks' volume per minute (bar, ticks): {wrong}")
    return problems


def worker_env(*, redis_url: str, prefix: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DB"))}
    env.update(
        DATABASE_URL=test_database_url(),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        REDIS_KEY_PREFIX=prefix,
        MARKET_DATA_PROVIDER="simulated",
        SIMULATED_ALWAYS_OPEN="1",
        QUOTE_POLL_SECONDS="1",
        DJANGO_ENV="development",
        HOME=str(home),
        VNSTOCK_DISABLE_AGENT_SETUP="1",
        VNSTOCK_TELEMETRY="off",
        PYTHONUNBUFFERED="1",
    )
    return env


def own_prefix() -> str:
    return f"{settings.REDIS_KEY_PREFIX}-rel"
