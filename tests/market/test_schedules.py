"""Periodic tasks declared in code: written once, idempotent, the admin's edits kept."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from market.schedules import FIRST_SYNC, declared_schedules, schedules_install
from tests.market.builders import instrument

pytestmark = pytest.mark.django_db


def snapshot_rows() -> list[tuple]:
    return list(
        PeriodicTask.objects.order_by("name").values_list(
            "name", "task", "enabled", "interval_id", "crontab_id", "kwargs", "one_off"
        )
    )


def test_every_declared_task_is_written_with_its_schedule() -> None:
    instrument("FPT")
    result = schedules_install()
    names = {d.name for d in declared_schedules()}
    assert set(result.created) == names
    assert set(PeriodicTask.objects.values_list("name", flat=True)) == names
    poll = PeriodicTask.objects.get(name="market: poll quotes")
    assert (poll.task, poll.interval.every, poll.interval.period) == (
        "market.poll_quotes",
        1,
        "seconds",
    )
    close = PeriodicTask.objects.get(name="market: close daily bars")
    assert (close.crontab.hour, close.crontab.minute, close.crontab.day_of_week) == (
        "15",
        "5",
        "1-5",
    )
    assert str(close.crontab.timezone) == "Asia/Ho_Chi_Minh"
    nightly = PeriodicTask.objects.get(name="market: nightly history backfill")
    assert json.loads(nightly.kwargs) == {"days": 10}


def test_installing_twice_changes_nothing() -> None:
    instrument("FPT")
    schedules_install()
    before = snapshot_rows()
    counts = (IntervalSchedule.objects.count(), CrontabSchedule.objects.count())
    result = schedules_install()
    assert result.created == []
    assert snapshot_rows() == before
    assert (IntervalSchedule.objects.count(), CrontabSchedule.objects.count()) == counts


def test_an_admins_edits_survive_a_rerun_and_reset_restores_the_declaration() -> None:
    instrument("FPT")
    schedules_install()
    # given an admin who disabled pruning and slowed the poll to every 10 seconds
    every_ten, _ = IntervalSchedule.objects.get_or_create(every=10, period="seconds")
    PeriodicTask.objects.filter(name="market: prune ticks").update(enabled=False)
    poll = PeriodicTask.objects.get(name="market: poll quotes")
    poll.interval = every_ten
    poll.save()
    # when the schedules are installed again (every make run / deploy)
    call_command("setup_schedules", stdout=StringIO())
    # then the edits are kept
    assert not PeriodicTask.objects.get(name="market: prune ticks").enabled
    assert PeriodicTask.objects.get(name="market: poll quotes").interval.every == 10
    # and --reset puts the declared values back
    call_command("setup_schedules", "--reset", stdout=StringIO())
    assert PeriodicTask.objects.get(name="market: prune ticks").enabled
    assert PeriodicTask.objects.get(name="market: poll quotes").interval.every == 1


def test_an_empty_database_gets_a_one_off_first_sync() -> None:
    schedules_install()
    first = PeriodicTask.objects.get(name=FIRST_SYNC)
    assert (first.task, first.one_off, first.enabled) == ("market.sync_instruments", True, True)


def test_the_poll_schedule_follows_quote_poll_seconds(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTE_POLL_SECONDS = 2.5
    instrument("FPT")
    schedules_install()
    assert PeriodicTask.objects.get(name="market: poll quotes").interval.every == 3
