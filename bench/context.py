"""Run-wide settings of a benchmark run, from the environment, and the Django set-up for it.

Environment (all optional):
  BENCH_QUICK=1          about 2 minutes instead of about 15
  BENCH_DATABASE_URL     PostgreSQL database the API/ingestion sections may wipe and fill
                         (default postgres://postgres@127.0.0.1:5432/bench_portfolio, created if missing)
  BENCH_REDIS_URL        Redis database for the channel layer, cache and limiter keys
                         (default redis://127.0.0.1:6379/8); only keys under the run's prefix are
                         written, and they are deleted at the end
  BENCH_SERVER_CPUS      CPU list the servers are pinned to with taskset (default: the first half
                         of the CPUs on 4 or more, every CPU below 4)
  BENCH_CLIENT_CPUS      CPU list the load generators are pinned to (default: the other half, or
                         every CPU below 4)
Every server -- ours (the web tier), the FastAPI peers and the bare broadcast ceiling -- runs one
process per server CPU (``Context.server_processes``).
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(os.cpu_count() or 1))


def _default_cpus(part: str) -> str:
    cpus = _cpus()
    if len(cpus) < 4:  # too few to split: servers and load generators share them all
        return ",".join(map(str, cpus))
    half = len(cpus) // 2
    chosen = cpus[:half] if part == "server" else cpus[half:]
    return ",".join(map(str, chosen))


def cpu_count(cpu_list: str) -> int:
    """How many CPUs a taskset list names ("0", "0,1", "0-3,6")."""
    count = 0
    for part in cpu_list.split(","):
        low, _, high = part.strip().partition("-")
        if low:
            count += int(high or low) - int(low) + 1
    return max(1, count)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Context:
    quick: bool = field(default_factory=lambda: _flag("BENCH_QUICK"))
    database_url: str = field(
        default_factory=lambda: os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_portfolio"
        )
    )
    redis_url: str = field(
        default_factory=lambda: os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
    )
    server_cpus: str = field(
        default_factory=lambda: os.environ.get("BENCH_SERVER_CPUS") or _default_cpus("server")
    )
    client_cpus: str = field(
        default_factory=lambda: os.environ.get("BENCH_CLIENT_CPUS") or _default_cpus("client")
    )
    key_prefix: str = field(default_factory=lambda: f"bench{os.getpid()}_")
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    # Set, so the FastAPI peer (which reads JWT_SIGNING_KEY) verifies the tokens Django signs.
    jwt_signing_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    started: float = field(default_factory=time.monotonic)

    @property
    def server_processes(self) -> int:
        """Processes every server runs: one per server CPU (ours: WEB_CONCURRENCY)."""
        return cpu_count(self.server_cpus)

    def django_env(self, **extra: str) -> dict[str, str]:
        """Environment for a process running our Django project against the bench services."""
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "DJANGO_ENV": "development",
                "DEBUG": "false",
                "SECRET_KEY": self.secret_key,
                "JWT_SIGNING_KEY": self.jwt_signing_key,
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "CELERY_BROKER_URL": self.redis_url,
                "REDIS_KEY_PREFIX": self.key_prefix,
                "MARKET_DATA_PROVIDER": "simulated",
                "LOG_LEVEL": "WARNING",
                "JWT_ACCESS_LIFETIME": "2h",
                "PYTHONPATH": str(BASE_DIR),
                "PYTHONUNBUFFERED": "1",
                "VNSTOCK_DISABLE_AGENT_SETUP": "1",
                "VNSTOCK_TELEMETRY": "off",
            }
        )
        env.update(extra)
        return env

    def setup_django(self, **extra: str) -> None:
        """Configure Django in this process (idempotent)."""
        import django
        from django.apps import apps

        if apps.ready:
            return
        os.environ.update(self.django_env(**extra))
        django.setup()

    def taskset(self, cpus: str) -> list[str]:
        """Prefix that pins a command to `cpus` (empty if taskset is missing)."""
        from shutil import which

        return ["taskset", "-c", cpus] if which("taskset") else []
