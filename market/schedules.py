"""The project's periodic tasks (the market pipeline, plus the portfolio app's housekeeping),
declared in code and written as django-celery-beat rows.

``schedules_install()`` is run by ``manage.py setup_schedules`` (and by ``manage.py seed_market``,
which ``make run`` runs through ``seed_demo``). It is idempotent and respects the admin:

- a missing row is created from the declaration below;
- an existing row (matched by its name) is left exactly as it is, so an admin's later edits
  (enabled, interval, crontab, arguments) survive every re-run and every deploy;
- ``reset=True`` (``setup_schedules --reset``) puts the declared task, schedule, arguments and
  ``enabled=True`` back on every row: the way to adopt a changed declaration.

Rows carry no queue, exchange or routing key: beat's messages then go where
``settings.CELERY_TASK_ROUTES`` sends their task (the ``market``, ``portfolio`` or ``slow`` worker).
A kept row that names one overrides the route; ``InstallResult.overridden`` lists those rows
(``setup_schedules`` warns) and ``reset`` clears them.

Crontab times are Asia/Ho_Chi_Minh. When the instrument table is empty, a one-off row
"market: first instrument sync" is added: beat runs it once at start-up, then disables it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from market.models import Instrument

MARKET_TZ = "Asia/Ho_Chi_Minh"
FIRST_SYNC = "market: first instrument sync"
FIRST_BACKFILL = "market: first history backfill"


@dataclass(frozen=True)
class Declared:
    name: str
    task: str
    description: str
    every_seconds: int | None = None
    crontab: dict[str, str] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    expire_seconds: int | None = None
    one_off: bool = False


def poll_beat_seconds() -> int:
    """How often beat fires the quote poll: ``QUOTE_POLL_SECONDS`` (rounded up), else every second
    (the task paces itself to the provider's budget, see ``market.tasks``)."""
    configured = float(settings.QUOTE_POLL_SECONDS)
    return max(1, math.ceil(configured)) if configured > 0 else 1


def declared_schedules() -> list[Declared]:
    poll = poll_beat_seconds()
    return [
        Declared(
            "market: sync instruments",
            "market.sync_instruments",
            "Instruments and index groups from the provider, trading days 08:30 ICT.",
            crontab={"minute": "30", "hour": "8", "day_of_week": "1-5"},
        ),
        Declared(
            "market: poll quotes",
            "market.poll_quotes",
            "Price board of the symbols of interest while a session is open; paces itself to the "
            "provider (QUOTE_POLL_SECONDS, the vnstock budget, or 1-2 s simulated).",
            every_seconds=poll,
            expire_seconds=max(5, poll * 3),
        ),
        Declared(
            "market: aggregate bars",
            "market.aggregate_bars",
            "Rebuild the last minutes of 1m bars from ticks and roll up 5m/15m/1h.",
            every_seconds=20,
            kwargs={"minutes": 3},
            expire_seconds=20,
        ),
        Declared(
            "market: close daily bars",
            "market.close_daily_bars",
            "After the close (15:05 ICT, trading days): final poll, rollups, the day's 1d bars.",
            crontab={"minute": "5", "hour": "15", "day_of_week": "1-5"},
        ),
        Declared(
            "market: nightly history backfill",
            "market.backfill_history",
            "Rolling 10-day window of adjusted daily history for the symbols of interest (upsert).",
            crontab={"minute": "0", "hour": "19", "day_of_week": "1-5"},
            kwargs={"days": 10},
        ),
        Declared(
            "market: ingest corporate events",
            "market.ingest_corporate_events",
            "Dividends, bonus shares, rights and splits of the held or watched instruments "
            "(idempotent upsert), every evening 18:30 ICT.",
            crontab={"minute": "30", "hour": "18", "day_of_week": "*"},
        ),
        Declared(
            "portfolio: corporate-action entitlements",
            "portfolio.entitlements_daily",
            "Recompute entitlements (pending -> due, rights lapse at the window's end) and apply "
            "the due dividends and new shares of portfolios set to auto-apply, 19:30 ICT daily "
            "(after the events' ingestion; rights are never exercised).",
            crontab={"minute": "30", "hour": "19", "day_of_week": "*"},
        ),
        Declared(
            "market: prune ticks",
            "market.prune_ticks",
            "Remove ticks older than TICK_RETENTION_DAYS (bars are kept); on PostgreSQL whole "
            "day partitions are dropped.",
            crontab={"minute": "30", "hour": "2", "day_of_week": "*"},
        ),
        Declared(
            "market: tick partitions",
            "market.maintain_tick_partitions",
            "PostgreSQL: create the day partitions of ticks TICK_PARTITION_DAYS_AHEAD days ahead; "
            "move rows the default partition caught (and log an error). Hourly, idempotent.",
            crontab={"minute": "45", "hour": "*", "day_of_week": "*"},
        ),
        Declared(
            "portfolio: purge idempotency keys",
            "portfolio.purge_idempotency_keys",
            "Delete Idempotency-Key records older than their 24-hour lifetime.",
            crontab={"minute": "15", "hour": "*", "day_of_week": "*"},
        ),
    ]


def first_sync() -> Declared:
    return Declared(
        FIRST_SYNC,
        "market.sync_instruments",
        "One-off: the first instrument sync when the database has none (beat disables it after).",
        every_seconds=10,
        one_off=True,
    )


# A PeriodicTask's queue, exchange or routing key would be passed to apply_async and win over
# the task's route (django-celery-beat's ModelEntry); ours leave them empty.
NO_ROUTE_OVERRIDE: dict[str, Any] = {"queue": None, "exchange": None, "routing_key": None}


@dataclass
class InstallResult:
    created: list[str] = field(default_factory=list)
    reset: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)  # kept rows naming a queue of their own


def _schedule_fields(declared: Declared) -> dict[str, Any]:
    if declared.every_seconds is not None:
        spec = {"every": declared.every_seconds, "period": IntervalSchedule.SECONDS}
        interval = IntervalSchedule.objects.filter(**spec).first()
        if interval is None:
            interval = IntervalSchedule.objects.create(**spec)
        return {"interval": interval, "crontab": None}
    assert declared.crontab is not None
    cron = {"day_of_month": "*", "month_of_year": "*", **declared.crontab}
    crontab = CrontabSchedule.objects.filter(timezone=MARKET_TZ, **cron).first()
    if crontab is None:
        crontab = CrontabSchedule.objects.create(timezone=MARKET_TZ, **cron)
    return {"interval": None, "crontab": crontab}


def _values(declared: Declared) -> dict[str, Any]:
    return {
        "task": declared.task,
        "description": declared.description,
        "kwargs": json.dumps(declared.kwargs, sort_keys=True),
        "args": "[]",
        "expire_seconds": declared.expire_seconds,
        "one_off": declared.one_off,
        "enabled": True,
        **NO_ROUTE_OVERRIDE,
        **_schedule_fields(declared),
    }


def schedules_install(*, reset: bool = False) -> InstallResult:
    """Create the missing periodic tasks (``reset``: restore every declared row). Idempotent."""
    result = InstallResult()
    declared = declared_schedules()
    if not Instrument.objects.exists():
        declared.append(first_sync())
    with transaction.atomic():
        for item in declared:
            task = PeriodicTask.objects.filter(name=item.name).first()
            if task is None:
                PeriodicTask.objects.create(name=item.name, **_values(item))
                result.created.append(item.name)
            elif reset and item.name != FIRST_SYNC:
                for name, value in _values(item).items():
                    setattr(task, name, value)
                task.save()
                result.reset.append(item.name)
            else:
                result.kept.append(item.name)
                if task.queue or task.exchange or task.routing_key:
                    result.overridden.append(f"{item.name} (queue {task.queue or '-'})")
    return result


def history_backfill_schedule_once(*, symbols: list[str], days: int) -> PeriodicTask:
    """A one-off row that makes beat run ``backfill_history`` (missing days only) once, soon: how
    ``seed_market`` hands a long, budget-bound vnstock backfill to the worker instead of blocking
    start-up. Re-running re-arms the row with the new symbols."""
    every = _schedule_fields(Declared("", "", "", every_seconds=10))["interval"]
    task, _ = PeriodicTask.objects.update_or_create(
        name=FIRST_BACKFILL,
        defaults={
            "task": "market.backfill_history",
            "description": "One-off: daily history for VN30 and the indices, in the worker.",
            "kwargs": json.dumps({"symbols": symbols, "days": days, "only_missing": True}),
            "args": "[]",
            "interval": every,
            "crontab": None,
            "one_off": True,
            "enabled": True,
            "last_run_at": None,
            "total_run_count": 0,
            **NO_ROUTE_OVERRIDE,
        },
    )
    return task
