"""Celery under faults: a worker SIGKILLed mid-ingestion and restarted, and two beats at once.

Real processes (prefork worker, beat with the DatabaseScheduler) against the test database and a
private ``redis-server`` as broker, the simulated feed trading around the clock. Afterwards the
stored ticks, 1m bars and quotes are compared with the feed's own record (``feed_problems``).
"""

from __future__ import annotations

import random
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from market.models import Tick
from market.providers.simulated import SimulatedProvider
from market.schedules import schedules_install
from market.services import instrument_sync
from tests.conftest import requires_postgres
from tests.reliability.processes import (
    Processes,
    feed_problems,
    own_prefix,
    redis_server,
    stop,
    worker_env,
)

pytestmark = [
    pytest.mark.reliability,
    requires_postgres,
    pytest.mark.django_db(transaction=True),
]

QUEUE = "reliability"
KILLS = 4


@pytest.fixture
def celery(tmp_path: Path) -> Iterator[Processes]:
    """The simulated instruments and schedules in the test database, on a private queue and broker."""
    instrument_sync(provider=SimulatedProvider(always_open=True))
    schedules_install()
    PeriodicTask.objects.filter(name__startswith="market:").update(queue=QUEUE)
    every_two, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    PeriodicTask.objects.filter(name="market: aggregate bars").update(interval=every_two)
    (tmp_path / "home").mkdir()
    with redis_server(tmp_path) as (url, _, _):
        processes = Processes(
            tmp_path, worker_env(redis_url=url, prefix=own_prefix(), home=tmp_path / "home")
        )
        try:
            yield processes
        finally:
            processes.stop_all()


def start_worker(celery: Processes, name: str = "worker", loglevel: str = "INFO"):  # type: ignore[no-untyped-def]
    return celery.celery(
        name, "worker", "-Q", QUEUE, "-n", f"{name}-{celery.counts[name] + 1}@%h",
        "--concurrency=2", f"--loglevel={loglevel}", "--without-gossip", "--without-mingle",
        "--without-heartbeat",
    )  # fmt: skip


def start_beat(celery: Processes, tmp_path: Path, name: str = "beat", loglevel: str = "INFO"):  # type: ignore[no-untyped-def]
    number = celery.counts[name] + 1
    return celery.celery(
        name, "beat", f"--loglevel={loglevel}", "-s", str(tmp_path / f"{name}{number}.db")
    )


def test_a_worker_killed_mid_ingestion_loses_and_duplicates_nothing(
    celery: Processes, tmp_path: Path
) -> None:
    # given a worker and beat writing ticks from the simulated feed
    start_beat(celery, tmp_path)
    worker = start_worker(celery)
    celery.wait_for("the first ticks", lambda: Tick.objects.count() >= 20)

    # when the worker is SIGKILLed (parent and pool children at once) at random moments and
    # restarted each time
    rng = random.Random(9)
    for _ in range(KILLS):
        time.sleep(rng.uniform(1.0, 4.0))
        stop(worker, sig=signal.SIGKILL)
        before = Tick.objects.count()
        worker = start_worker(celery)
        celery.wait_for(
            "ticks after the restart", lambda before=before: Tick.objects.count() > before + 5
        )
    time.sleep(3)
    celery.stop_all()

    # then every worker was killed and restarted, and what is stored matches the feed exactly
    assert celery.counts["worker"] == KILLS + 1
    assert feed_problems(SimulatedProvider(always_open=True)) == []
    print(f"\n[worker kill] kills={KILLS} ticks={Tick.objects.count()} checked against the feed")


def test_two_beats_at_once_poll_no_slot_twice(celery: Processes, tmp_path: Path) -> None:
    # given two beat processes firing the same schedules, and one worker
    # The beats' "Sending due task" lines and each poll's result line are DEBUG for the frequent
    # tasks (portfolio_site/log_filters.py's FrequentTasks): this test reads them at DEBUG.
    start_beat(celery, tmp_path, loglevel="DEBUG")
    start_beat(celery, tmp_path, loglevel="DEBUG")
    start_worker(celery, loglevel="DEBUG")
    celery.wait_for("the first ticks", lambda: Tick.objects.count() >= 20)
    started = time.monotonic()
    time.sleep(15)
    elapsed = time.monotonic() - started + 5

    celery.stop_all()

    # then both beats sent polls, the pacing gate let at most one through per period, and the
    # ticks and bars match the feed (no seq used twice, no volume counted twice)
    log = celery.log_text("worker")
    polls = re.findall(r"market\.poll_quotes\[[^\]]+\] succeeded in [^:]+: (\{.*\})", log)
    ingested = [p for p in polls if "'stored'" in p]
    paced = [p for p in polls if "paced" in p]
    assert paced, "two beats should have produced polls that the gate refused"
    beat_logs = celery.log_text("beat")
    assert beat_logs.count("Sending due task market: poll quotes") >= 2
    # wait_for's warm-up plus the 15 s window: at most one poll per ~0.75 s gate
    assert len(ingested) <= (time.monotonic() - started + 60) / 0.75
    assert feed_problems(SimulatedProvider(always_open=True)) == []
    print(
        f"\n[two beats] polls={len(polls)} ingested={len(ingested)} paced={len(paced)} "
        f"ticks={Tick.objects.count()} window={elapsed:.0f}s"
    )
