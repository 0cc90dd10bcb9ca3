"""What the numbers were measured on: cores, memory, load, versions; and CPU use of processes."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGES = (
    "django",
    "djangorestframework",
    "channels",
    "channels-redis",
    "daphne",
    "twisted",
    "uvicorn",
    "uvloop",
    "fastapi",
    "starlette",
    "websockets",
    "redis",
    "hiredis",
    "psycopg",
    "numpy",
    "orjson",
)


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


def describe(
    *, redis_version: str | None = None, postgres_version: str | None = None
) -> dict[str, Any]:
    memory = psutil.virtual_memory()
    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "memory_gib": round(memory.total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "redis_server": redis_version,
        "postgresql": postgres_version,
        "git_commit": _git_commit(),
    }


@dataclass
class CpuMeter:
    """CPU seconds used by a set of processes (and their children) between start() and stop()."""

    pids: Iterable[int]
    _start: dict[int, float] = field(default_factory=dict)
    _started_at: float = 0.0

    @staticmethod
    def _cpu(pid: int) -> float:
        try:
            process = psutil.Process(pid)
            total = sum(process.cpu_times()[:2])
            for child in process.children(recursive=True):
                try:
                    total += sum(child.cpu_times()[:2])
                except psutil.Error:
                    continue
            return total
        except psutil.Error:
            return 0.0

    def start(self) -> None:
        self.pids = list(self.pids)
        self._start = {pid: self._cpu(pid) for pid in self.pids}
        self._started_at = time.perf_counter()

    def stop(self) -> float:
        """Average CPU use over the interval, in percent of one core (200 = two cores busy)."""
        elapsed = max(time.perf_counter() - self._started_at, 1e-9)
        used = sum(self._cpu(pid) - start for pid, start in self._start.items())
        return round(100.0 * used / elapsed, 1)
