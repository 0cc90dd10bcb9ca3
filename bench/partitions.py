"""Tick storage: the plain table against the day-partitioned one (PostgreSQL), at ``BENCH_TICKS`` rows.

    python -m bench.run --only ticks                      # 10,000,000 ticks (BENCH_TICKS)
    BENCH_TICKS=1000000 python -m bench.run --only ticks  # a quicker look

Both shapes are the real ``market_tick`` of the bench database: migration 0004 (plain: primary key
``id``, unique (instrument, seq), indexes (instrument, time), (time), (instrument)) and migration
0005 (partitioned by Vietnamese day; ``market/partitioning.py``). For each shape:

- **insert**: ``BENCH_TICKS`` ticks of 1,600 symbols over ``TICK_RETENTION_DAYS + 2`` days (session
  hours), written the way ``quotes_ingest`` writes them -- one ``COPY`` of 1,600 rows (a poll of the
  whole market) per transaction -- reported in rows/s overall and over the last tenth (the table at
  its largest);
- **last seq**: the ingestion's first read (``quotes._lock_targets``: lock the rows, read every
  symbol's last seq) for the 1,600 symbols, median of 5, as if every symbol last traded today, the
  day before (the day's first poll) and 10 days before (a silent symbol);
- **prune**: ``ticks_prune(before=...)`` at 02:30 ICT (the nightly run's time) of the day the two
  oldest days fall out of the retention (about 6% of the rows): batched ``DELETE`` on the plain
  table, ``DETACH`` + ``DROP`` of whole partitions on the partitioned one.

Between the two, ``manage.py migrate market 0005`` converts the plain table still holding its rows:
that is the migration's time at this size. The table is emptied at the end (the bench database
only; left migrated to the latest state).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench import database
from bench.context import BASE_DIR, PYTHON, Context
from bench.ingest import _ensure_instruments, _symbols
from bench.report import Section

SYMBOLS = 1600
PLAIN = "0004_instrument_search_text"
PARTITIONED = "0005_tick_partitions"
COLUMNS = ("instrument_id", "seq", "time", "price", "volume", "side", "source")


def _ticks_wanted(ctx: Context) -> int:
    default = 200_000 if ctx.quick else 10_000_000
    return int(os.environ.get("BENCH_TICKS", default))


def _migrate(ctx: Context, target: str) -> float:
    from django.db import connection

    connection.close()  # the subprocess needs the table's locks
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "market", target, "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=ctx.django_env(),
        check=True,
        timeout=7200,
    )
    return time.perf_counter() - started


def _rows(ids: list[int], total: int, days: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """``total`` ticks in time order over ``days`` Vietnamese days (09:00-15:00 ICT), round-robin
    over the symbols, so each symbol's seq grows with its time."""
    from market.partitioning import day_bounds, market_day

    per_day = -(-total // days)
    first_day = market_day(now) - timedelta(days=days - 1)
    price, side = Decimal(25_000), "buy"
    for k in range(total):
        day, index = divmod(k, per_day)
        start = day_bounds(first_day + timedelta(days=day))[0] + timedelta(hours=9)
        when = start + timedelta(seconds=index * 21_600 / per_day)
        yield (ids[k % len(ids)], k // len(ids) + 1, when, price, 100, side, "simulated")


def _fill(ids: list[int], total: int, days: int, now: datetime) -> dict[str, float]:
    from django.db import connection, transaction

    statement = f"COPY market_tick ({', '.join(COLUMNS)}) FROM STDIN"
    rows = _rows(ids, total, days, now)
    tail_from = total - total // 10
    started = time.perf_counter()
    tail_started: float | None = None
    tail_rows = 0
    written = 0
    while written < total:
        batch = min(SYMBOLS, total - written)
        if tail_started is None and written >= tail_from:
            tail_started, tail_rows = time.perf_counter(), total - written
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(statement) as copy:
            for _ in range(batch):
                copy.write_row(next(rows))
        written += batch
    ended = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE market_tick")
    return {
        "seconds": ended - started,
        "rate": total / (ended - started),
        "tail_rate": tail_rows / max(ended - (tail_started or started), 1e-9),
    }


def _last_seq_ms(symbols: list[str], *, at: datetime | None = None) -> float:
    """The ingestion's first read (``quotes._lock_targets``: lock the symbols' rows, read each one's
    last seq) for every symbol, median of 5, in ms; ``at``: as if it were then (a day with no
    ticks yet: the first poll of the day)."""
    from unittest import mock

    from django.db import transaction

    from market.services import quotes

    latest: dict[str, Any] = dict.fromkeys(symbols)
    timings = []
    with mock.patch.object(quotes.timezone, "now", return_value=at or datetime.now(UTC)):
        for _ in range(5):
            with transaction.atomic():
                started = time.perf_counter()
                quotes._lock_targets(latest)
                timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _lookups(symbols: list[str], now: datetime) -> tuple[float, float, float]:
    """Every symbol traded today / last traded yesterday (the day's first poll) / 10 days ago."""
    return (
        _last_seq_ms(symbols),
        _last_seq_ms(symbols, at=now + timedelta(days=1)),
        _last_seq_ms(symbols, at=now + timedelta(days=10)),
    )


def _prune(cutoff: datetime) -> dict[str, float]:
    from market.services import ticks_prune

    started = time.perf_counter()
    removed = ticks_prune(before=cutoff)
    return {"seconds": time.perf_counter() - started, "removed": removed}


def _truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE market_tick")


def _table_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.oid = 'market_tick'::regclass OR c.oid IN "
            "(SELECT inhrelid FROM pg_inherits WHERE inhparent = 'market_tick'::regclass)"
        )
        return round(cursor.fetchone()[0] / 2**20, 1)


def _row(shape: str, total: int, fill: dict[str, float], lookup: tuple[float, float, float], prune: dict[str, float], size: float) -> dict[str, Any]:  # fmt: skip
    return {
        "table": shape,
        "ticks": total,
        "COPY rows/s": round(fill["rate"]),
        "COPY rows/s, last 10%": round(fill["tail_rate"]),
        "size MB": size,
        "last seq ms: traded today": round(lookup[0], 1),
        "first poll of the day": round(lookup[1], 1),
        "silent 10 days": round(lookup[2], 1),
        "prune s": round(prune["seconds"], 2),
        "pruned rows": int(prune["removed"]),
    }


def run(ctx: Context) -> Section:
    database.prepare(ctx)
    from django.conf import settings
    from django.db import connection

    from market import partitioning
    from market.models import Instrument

    total = _ticks_wanted(ctx)
    days = settings.TICK_RETENTION_DAYS + 2
    section = Section(
        name="ticks",
        title=f"Tick storage: plain vs partitioned by day, {total:,} ticks (PostgreSQL)",
        columns=[
            "table",
            "ticks",
            "COPY rows/s",
            "COPY rows/s, last 10%",
            "size MB",
            "last seq ms: traded today",
            "first poll of the day",
            "silent 10 days",
            "prune s",
            "pruned rows",
        ],
    )
    symbols = _symbols(SYMBOLS)
    _ensure_instruments(symbols)
    ids = list(Instrument.objects.filter(symbol__in=symbols).values_list("id", flat=True))
    now = datetime.now(UTC)
    first = partitioning.market_day(now) - timedelta(days=days - 1)
    # The nightly prune's moment (02:30 ICT) on the day the two oldest days fall out.
    cutoff = partitioning.day_bounds(first + timedelta(days=2))[0] + timedelta(hours=2, minutes=30)
    try:
        _migrate(ctx, PLAIN)
        _truncate()
        fill = _fill(ids, total, days, now)
        lookup, size = _lookups(symbols, now), _table_mb()
        prune = _prune(cutoff)
        section.rows.append(_row("plain", total, fill, lookup, prune, size))
        migration = _migrate(ctx, PARTITIONED)
        converted = total - int(prune["removed"])
        _truncate()
        partitioning.partitions_ensure(connection, first=first, last=partitioning.market_day(now))
        fill = _fill(ids, total, days, now)
        lookup, size = _lookups(symbols, now), _table_mb()
        prune = _prune(cutoff)
        section.rows.append(_row("partitioned by day", total, fill, lookup, prune, size))
    finally:
        _migrate(ctx, PARTITIONED)
        _truncate()
    section.notes.append(
        f"Migration 0005 converted the plain table holding {converted:,} ticks in "
        f"{migration:.1f} s (copy into {days} day partitions, then keys and indexes)."
    )
    section.notes.append(
        f"{SYMBOLS:,} symbols over {days} days (TICK_RETENTION_DAYS + 2); one COPY of {SYMBOLS:,} "
        "rows per transaction; the prune removes the 2 oldest days."
    )
    return section


if __name__ == "__main__":
    from bench import report

    context = Context()
    result = run(context)
    print(report.section_markdown(result))
