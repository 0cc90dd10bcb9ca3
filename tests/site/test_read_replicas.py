"""Read replicas against a real streaming replica of the test PostgreSQL (portfolio_site/db_router.py).

The replica is ``DATABASE_REPLICA_TEST_URL`` (CI starts one with ``.ci/replica start``) or, when
unset, one this module starts itself with ``.ci/replica`` (and destroys at the end) if it can: the
primary is the local PostgreSQL on 127.0.0.1:5432 and we are root or postgres. Else the module is
skipped, saying why. Physical replication copies every database, so the replica holds the test
database too: the alias ``replica_0`` points at it on the replica's port.

Proofs: with replay paused, a row written behind the user's back is missing from what the heavy
endpoints answer (the replica served it) while the user's own write shows at once (read-your-writes:
the primary); a replica lagging over DATABASE_REPLICA_MAX_LAG_SECONDS leaves the rotation; a stopped
replica costs no error, and it is back in rotation soon after it restarts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connections
from rest_framework.test import APIClient

from market.models import Instrument
from portfolio import services
from portfolio.models import Portfolio
from portfolio_site import db_router
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.portfolio.factories import InstrumentFactory

pytestmark = [pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "replica"
ALIAS = "replica_0"
CATCH_UP_TIMEOUT = 30.0


@dataclass(frozen=True)
class ReplicaServer:
    url: str
    port: int
    controllable: bool  # .ci/replica can stop and resume it

    def script(self, action: str) -> None:
        subprocess.run(
            [str(SCRIPT), action],
            env={**os.environ, "REPLICA_PORT": str(self.port)},
            check=True,
            capture_output=True,
            timeout=120,
        )

    def sql(self, statement: str) -> Any:
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            row = conn.execute(statement).fetchone()
        return None if row is None else row[0]


def _cannot_start_replica() -> str | None:
    primary = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        return "needs PostgreSQL (DATABASE_URL) and a streaming replica"
    if str(primary.get("HOST")) not in ("127.0.0.1", "localhost") or str(primary.get("PORT")) != (
        "5432"
    ):
        return "DATABASE_REPLICA_TEST_URL unset and the primary is not the local PostgreSQL on 5432"
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        return "DATABASE_REPLICA_TEST_URL unset and .ci/replica needs root or postgres"
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup")) and not shutil.which(
        "pg_basebackup"
    ):
        return "DATABASE_REPLICA_TEST_URL unset and pg_basebackup is not installed"
    return None


@pytest.fixture(scope="module")
def replica_server(django_db_setup: Any) -> Iterator[ReplicaServer]:
    url = os.environ.get("DATABASE_REPLICA_TEST_URL", "")
    started_here = False
    if not url:
        reason = _cannot_start_replica()
        if reason:
            pytest.skip(reason)
        done = subprocess.run(
            [str(SCRIPT), "start"], capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode != 0:
            pytest.fail(f".ci/replica start failed:\n{done.stdout}\n{done.stderr}")
        url = done.stdout.strip().splitlines()[-1]
        started_here = True
    port = int(dj_database_url.parse(url)["PORT"] or 5432)
    data_dir = Path(os.environ.get("REPLICA_DIR", f"/tmp/vnp-replica-{port}"))
    server = ReplicaServer(url=url, port=port, controllable=(data_dir / "standby.signal").exists())
    try:
        yield server
    finally:
        if started_here:
            server.script("destroy")


@pytest.fixture(scope="module")
def replica_alias(replica_server: ReplicaServer) -> Iterator[str]:
    """``replica_0``: the test database on the replica, configured like settings.py would."""
    primary = connections["default"].settings_dict
    parsed = dj_database_url.parse(replica_server.url)
    options = dict(primary["OPTIONS"])
    if "pool" in options:
        options["pool"] = {**options["pool"], "timeout": 2}
    replica = {
        **primary,  # NAME: the test database, which streams to the replica like any other
        "HOST": parsed["HOST"],
        "PORT": parsed["PORT"],
        "USER": parsed["USER"] or primary["USER"],
        "PASSWORD": parsed["PASSWORD"] or primary["PASSWORD"],
        "OPTIONS": options,
        "TEST": {**primary["TEST"], "MIRROR": "default"},  # never flushed nor created
    }
    django_settings.DATABASES[ALIAS] = replica
    connections.settings[ALIAS] = replica
    try:
        yield ALIAS
    finally:
        connections[ALIAS].close()
        connections[ALIAS].close_pool()  # type: ignore[attr-defined]
        del connections[ALIAS]
        django_settings.DATABASES.pop(ALIAS, None)
        connections.settings.pop(ALIAS, None)


@pytest.fixture(autouse=True)
def replica_settings(replica_alias: str, settings: Any) -> Iterator[None]:
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0.2
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600.0
    settings.DATABASE_REPLICA_PIN_SECONDS = 5.0
    db_router.health.forget()
    yield
    db_router.health.forget()


def wait_for(what: str, check: Callable[[], Any], timeout: float) -> float:
    """Seconds it took ``check`` to become truthy."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.1)
    pytest.fail(f"{what}: not within {timeout} s")


def replayed(server: ReplicaServer) -> Callable[[], bool]:
    """True once the replica replayed everything the primary wrote until now."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    return lambda: bool(server.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"))


@pytest.fixture
def paused_replay(replica_server: ReplicaServer) -> Iterator[ReplicaServer]:
    """Replay stopped on the replica (WAL still received): it falls behind from the next write."""
    wait_for("replica caught up", replayed(replica_server), CATCH_UP_TIMEOUT)
    replica_server.sql("SELECT pg_wal_replay_pause()")
    try:
        yield replica_server
    finally:
        replica_server.sql("SELECT pg_wal_replay_resume()")


@dataclass
class World:
    client: APIClient
    portfolio: Portfolio
    instrument: Instrument


@pytest.fixture
def world(replica_server: ReplicaServer) -> World:
    user = UserFactory()
    portfolio = services.portfolio_create(owner=user, name="Main")
    deposit(portfolio, "1000000")
    instrument = InstrumentFactory(symbol="FPT", name="FPT Corp")
    wait_for("replica caught up", replayed(replica_server), CATCH_UP_TIMEOUT)
    return World(client=client_for(user), portfolio=portfolio, instrument=instrument)


def deposit(portfolio: Portfolio, amount: str) -> None:
    services.transaction_record(
        portfolio=portfolio, kind="DEPOSIT", trade_date=date(2026, 1, 5), amount=Decimal(amount)
    )


class Reads:
    """The statements a request ran on the primary and on the replica (recorded once they succeed;
    no connection is opened to record them)."""

    def __init__(self) -> None:
        self.primary: list[str] = []
        self.replica: list[str] = []
        self._stack = ExitStack()

    @staticmethod
    def _recorder(log: list[str]) -> Callable[..., Any]:
        def record(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
            result = execute(sql, *args)
            log.append(sql)
            return result

        return record

    def __enter__(self) -> Reads:
        self._stack.enter_context(
            connections["default"].execute_wrapper(self._recorder(self.primary))
        )
        self._stack.enter_context(connections[ALIAS].execute_wrapper(self._recorder(self.replica)))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def on_replica(self, table: str) -> list[str]:
        return [sql for sql in self.replica if table in sql]

    def on_primary(self, table: str) -> list[str]:
        return [sql for sql in self.primary if table in sql]


def exported_amounts(client: APIClient, portfolio: Portfolio) -> list[int]:
    response = client.get(f"/api/portfolios/{portfolio.pk}/export/?format=json")
    assert response.status_code == 200, response.content
    return sorted(int(Decimal(row["amount"])) for row in response.json()["transactions"])


HEAVY_READS = [
    ("/api/portfolios/{id}/performance/?range=1M&benchmark=none", "portfolio_transaction"),
    ("/api/portfolios/overview/?range=1M", "portfolio_portfolio"),
    ("/api/portfolios/{id}/export/?format=json", "portfolio_transaction"),
    ("/api/portfolios/{id}/export/?format=csv", "portfolio_transaction"),
    ("/api/portfolios/{id}/closed-positions/", "portfolio_transaction"),
    ("/api/portfolios/{id}/closed-positions/export.csv", "portfolio_transaction"),
    ("/api/market/instruments/FPT/bars/?interval=1d", "market_instrument"),
]


@pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
def test_heavy_read_only_endpoints_read_from_the_replica(world: World) -> None:
    for path, table in HEAVY_READS:
        with Reads() as reads:
            response = world.client.get(path.format(id=world.portfolio.pk))

        assert response.status_code == 200, (path, response.content)
        assert reads.on_replica(table), path
        assert not reads.on_primary(table), path
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)


@pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
def test_other_endpoints_and_writes_stay_on_the_primary(world: World) -> None:
    with Reads() as reads:
        holdings = world.client.get(f"/api/portfolios/{world.portfolio.pk}/summary/")
        created = world.client.post("/api/portfolios/", {"name": "Second"}, format="json")

    assert holdings.status_code == 200
    assert created.status_code == 201
    assert reads.on_primary("portfolio_portfolio")
    assert not reads.replica


@pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
def test_a_lagging_replica_serves_stale_rows_except_to_the_user_who_wrote(
    world: World, paused_replay: ReplicaServer
) -> None:
    # Given a replica that stopped replaying, and a deposit written behind the user's back
    deposit(world.portfolio, "2000000")

    # then a heavy read shows the replica's (stale) rows: proof that the replica answers
    assert exported_amounts(world.client, world.portfolio) == [1_000_000]

    # When the user writes through the API
    posted = world.client.post(
        f"/api/portfolios/{world.portfolio.pk}/transactions/",
        {"kind": "DEPOSIT", "trade_date": "2026-01-06", "amount": "3000000"},
        format="json",
    )
    assert posted.status_code == 201, posted.content

    # then their next reads come from the primary, their write and the other one included
    with Reads() as reads:
        amounts = exported_amounts(world.client, world.portfolio)
    assert amounts == [1_000_000, 2_000_000, 3_000_000]
    assert reads.on_primary("portfolio_transaction")
    assert not reads.on_replica("portfolio_transaction")


@pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
def test_the_pin_to_the_primary_ends_after_the_pin_seconds(
    world: World, paused_replay: ReplicaServer, settings: Any
) -> None:
    settings.DATABASE_REPLICA_PIN_SECONDS = 1.0
    posted = world.client.post(
        f"/api/portfolios/{world.portfolio.pk}/transactions/",
        {"kind": "DEPOSIT", "trade_date": "2026-01-06", "amount": "3000000"},
        format="json",
    )
    assert posted.status_code == 201
    assert len(exported_amounts(world.client, world.portfolio)) == 2  # pinned: the primary

    time.sleep(1.5)

    assert exported_amounts(world.client, world.portfolio) == [1_000_000]  # the replica again


@pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
def test_a_replica_lagging_over_the_limit_leaves_the_rotation_until_it_catches_up(
    world: World, replica_server: ReplicaServer, settings: Any
) -> None:
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    wait_for("replica caught up", replayed(replica_server), CATCH_UP_TIMEOUT)
    replica_server.sql("SELECT pg_wal_replay_pause()")
    try:
        deposit(world.portfolio, "2000000")  # not replayed: the replica's last replay ages
        time.sleep(1.0)

        with Reads() as reads:
            amounts = exported_amounts(world.client, world.portfolio)

        assert amounts == [1_000_000, 2_000_000]
        assert not reads.replica
        status = db_router.health.status(ALIAS)
        assert status is not None
        assert not status.healthy
        assert "lags" in status.reason
    finally:
        replica_server.sql("SELECT pg_wal_replay_resume()")

    def back_on_replica() -> bool:
        with Reads() as reads:
            exported_amounts(world.client, world.portfolio)
        return bool(reads.on_replica("portfolio_transaction"))

    wait_for("replica back in rotation", back_on_replica, 10.0)


@pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
def test_a_stopped_replica_costs_no_error_and_returns_to_rotation_after_restart(
    world: World, replica_server: ReplicaServer, settings: Any, record_property: Any
) -> None:
    if not replica_server.controllable:
        pytest.skip("the replica was not started by .ci/replica: cannot stop it")
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60.0  # the stop is noticed by the failing read
    with Reads() as reads:
        assert exported_amounts(world.client, world.portfolio) == [1_000_000]
    assert reads.on_replica("portfolio_transaction")  # its pooled connection is now open

    replica_server.script("stop")
    try:
        # The request in flight when it stopped: the read fails on the replica, runs again on the
        # primary, and the replica is out of rotation.
        started = time.monotonic()
        with Reads() as reads:
            assert exported_amounts(world.client, world.portfolio) == [1_000_000]
        failover = time.monotonic() - started
        assert reads.on_primary("portfolio_transaction")
        status = db_router.health.status(ALIAS)
        assert status is not None
        assert not status.healthy
        assert failover < 3.0
        record_property("failover_seconds", round(failover, 3))

        # Later requests, with checks again every 0.2 s, stay on the primary and answer at once
        settings.DATABASE_REPLICA_CHECK_SECONDS = 0.2
        for _ in range(5):
            started = time.monotonic()
            with Reads() as reads:
                assert exported_amounts(world.client, world.portfolio) == [1_000_000]
            assert time.monotonic() - started < 3.0
            assert not reads.on_replica("portfolio_transaction")
            time.sleep(0.1)
    finally:
        started = time.monotonic()
        replica_server.script("resume")
    record_property("restart_seconds", round(time.monotonic() - started, 3))

    def back_on_replica() -> bool:
        with Reads() as reads:
            exported_amounts(world.client, world.portfolio)
        return bool(reads.on_replica("portfolio_transaction"))

    record_property(
        "back_in_rotation_seconds", round(wait_for("replica back", back_on_replica, 15.0), 3)
    )
