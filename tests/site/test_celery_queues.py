"""Worker queues: every task of ours is routed by name to ``market``, ``portfolio`` or ``slow``
(settings.CELERY_TASK_ROUTES), and beat's messages land on the queue of their task.

The beat test publishes through django-celery-beat's own scheduler to the real Redis, under a key
prefix of its own (kombu's ``global_keyprefix``), and reads back which queue each message is in."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from io import StringIO

import pytest
import redis
from celery.beat import Scheduler
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry
from kombu import Connection

from market.schedules import history_backfill_schedule_once, schedules_install
from portfolio_site.celery import app

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
OUR_PACKAGES = {"market", "portfolio", "realtime", "portfolio_site"}

# Where each kind of work goes (issue #19): the quick, frequent market pipeline; per-user work;
# bulk provider calls and long jobs.
EXPECTED = {
    "market.poll_quotes": "market",
    "market.aggregate_bars": "market",
    "market.close_daily_bars": "market",
    "market.maintain_tick_partitions": "market",
    "portfolio.entitlements_daily": "portfolio",
    "portfolio.entitlements_sync_event": "portfolio",
    "portfolio.purge_idempotency_keys": "portfolio",
    "market.backfill_history": "slow",
    "market.sync_instruments": "slow",
    "market.ingest_corporate_events": "slow",
    "market.prune_ticks": "slow",
}


def our_tasks() -> set[str]:
    app.loader.import_default_modules()  # what a worker imports at start (autodiscovery)
    return {
        name for name, task in app.tasks.items() if task.__module__.split(".")[0] in OUR_PACKAGES
    }


def queue_of(name: str, **options: object) -> str:
    return str(app.amqp.router.route(dict(options), name)["queue"].name)


def test_every_task_of_ours_has_an_explicit_route_to_a_declared_queue() -> None:
    tasks = our_tasks()
    assert tasks  # autodiscovery found the apps' tasks
    unrouted = tasks - set(settings.CELERY_TASK_ROUTES)
    assert not unrouted, f"add these tasks to CELERY_TASK_ROUTES: {sorted(unrouted)}"
    assert not set(settings.CELERY_TASK_ROUTES) - tasks, "a route names no task"
    for route in settings.CELERY_TASK_ROUTES.values():
        assert route["queue"] in settings.CELERY_TASK_QUEUES


def test_each_task_goes_to_the_queue_of_its_kind() -> None:
    assert {name: queue_of(name) for name in our_tasks()} == EXPECTED


def test_an_unrouted_task_goes_to_the_default_queue_and_a_worker_without_q_consumes_all() -> None:
    assert queue_of("celery.backend_cleanup") == settings.CELERY_TASK_DEFAULT_QUEUE == "portfolio"
    declared = {queue.name: queue for queue in app.conf.task_queues}  # a worker's queues sans -Q
    assert set(declared) == set(settings.CELERY_TASK_QUEUES)
    # each queue has a direct exchange of its own: a message reaches exactly one queue
    for name, queue in declared.items():
        assert (queue.exchange.name, queue.exchange.type, queue.routing_key) == (
            name,
            "direct",
            name,
        )


@pytest.fixture
def broker() -> Iterator[tuple[Connection, redis.Redis, str]]:
    """A connection to the real Redis whose keys all start with a prefix of this test only."""
    prefix = f"queues-test-{uuid.uuid4().hex[:12]}:"
    client = redis.Redis.from_url(REDIS_URL)
    connection = Connection(
        REDIS_URL,
        transport=app.conf.broker_transport,
        transport_options={**app.conf.broker_transport_options, "global_keyprefix": prefix},
    )
    try:
        yield connection, client, prefix
    finally:
        connection.release()
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)


def beat_sends_everything(connection: Connection) -> None:
    """What beat does when each enabled row is due: django-celery-beat's entry (its options from the
    row), sent by Celery's scheduler. (The DatabaseScheduler itself closes the test's connection.)"""
    scheduler = Scheduler(app=app, lazy=True)
    with connection.Producer() as producer:
        for row in PeriodicTask.objects.filter(enabled=True):
            scheduler.apply_async(ModelEntry(row, app=app), producer=producer, advance=False)


def queued_tasks(client: redis.Redis, prefix: str) -> dict[str, list[str]]:
    """Task names in each of our queues, read from the broker's lists."""
    return {
        queue: sorted(
            json.loads(raw)["headers"]["task"] for raw in client.lrange(f"{prefix}{queue}", 0, -1)
        )
        for queue in settings.CELERY_TASK_QUEUES
    }


@pytest.mark.django_db
def test_beat_sends_each_periodic_task_to_the_queue_of_its_task(
    broker: tuple[Connection, redis.Redis, str],
) -> None:
    connection, client, prefix = broker
    # given the declared schedules (an empty database: with the one-off first sync) and seed's
    # one-off first history backfill
    schedules_install()
    history_backfill_schedule_once(symbols=["FPT"], days=10)
    rows = list(PeriodicTask.objects.filter(enabled=True).values_list("task", flat=True))
    assert not PeriodicTask.objects.exclude(queue=None).exists()
    # when beat sends every row once
    beat_sends_everything(connection)
    # then each message is on its task's queue, and nothing went anywhere else
    expected: dict[str, list[str]] = {queue: [] for queue in settings.CELERY_TASK_QUEUES}
    for task in rows:
        expected[settings.CELERY_TASK_ROUTES[task]["queue"]].append(task)
    assert queued_tasks(client, prefix) == {q: sorted(t) for q, t in expected.items()}
    assert "market.poll_quotes" in expected["market"]
    assert expected["slow"].count("market.backfill_history") == 2  # nightly + first backfill


@pytest.mark.django_db
def test_a_row_naming_a_queue_is_reported_and_reset_sends_it_back_to_its_route(
    broker: tuple[Connection, redis.Redis, str],
) -> None:
    connection, client, prefix = broker
    # given an old row that sends the backfill to the queue of the single worker of the past
    schedules_install()
    PeriodicTask.objects.exclude(task="market.backfill_history").update(enabled=False)
    PeriodicTask.objects.filter(task="market.backfill_history").update(queue="celery")
    # when the schedules are installed again: the admin's row is kept, with a warning
    errors = StringIO()
    call_command("setup_schedules", stdout=StringIO(), stderr=errors)
    assert "market: nightly history backfill (queue celery) overrides its task's route" in (
        errors.getvalue()
    )
    beat_sends_everything(connection)
    assert client.llen(f"{prefix}celery") == 1  # where no worker listens
    # and after --reset, beat sends it where the slow worker listens
    call_command("setup_schedules", "--reset", stdout=StringIO(), stderr=StringIO())
    PeriodicTask.objects.exclude(task="market.backfill_history").update(enabled=False)
    beat_sends_everything(connection)
    assert queued_tasks(client, prefix)["slow"] == ["market.backfill_history"]
