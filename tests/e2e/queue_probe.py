"""Loaded into the worker-queue test's workers with ``-I`` (never by the app or pytest).

It records in Redis (``QUEUE_PROBE_KEY``) when each worker is ready and when each task starts and
ends, with the worker's node name; and it makes the simulated feed's history take
``SLOW_HISTORY_SECONDS`` per call, so that our real ``market.backfill_history`` is a long job.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import redis
from celery.signals import task_postrun, task_prerun, worker_ready

from market.providers.simulated import SimulatedProvider


def _record(**event: Any) -> None:
    client = redis.Redis.from_url(os.environ["REDIS_URL"])  # per call: safe across the pool's forks
    client.rpush(os.environ["QUEUE_PROBE_KEY"], json.dumps({**event, "at": time.time()}))


@worker_ready.connect
def _ready(sender: Any = None, **_: Any) -> None:
    _record(event="ready", host=sender.hostname)


@task_prerun.connect
def _started(task_id: str = "", task: Any = None, **_: Any) -> None:
    _record(event="start", id=task_id, task=task.name, host=task.request.hostname)


@task_postrun.connect
def _ended(task_id: str = "", task: Any = None, **_: Any) -> None:
    _record(event="end", id=task_id, task=task.name, host=task.request.hostname)


_history = SimulatedProvider.history


def _slow_history(self: SimulatedProvider, symbol: str, **kwargs: Any) -> Any:
    time.sleep(float(os.environ.get("SLOW_HISTORY_SECONDS", "0")))
    return _history(self, symbol, **kwargs)


SimulatedProvider.history = _slow_history  # type: ignore[method-assign]
