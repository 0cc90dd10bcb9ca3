"""A real Celery worker and beat, against PostgreSQL and Redis, write quotes, ticks and bars from the
simulated feed on the schedules declared in code.

The worker and beat run as subprocesses with ``DATABASE_URL`` pointing at the test database that
pytest created (so the test must commit: ``transaction=True``), the simulated feed trading around the
clock, and a private queue. Waits are bounded; both processes are killed in teardown.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import suppress
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from market.calendar import is_on_tick_grid
from market.models import Bar, Quote, Tick
from market.providers.simulated import SimulatedProvider
from market.schedules import schedules_install
from market.services import instrument_sync
from portfolio_site.redis_client import get_redis
from tests.conftest import requires_postgres

pytestmark = [
    pytest.mark.e2e,
    requires_postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("market_redis"),
]

BASE_DIR = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120
QUEUE = f"e2e-market-{os.getpid()}"


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TEST_DB_NAME", None)
    env.update(
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CELERY_BROKER_URL=settings.REDIS_URL,
        REDIS_KEY_PREFIX=settings.REDIS_KEY_PREFIX,
        MARKET_DATA_PROVIDER="simulated",
        SIMULATED_ALWAYS_OPEN="1",
        QUOTE_POLL_SECONDS="1",
        DJANGO_ENV="development",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[[str, list[str]], subprocess.Popen]]:
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(name: str, args: list[str]) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portfolio_site.celery", *args],
            cwd=BASE_DIR,
            env=_environment(),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append((process, log))
        return process

    yield start

    for process, _ in started:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process, _ in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    redis = get_redis()
    leftovers = list(redis.scan_iter(match=f"*{QUEUE}*"))
    if leftovers:
        redis.delete(*leftovers)


def _logs(tmp_path: Path) -> str:
    return "\n".join(
        f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}"
        for log in sorted(tmp_path.glob("*.log"))
    )


def _wait_for(
    condition: Callable[[], bool], processes: list[subprocess.Popen], tmp_path: Path
) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"a celery process exited with {process.returncode}\n{_logs(tmp_path)}")
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"the worker did not write the expected rows in {WAIT_SECONDS}s\n{_logs(tmp_path)}")


def test_worker_and_beat_write_quotes_ticks_and_bars_from_the_simulated_feed(
    start_process, tmp_path: Path
) -> None:
    # given the simulated instruments and the declared schedules, on a private queue, with the
    # bar aggregation made faster in the admin's way (editing the row)
    instrument_sync(provider=SimulatedProvider())
    schedules_install()
    PeriodicTask.objects.filter(name__startswith="market:").update(queue=QUEUE)
    every_two, _ = IntervalSchedule.objects.get_or_create(every=2, period="seconds")
    aggregate = PeriodicTask.objects.get(name="market: aggregate bars")
    aggregate.interval = every_two
    aggregate.save()

    # when a worker and beat run
    worker = start_process(
        "worker",
        ["worker", "-Q", QUEUE, "-n", f"{QUEUE}@%h", "--concurrency=2", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
    )  # fmt: skip
    beat = start_process("beat", ["beat", "--loglevel=INFO", "-s", str(tmp_path / "beat.db")])

    def written() -> bool:
        return (
            Quote.objects.count() >= 30
            and Tick.objects.count() >= 5
            and Bar.objects.filter(interval="1m").exists()
            and Bar.objects.filter(interval="5m").exists()
        )

    _wait_for(written, [worker, beat], tmp_path)
    os.killpg(worker.pid, signal.SIGTERM)
    os.killpg(beat.pid, signal.SIGTERM)
    worker.wait(timeout=30)
    beat.wait(timeout=30)

    # then the quotes are the simulated feed's, every tick is on the grid inside its day's band,
    # seqs run 1, 2, 3... per symbol, and the 1m bars hold exactly the ticks' volume
    assert set(Quote.objects.values_list("source", flat=True)) == {"simulated"}
    quotes = {q.instrument_id: q for q in Quote.objects.select_related("instrument")}
    seqs: dict[int, list[int]] = defaultdict(list)
    for tick in Tick.objects.order_by("instrument_id", "seq"):
        seqs[tick.instrument_id].append(tick.seq)
        quote_row = quotes[tick.instrument_id]
        if quote_row.instrument.type != "index":
            assert is_on_tick_grid(
                quote_row.instrument.exchange, tick.price, quote_row.instrument.type
            )  # type: ignore[arg-type]
            assert quote_row.floor <= tick.price <= quote_row.ceiling
        assert tick.source == "simulated"
    assert all(s == list(range(1, len(s) + 1)) for s in seqs.values())
    tick_volume = dict(Tick.objects.values("instrument_id").annotate(v=Sum("volume")).values_list("instrument_id", "v"))  # fmt: skip
    bar_volume = dict(
        Bar.objects.filter(interval="1m").values("instrument_id").annotate(v=Sum("volume")).values_list("instrument_id", "v")
    )  # fmt: skip
    assert bar_volume == tick_volume
    assert all(bar.low > Decimal(0) for bar in Bar.objects.filter(interval="5m"))
