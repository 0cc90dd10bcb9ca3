"""Separate worker queues (issue #19): while a long backfill occupies the ``slow`` worker (a quick
task sent there waits for it), the quote poll sent to ``market`` starts at once.

Real processes: the Procfile's ``worker-market`` and ``worker-slow`` commands (prefork, their
default concurrency) against the test database and a private ``redis-server`` as broker, the
simulated feed. The tasks are sent the way the app sends them (no queue given: the routes in
settings decide). ``tests/e2e/queue_probe.py``, loaded into both workers with ``-I``, makes the
simulated history slow (so our real ``market.backfill_history`` takes ``SLOW_HISTORY_SECONDS``) and
records when each task starts and ends, on which worker.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings

from market.models import Bar, Quote
from market.providers.simulated import SimulatedProvider
from market.services import instrument_sync
from market.tasks import backfill_history, poll_quotes, prune_ticks
from portfolio_site.celery import app
from portfolio_site.devstack import procfile_entries
from tests.conftest import requires_postgres
from tests.reliability.processes import Processes, own_prefix, redis_server, worker_env

pytestmark = [pytest.mark.e2e, requires_postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SLOW_HISTORY_SECONDS = 10.0
POLLS = 3
ON_TIME_SECONDS = 2.0  # the poll's period is 1-2 s (simulated feed; QUOTE_POLL_SECONDS=1 here)


class Probe:
    """The events ``queue_probe`` wrote: ready workers, task starts and ends."""

    def __init__(self, client: redis.Redis, key: str, processes: Processes) -> None:
        self.client = client
        self.key = key
        self.processes = processes

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.client.lrange(self.key, 0, -1)]

    def ready(self) -> set[str]:
        """The node names (before the @) of the workers that are ready."""
        return {e["host"].split("@")[0] for e in self.events() if e["event"] == "ready"}

    def find(self, **match: str) -> dict[str, Any] | None:
        for event in self.events():
            if all(event.get(k) == v for k, v in match.items()):
                return event
        return None

    def wait(self, what: str, timeout: float = 60.0, **match: str) -> dict[str, Any]:
        self.processes.wait_for(what, lambda: self.find(**match) is not None, timeout=timeout)
        found = self.find(**match)
        assert found is not None
        return found


def procfile_worker(name: str) -> list[str]:
    """The Procfile's command for ``name``, after ``celery -A portfolio_site.celery``, defaults in."""
    command = procfile_entries((ROOT / "Procfile").read_text())[name]
    argv = shlex.split(re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", command))
    assert argv[:3] == ["celery", "-A", "portfolio_site.celery"], argv
    return argv[3:]


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[Probe, redis.Redis, str]]:
    (tmp_path / "home").mkdir()
    with redis_server(tmp_path) as (url, _, _):
        key = f"{own_prefix()}:queue-probe"
        env = worker_env(redis_url=url, prefix=own_prefix(), home=tmp_path / "home")
        env.update(QUEUE_PROBE_KEY=key, SLOW_HISTORY_SECONDS=str(SLOW_HISTORY_SECONDS))
        processes = Processes(tmp_path, env)
        client = redis.Redis.from_url(url)
        try:
            for name in ("worker-market", "worker-slow"):
                processes.celery(name, *procfile_worker(name), "-I", "tests.e2e.queue_probe",
                                 "--without-gossip", "--without-mingle", "--without-heartbeat")  # fmt: skip
            probe = Probe(client, key, processes)
            processes.wait_for("both workers", lambda: probe.ready() == {"market", "slow"})
            yield probe, client, url
        finally:
            processes.stop_all()


def test_a_long_backfill_on_the_slow_queue_does_not_delay_the_quote_poll(
    workers: tuple[Probe, redis.Redis, str],
) -> None:
    probe, _, url = workers
    instrument_sync(provider=SimulatedProvider(always_open=True))
    with app.connection_for_write(url) as connection, connection.Producer() as producer:
        # given a history backfill (routed to slow) that keeps the slow worker busy
        backfill = backfill_history.apply_async(
            kwargs={"symbols": ["FPT"], "days": 5}, producer=producer
        )
        started = probe.wait("the backfill to start", id=backfill.id, event="start")
        assert started["host"].startswith("slow@")
        # when quote polls are sent (routed to market) while it runs
        delays = []
        for _ in range(POLLS):
            sent = time.time()
            poll = poll_quotes.apply_async(producer=producer)
            start = probe.wait("a quote poll to start", timeout=30, id=poll.id, event="start")
            assert start["host"].startswith("market@")
            delays.append(start["at"] - sent)
            time.sleep(1.0)
        # (and a quick task sent to slow meanwhile must wait: that worker is really busy)
        prune = prune_ticks.apply_async(producer=producer)
        # then each poll started within its period, while the backfill was still running
        assert probe.find(id=backfill.id, event="end") is None, "the backfill ended too soon"
        assert max(delays) < ON_TIME_SECONDS, delays
        assert Quote.objects.filter(instrument__symbol="FPT").exists()
        # and the backfill finishes on its own worker, having written its bars
        ended = probe.wait("the backfill to end", timeout=SLOW_HISTORY_SECONDS + 30,
                           id=backfill.id, event="end")  # fmt: skip
        assert Bar.objects.filter(instrument__symbol="FPT", interval="1d").exists()
        waited = probe.wait("the prune to start", id=prune.id, event="start")
        assert waited["at"] >= ended["at"]
    queues = {
        event["task"]: event["host"].split("@")[0] for event in probe.events() if "task" in event
    }
    assert queues == {name: settings.CELERY_TASK_ROUTES[name]["queue"] for name in queues}
    assert set(queues) == {"market.backfill_history", "market.poll_quotes", "market.prune_ticks"}
    print(f"\n[worker queues] poll start delays while the slow worker is busy: "
          f"{', '.join(f'{d * 1000:.0f} ms' for d in delays)}")  # fmt: skip
