"""Tick storage on PostgreSQL: ``market_tick`` partitioned by day (native declarative partitioning).

The parent is ``PARTITION BY RANGE (time)`` with one partition per **Vietnamese trading day**
(``market_tick_pYYYYMMDD`` holds ``[D 00:00+07, D+1 00:00+07)``, i.e. 17:00 UTC to 17:00 UTC): a
session (09:00-15:00 ICT) never straddles two partitions, and the nightly prune (02:30 ICT) finds
every day before the retention cut-off whole. ``market_tick_default`` (the DEFAULT partition) catches
a tick whose day has no partition yet, so ingestion never fails for want of one;
``partitions_maintain`` (beat, hourly) logs an error when it finds rows there and moves them into
their day's partition, then creates the partitions ``TICK_PARTITION_DAYS_AHEAD`` days ahead.

Keys: PostgreSQL needs the partition key in every unique index of the parent, so the primary key is
``(id, time)`` (``id`` still comes from one identity sequence; Django keeps ``id`` as the model's pk)
and the model's ``tick_unique_seq`` -- (instrument, seq), the last guard against two writers giving
out the same seq -- is a unique index on each partition. A symbol's seq increases with its time and a
trading day lies in one partition, so two racing writers' duplicate lands in the same partition and
is refused there; across days the ingestion's lock on the instrument row serialises the writers.

SQLite keeps the plain table; everything here is a no-op there (``is_partitioned`` is false).
DDL takes a short ``lock_timeout`` so a maintenance step queued behind a long reader gives up (and
retries on its next run) instead of holding up the ingestion queued behind it.

The SQL here is built from this module's own table names and dates, never from input (hence the
``S608`` exemptions).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import DatabaseError, OperationalError

logger = logging.getLogger(__name__)

TABLE = "market_tick"
DEFAULT_PARTITION = f"{TABLE}_default"
MARKET_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
COLUMNS = ("id", "seq", "time", "price", "volume", "side", "source", "instrument_id")
COLUMN_LIST = ", ".join(f'"{name}"' for name in COLUMNS)
LOCK_TIMEOUT = "5s"
_DAY_NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")


def partition_name(day: date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def market_day(moment: datetime) -> date:
    """The Vietnamese calendar day of an aware datetime: the day whose partition holds it."""
    return moment.astimezone(MARKET_TZ).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC range ``[start, end)`` of ``day``'s partition."""
    start = datetime.combine(day, time(), tzinfo=MARKET_TZ).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=MARKET_TZ).astimezone(
        UTC
    )


def _q(connection: BaseDatabaseWrapper, name: str) -> str:
    return str(connection.ops.quote_name(name))


def is_partitioned(connection: BaseDatabaseWrapper) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def day_partitions(connection: BaseDatabaseWrapper) -> dict[date, str]:
    """The day partitions attached to the parent, by day (the default partition left out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = {}
    for name in names:
        match = _DAY_NAME.match(name)
        if match:
            found[datetime.strptime(match.group(1), "%Y%m%d").date()] = name  # noqa: DTZ007
    return found


def _seq_index_sql(connection: BaseDatabaseWrapper, partition: str) -> str:
    return (
        f"CREATE UNIQUE INDEX IF NOT EXISTS {_q(connection, partition + '_seq_uniq')} "
        f"ON {_q(connection, partition)} (instrument_id, seq)"
    )


def create_day_partition(cursor: Any, connection: BaseDatabaseWrapper, day: date) -> None:
    """``CREATE TABLE ... PARTITION OF`` for ``day`` with its unique (instrument, seq) index. The
    caller holds the transaction (and whatever lock timeout it wants)."""
    name = partition_name(day)
    start, end = day_bounds(day)
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {_q(connection, name)} PARTITION OF {_q(connection, TABLE)} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )
    cursor.execute(_seq_index_sql(connection, name))


def create_default_partition(cursor: Any, connection: BaseDatabaseWrapper) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {_q(connection, DEFAULT_PARTITION)} "
        f"PARTITION OF {_q(connection, TABLE)} DEFAULT"
    )
    cursor.execute(_seq_index_sql(connection, DEFAULT_PARTITION))


def _lock_timeout(cursor: Any) -> None:
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def partitions_ensure(connection: BaseDatabaseWrapper, *, first: date, last: date) -> list[date]:
    """Create the missing day partitions from ``first`` to ``last`` (inclusive), one short
    transaction each. Returns the days created; a day whose lock timed out is logged and left for
    the next run."""
    existing = day_partitions(connection)
    created = []
    day = first
    while day <= last:
        if day not in existing:
            try:
                with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                    _lock_timeout(cursor)
                    create_day_partition(cursor, connection, day)
            except DatabaseError as exc:  # a lock timeout; rows for that day in the default one
                logger.warning("tick partition for %s not created (will retry): %s", day, exc)
            else:
                created.append(day)
        day += timedelta(days=1)
    if created:
        logger.info("created tick partitions for %s", ", ".join(map(str, created)))
    return created


def default_partition_days(connection: BaseDatabaseWrapper) -> dict[date, int]:
    """The days (Vietnamese) of the rows in the default partition, with their counts."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (\"time\" AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, count(*) "  # noqa: S608
            f"FROM {_q(connection, DEFAULT_PARTITION)} GROUP BY 1 ORDER BY 1"
        )
        return dict(cursor.fetchall())


def default_partition_drain(connection: BaseDatabaseWrapper) -> dict[date, int]:
    """Move the rows the default partition caught into day partitions: detach the default, create
    the partitions of their days, re-insert through the parent, empty and re-attach the default --
    one transaction (ingestion waits for it, a few seconds at most). Logs an error (an alert: the
    partitions ahead were missing) when there was anything to move. Returns the rows moved, by day.
    """
    quote = _q(connection, TABLE)
    default = _q(connection, DEFAULT_PARTITION)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {default})")  # noqa: S608
        row = cursor.fetchone()
    if not row or not row[0]:
        return {}
    columns = COLUMN_LIST
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        _lock_timeout(cursor)
        cursor.execute(f"ALTER TABLE {quote} DETACH PARTITION {default}")
        days = default_partition_days(connection)
        for day in days:
            create_day_partition(cursor, connection, day)
        cursor.execute(f"INSERT INTO {quote} ({columns}) SELECT {columns} FROM {default}")  # noqa: S608
        cursor.execute(f"TRUNCATE {default}")
        cursor.execute(f"ALTER TABLE {quote} ATTACH PARTITION {default} DEFAULT")
    logger.error(
        "%d ticks had no day partition and landed in %s (days %s): moved into new partitions; "
        "is the partition maintenance task running?",
        sum(days.values()),
        DEFAULT_PARTITION,
        ", ".join(map(str, days)),
    )
    return days


def partitions_drop_before(connection: BaseDatabaseWrapper, *, cutoff: datetime) -> int:
    """Detach and drop every day partition that ends at or before ``cutoff``, each in its own short
    transaction. Returns the number of rows they held; a partition whose lock timed out stays for
    the next run."""
    removed = 0
    for day, name in sorted(day_partitions(connection).items()):
        if day_bounds(day)[1] > cutoff:
            continue
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                _lock_timeout(cursor)
                cursor.execute(f"SELECT count(*) FROM {_q(connection, name)}")  # noqa: S608
                count = cursor.fetchone()[0]
                cursor.execute(
                    f"ALTER TABLE {_q(connection, TABLE)} DETACH PARTITION {_q(connection, name)}"
                )
                cursor.execute(f"DROP TABLE {_q(connection, name)}")
        except OperationalError as exc:
            logger.warning("tick partition %s not dropped (will retry): %s", name, exc)
            continue
        removed += count
        logger.info("dropped tick partition %s (%d ticks)", name, count)
    return removed
