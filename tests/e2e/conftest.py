"""A real stack on loopback for end-to-end tests: Redis, PostgreSQL, two web tiers, a worker and beat.

``stack`` (one per test session) starts a private ``redis-server`` on a free port, creates a
throw-away PostgreSQL database next to the one in ``DATABASE_URL``, migrates and seeds it (the demo
accounts, the simulated market, the demo portfolio), then starts two web tiers on free ports (each
gunicorn with two uvicorn workers, as the Procfile runs it: portfolio_site/web_tier.py), a Celery worker (prefork, as in production) and beat with the simulated feed always open. Every
process runs in its own process group and is stopped at the end; the database is dropped and the
Redis server stopped. Needs PostgreSQL (``DATABASE_URL``) and ``redis-server`` on PATH.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "e2e-demo-password-7c1f"
START_TIMEOUT = 90.0
WEB_WORKERS = 2  # per web tier: ticks cross processes inside a tier and between the two tiers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    what: str,
    check: Any,
    *,
    timeout: float,
    processes: dict[str, Any] | None = None,
    logs: Path | None = None,
) -> Any:
    """Poll ``check`` until it is truthy; fail at once if one of ``processes`` exited, quoting the
    end of its ``logs/<name>.log`` (a pytest failure does not reach the fixture that holds them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in (processes or {}).items():
            if process.poll() is not None:
                log = logs / f"{name}.log" if logs is not None else None
                tail = (
                    "\n".join(log.read_text(errors="replace").splitlines()[-60:])
                    if log is not None and log.exists()
                    else "(no log)"
                )
                raise RuntimeError(
                    f"{name} exited with {process.returncode} while waiting for {what};"
                    f" the end of its log:\n{tail}"
                )
        with contextlib.suppress(Exception):
            result = check()
            if result:
                return result
        time.sleep(0.2)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Stack:
    web_ports: list[int]
    redis_url: str
    prefix: str
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # what the stack's processes run with

    def http(self, path: str, *, web: int = 0) -> str:
        return f"http://127.0.0.1:{self.web_ports[web]}{path}"

    def ws(self, path: str, *, web: int = 0) -> str:
        return f"ws://127.0.0.1:{self.web_ports[web]}{path}"

    def origin(self, *, web: int = 0) -> str:
        return f"http://127.0.0.1:{self.web_ports[web]}"

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.http(path), data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return json.loads(response.read() or b"null")

    def demo_token(self) -> str:
        body = self.request(
            "POST", "/api/auth/token/", {"username": "demo", "password": DEMO_PASSWORD}
        )
        return str(body["access"])

    def workers(self, name: str) -> list[int]:
        """The pids of a web tier's worker processes (the children of its gunicorn master)."""
        pid = self.processes[name].pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return sorted(int(child) for child in children)

    def rss_kib(self, name: str) -> int:
        """Resident memory of the process and its children (a web tier's master and workers)."""
        total = 0
        for pid in [self.processes[name].pid, *self.workers(name)]:
            with contextlib.suppress(FileNotFoundError):
                status = Path(f"/proc/{pid}/status").read_text()
                line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
                total += int(line.split()[1])
        return total

    def log_tails(self, lines: int = 40) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def _database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _admin_dsn(url: str) -> str:
    return url.replace("postgresql://", "postgres://", 1).replace("postgres://", "postgresql://", 1)


def _swap_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    database_url = _database_url()
    if database_url is None:
        pytest.skip("end-to-end tests need PostgreSQL (set DATABASE_URL=postgres://...)")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        pytest.skip("end-to-end tests need redis-server on PATH")

    root = tmp_path_factory.mktemp("e2e")
    logs = root / "logs"
    logs.mkdir()
    (root / "home").mkdir()
    opened: list[subprocess.Popen[bytes]] = []

    def spawn(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (logs / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        opened.append(process)
        return process

    redis_port = free_port()
    redis_process = spawn(
        "redis",
        [redis_server, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
         "--appendonly", "no", "--dir", str(root)],
        dict(os.environ),
    )  # fmt: skip
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    database = f"e2e_realtime_{os.getpid()}"
    admin = psycopg.connect(_admin_dsn(database_url), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
    admin.execute(f'CREATE DATABASE "{database}"')
    web_ports = [free_port(), free_port()]
    stack = Stack(web_ports=web_ports, redis_url=redis_url, prefix="e2e", logs=logs)
    try:
        wait_for("redis", lambda: redis.Redis.from_url(redis_url).ping(), timeout=20)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTEST", "DJANGO_", "TEST_DB"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="portfolio_site.settings",
            DATABASE_URL=_swap_database(database_url, database),
            REDIS_URL=redis_url,
            REDIS_KEY_PREFIX=stack.prefix,
            MARKET_DATA_PROVIDER="simulated",
            SIMULATED_ALWAYS_OPEN="1",
            DEMO_PASSWORD=DEMO_PASSWORD,
            ADMIN_PASSWORD=DEMO_PASSWORD + "-admin",
            VAR_DIR=str(root / "var"),
            HOME=str(root / "home"),
            VNSTOCK_DISABLE_AGENT_SETUP="1",
            VNSTOCK_TELEMETRY="off",
            WS_MESSAGE_LIMIT="100000",
            WS_CONNECT_LIMIT="1000",
            WS_MAX_CONNECTIONS_PER_ADDRESS="1000",
            PYTHONUNBUFFERED="1",
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        stack.env = env
        for step in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *step], cwd=BASE_DIR, env=env, check=True,
                timeout=300, stdout=(logs / "setup.log").open("ab"), stderr=subprocess.STDOUT,
            )  # fmt: skip
        for index, port in enumerate(web_ports):
            stack.processes[f"web{index}"] = spawn(
                f"web{index}",
                [str(BIN / "gunicorn"), "-c", "python:portfolio_site.web_tier",
                 "--bind", f"127.0.0.1:{port}", "--workers", str(WEB_WORKERS),
                 "portfolio_site.asgi:application"],
                env,
            )  # fmt: skip
        stack.processes["worker"] = spawn(
            "worker",
            [str(BIN / "celery"), "-A", "portfolio_site.celery", "worker", "--loglevel=INFO",
             "--concurrency=2", "--without-gossip", "--without-mingle"],
            env,
        )  # fmt: skip
        stack.processes["beat"] = spawn(
            "beat",
            [str(BIN / "celery"), "-A", "portfolio_site.celery", "beat", "--loglevel=INFO",
             "--pidfile=", "-s", str(root / "beat-schedule")],
            env,
        )  # fmt: skip
        for index in range(len(web_ports)):
            wait_for(
                f"web{index} /readyz",
                lambda index=index: (
                    urllib.request.urlopen(  # noqa: S310 - loopback
                        stack.http("/readyz", web=index), timeout=2
                    ).status
                    == 200
                ),
                timeout=START_TIMEOUT,
                processes=stack.processes,
            )
        # the worker has polled the simulated board at least twice: quotes and ticks exist
        wait_for(
            "the first ticks",
            lambda: stack.request("GET", "/api/market/instruments/FPT/ticks/")["count"] > 0,
            timeout=START_TIMEOUT,
            processes=stack.processes,
        )
        yield stack
    except BaseException:
        sys.stderr.write(stack.log_tails())
        raise
    finally:
        for process in reversed(opened):
            if process is not redis_process:
                _stop(process)
        with contextlib.suppress(psycopg.Error):
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        _stop(redis_process)
