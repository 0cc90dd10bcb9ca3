"""Ticks partitioned by day on PostgreSQL: ingestion routes into the day's partition, a missing one
never blocks it (the default partition catches the row, maintenance moves it and raises the alarm),
retention drops whole partitions, and the migration moves an existing table. SQLite keeps the plain
table."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from market import partitioning
from market.models import Bar, Tick
from market.partitioning import DEFAULT_PARTITION, day_partitions, market_day, partition_name
from market.services import bars_aggregate, quotes_ingest, tick_partitions_maintain, ticks_prune
from tests.conftest import requires_postgres
from tests.market.builders import instrument, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]

BEFORE = ("market", "0004_instrument_search_text")
PARTITIONED = ("market", "0005_tick_partitions")


def partition_of(tick_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM market_tick WHERE id = %s", [tick_id])
        return str(cursor.fetchone()[0])


def settle_deferred_checks() -> None:
    """Run the deferred foreign-key checks of the rows inserted so far: PostgreSQL refuses to ALTER a
    table with pending trigger events in the same transaction (the test's), as maintenance does."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tick(instrument_id: int, seq: int, when, price: int = 100_000) -> Tick:  # type: ignore[no-untyped-def]
    return Tick.objects.create(
        instrument_id=instrument_id,
        seq=seq,
        time=when,
        price=Decimal(price),
        volume=100,
        source="simulated",
    )


@requires_postgres
def test_ticks_are_partitioned_by_vietnamese_day_with_partitions_made_ahead() -> None:
    # given the migrated database, today (Vietnam) and the configured days ahead
    today = market_day(timezone.now())
    days = day_partitions(connection)
    # then each of those days has its partition, plus the default one
    assert partitioning.is_partitioned(connection)
    for n in range(settings.TICK_PARTITION_DAYS_AHEAD + 1):
        assert today + timedelta(days=n) in days
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = %s",
            [partition_name(today)],
        )
        bound = cursor.fetchone()[0]
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DEFAULT_PARTITION])
        assert cursor.fetchone()[0]
    # a Vietnamese day runs from 17:00 UTC the day before to 17:00 UTC
    assert f"{today - timedelta(days=1)} 17:00:00+00" in bound
    assert f"{today} 17:00:00+00" in bound


@requires_postgres
def test_a_polled_tick_is_copied_into_its_days_partition() -> None:
    # given FPT with a stored quote from a moment ago
    instrument("FPT")
    now = timezone.now()
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=now - timedelta(seconds=2))])
    # when the next poll finds more volume (one tick, stored by COPY into the parent)
    result = quotes_ingest(snapshots=[snapshot(volume=1500, as_of=now - timedelta(seconds=1))])
    # then the tick is in today's partition and its 1m bar was built from it
    assert result.ticks == 1
    stored = Tick.objects.get()
    assert (stored.seq, stored.volume) == (1, 500)
    assert partition_of(stored.id) == partition_name(market_day(now))
    assert Bar.objects.filter(interval="1m", volume=500).exists()


def test_seq_carries_on_from_yesterdays_and_from_todays_last_tick() -> None:
    # given FPT whose last tick (#3) was five days ago, HPG's (#9) twelve days ago, and VNM with
    # ticks up to #7 today
    fpt, vnm, hpg = instrument("FPT"), instrument("VNM"), instrument("HPG")
    now = timezone.now()
    for seq in (1, 2, 3):
        tick(fpt.id, seq, now - timedelta(days=5, minutes=10 - seq))
    tick(hpg.id, 9, now - timedelta(days=12))
    for seq in (6, 7):
        tick(vnm.id, seq, now - timedelta(seconds=60 - seq))
    boards = [
        [snapshot(symbol, volume=v, as_of=at) for symbol in ("FPT", "VNM", "HPG")]
        for v, at in ((1000, now - timedelta(seconds=20)), (1500, now - timedelta(seconds=10)))
    ]
    # when a poll finds them traded (the ingestion looks from today on, then a week back, then
    # everywhere)
    quotes_ingest(snapshots=boards[0])
    quotes_ingest(snapshots=boards[1])
    # then each symbol's seq follows its own last one, wherever that was stored
    assert Tick.objects.filter(instrument=fpt).latest("seq").seq == 4
    assert Tick.objects.filter(instrument=vnm).latest("seq").seq == 8
    assert Tick.objects.filter(instrument=hpg).latest("seq").seq == 10


@requires_postgres
@pytest.mark.parametrize("days_from_now", [0, 400], ids=["day partition", "default partition"])
def test_the_same_seq_twice_for_a_symbol_is_refused(days_from_now: int) -> None:
    # given a tick #1 of FPT
    fpt = instrument("FPT")
    when = timezone.now() + timedelta(days=days_from_now)
    tick(fpt.id, 1, when)
    # when a second writer stores #1 again a second later, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        tick(fpt.id, 1, when + timedelta(seconds=1))
    # and another symbol's #1 is fine
    tick(instrument("VNM").id, 1, when)


@requires_postgres
def test_a_tick_with_no_partition_lands_in_default_then_is_moved_with_an_alarm(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given partitions only a week ahead, and a tick (bad clock, stopped beat) 30 days ahead
    fpt = instrument("FPT")
    far = timezone.now() + timedelta(days=30)
    stored = tick(fpt.id, 1, far)
    # then ingestion was not blocked: the default partition caught it
    assert partition_of(stored.id) == DEFAULT_PARTITION
    settle_deferred_checks()
    # when the maintenance task runs
    with caplog.at_level(logging.ERROR, logger="market.partitioning"):
        report = tick_partitions_maintain()
    # then an error names the rows and the day, the tick moved into a new partition for its day
    assert report.moved_from_default == {market_day(far): 1}
    assert market_day(far) in report.created
    assert any("landed in market_tick_default" in r.getMessage() for r in caplog.records)
    assert partition_of(stored.id) == partition_name(market_day(far))
    assert Tick.objects.get().seq == 1
    # and the default partition is attached again, empty; a second run has nothing to do
    assert tick_partitions_maintain().moved_from_default == {}
    assert partition_of(tick(fpt.id, 2, far + timedelta(days=300)).id) == DEFAULT_PARTITION


@requires_postgres
def test_maintenance_creates_the_partitions_ahead_idempotently() -> None:
    # given a "now" 20 days on, beyond the partitions made so far
    later = timezone.now() + timedelta(days=20)
    # when the maintenance runs twice
    first = tick_partitions_maintain(now=later, days_ahead=3)
    second = tick_partitions_maintain(now=later, days_ahead=3)
    # then the four days from that day exist, created once
    days = [market_day(later) + timedelta(days=n) for n in range(4)]
    assert first.created == days
    assert second.created == []
    assert set(days) <= set(day_partitions(connection))


@requires_postgres
def test_partition_ddl_behind_a_long_reader_gives_up_instead_of_queueing_ingestion(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given another session reading the ticks in a long transaction
    import psycopg

    monkeypatch.setattr(partitioning, "LOCK_TIMEOUT", "200ms")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("pool", None)
    later = market_day(timezone.now()) + timedelta(days=60)
    with psycopg.connect(**params) as reader:
        reader.execute("BEGIN")
        reader.execute("LOCK TABLE market_tick IN ACCESS SHARE MODE")
        # when the maintenance wants a new partition, then it gives up after the lock timeout
        started = timezone.now()
        with caplog.at_level(logging.WARNING, logger="market.partitioning"):
            created = partitioning.partitions_ensure(connection, first=later, last=later)
        assert created == []
        assert timezone.now() - started < timedelta(seconds=5)
        assert any("not created (will retry)" in r.getMessage() for r in caplog.records)
        reader.execute("ROLLBACK")
    # and the next run, the reader gone, creates it
    assert partitioning.partitions_ensure(connection, first=later, last=later) == [later]


@requires_postgres
def test_pruning_drops_whole_day_partitions_and_keeps_bars() -> None:
    # given 25 ticks on a day 40 days ago (its own partition), 3 in the default partition from 60
    # days ago, and one tick now; with their bars
    fpt = instrument("FPT")
    now = timezone.now()
    old = now - timedelta(days=40)
    partitioning.partitions_ensure(connection, first=market_day(old), last=market_day(old))
    for seq in range(1, 26):
        tick(fpt.id, seq, old + timedelta(seconds=seq))
    for seq in range(26, 29):
        tick(instrument("VNM").id if seq == 26 else fpt.id, seq, now - timedelta(days=60))
    recent = tick(fpt.id, 29, now)
    bars_aggregate(since=now - timedelta(days=61), until=now + timedelta(minutes=1))
    bar_count = Bar.objects.count()
    settle_deferred_checks()
    # when ticks past the retention (30 days) are pruned
    removed = ticks_prune(batch_size=2)
    # then the old day's partition is gone (not emptied), the default's old rows deleted,
    # today's tick and every bar kept; a second run removes nothing
    assert removed == 28
    assert market_day(old) not in day_partitions(connection)
    assert market_day(now) in day_partitions(connection)
    assert list(Tick.objects.values_list("id", flat=True)) == [recent.id]
    assert Bar.objects.count() == bar_count
    assert ticks_prune() == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite table stays plain")
def test_sqlite_keeps_the_plain_table() -> None:
    assert not partitioning.is_partitioned(connection)
    assert tick_partitions_maintain().partitioned is False


# --- the migration, on a table holding rows --------------------------------------------------


def migrate_to(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def table_facts() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relkind, "
            "  (SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_index i "
            "   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
            "   WHERE i.indrelid = c.oid AND i.indisprimary), "
            "  (SELECT count(*) FROM pg_constraint WHERE conrelid = c.oid AND contype = 'f'), "
            "  (SELECT array_agg(conname::text ORDER BY conname) FROM pg_constraint "
            "   WHERE conrelid = c.oid AND contype = 'c') "
            "FROM pg_class c WHERE c.oid = 'market_tick'::regclass"
        )
        kind, primary, foreign_keys, checks = cursor.fetchone()
    return {"kind": kind, "primary": primary, "foreign_keys": foreign_keys, "checks": checks}


def rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, instrument_id, seq, time, price, volume, side, source FROM market_tick "
            "ORDER BY id"
        )
        return cursor.fetchall()


@requires_postgres
def test_the_migration_moves_an_existing_table_with_its_rows_and_back() -> None:
    # given the plain table of migration 0004 holding ticks on three days (one 90 days old), and
    # a sequence that has run past the largest id (a deleted row)
    migrate_to(BEFORE)
    assert table_facts()["kind"] == "r"
    fpt, vnm = instrument("FPT"), instrument("VNM")
    now = timezone.now()
    with connection.cursor() as cursor:
        for instrument_id, seq, when in [
            (fpt.id, 1, now - timedelta(days=90)),
            (fpt.id, 2, now - timedelta(days=1)),
            (vnm.id, 1, now - timedelta(days=1)),
            (fpt.id, 3, now),
            (fpt.id, 4, now),
        ]:
            cursor.execute(
                "INSERT INTO market_tick (instrument_id, seq, time, price, volume, side, source) "
                "VALUES (%s, %s, %s, 100000, 100, 'buy', 'simulated')",
                [instrument_id, seq, when],
            )
        cursor.execute("DELETE FROM market_tick WHERE seq = 4")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    before = rows()
    # when migrating forward
    migrate_to(PARTITIONED)
    # then the same rows sit in their days' partitions, under the same keys and checks
    facts = table_facts()
    assert facts == {
        "kind": "p",
        "primary": ["id", "time"],
        "foreign_keys": 1,
        "checks": ["tick_price_positive", "tick_volume_positive"],
    }
    assert rows() == before
    for row in before:
        assert partition_of(row[0]) == partition_name(market_day(row[3]))
    # the sequence carried on (the deleted row's id is not reused), the seq guard holds
    new = tick(fpt.id, 5, now)
    assert new.id == before[-1][0] + 2
    with pytest.raises(IntegrityError), transaction.atomic():
        tick(fpt.id, 5, now + timedelta(seconds=1))
    settle_deferred_checks()
    after_forward = rows()
    # when migrating back, then the plain table holds the same rows with the original keys
    migrate_to(BEFORE)
    assert table_facts()["kind"] == "r"
    assert table_facts()["primary"] == ["id"]
    assert rows() == after_forward
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'tick_unique_seq' "
            "AND conrelid = 'market_tick'::regclass"
        )
        assert cursor.fetchone()[0] == 1
    assert tick(fpt.id, 6, now).id == new.id + 2  # the refused insert took new.id + 1
    # and forward again leaves the database as the other tests expect
    settle_deferred_checks()
    migrate_to(PARTITIONED)
    assert table_facts()["kind"] == "p"
