"""Processes a benchmark starts: logged to files, stopped by pid when the benchmark ends."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from bench.context import BASE_DIR


class Processes:
    """Processes we started, stopped (by pid, gently then firmly) when the block ends.

    Their stderr (and a server's stdout: daphne's access log) goes to files under one temporary
    directory, never to an unread pipe that would fill up and block them.
    """

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []
        self.logs = Path(tempfile.mkdtemp(prefix="bench-"))

    def start(
        self, name: str, command: list[str], *, env: dict[str, str], talk: bool = False
    ) -> Any:
        """Start `command`; with `talk`, its stdin and stdout are pipes for the plan and results."""
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.PIPE if talk else subprocess.DEVNULL,
            stdout=subprocess.PIPE if talk else log,
            stderr=log,
            text=True,
            start_new_session=True,
        )
        log.close()
        self.started.append(process)
        return process

    def tail(self, name: str, size: int = 1500) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
        self.started.clear()

    def remove_logs(self) -> None:
        if os.environ.get("BENCH_KEEP_LOGS"):
            print(f"[bench] logs kept in {self.logs}", flush=True)
        else:
            shutil.rmtree(self.logs, ignore_errors=True)


def read_line(stream: IO[str], prefix: str, timeout: float) -> str:
    """The rest of the first line on `stream` that starts with `prefix`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = stream.readline()
        if not line:
            raise RuntimeError(f"process exited before printing {prefix}")
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise TimeoutError(f"no {prefix} line within {timeout:.0f} s")


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise TimeoutError(f"server did not listen on {port} within {timeout:.0f} s")
