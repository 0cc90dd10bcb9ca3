"""The pool's connection check (portfolio_site/db_pool.py) on real PostgreSQL connections."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from psycopg_pool import ConnectionPool

from portfolio_site import db_pool
from tests.conftest import requires_postgres

pytestmark = requires_postgres


@pytest.fixture
def raw() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("pool", None)
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        yield conn


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []
    real = ConnectionPool.check_connection

    def counted(conn: psycopg.Connection) -> None:
        seen.append(conn)
        real(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return seen


def test_the_first_checkout_pings_then_a_recent_one_does_not(
    raw: psycopg.Connection, pings: list[object]
) -> None:
    db_pool.check_connection(raw)
    db_pool.check_connection(raw)
    assert pings == [raw]


def test_after_a_second_it_pings_again(
    raw: psycopg.Connection, pings: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    db_pool.check_connection(raw)
    monkeypatch.setattr(db_pool, "RECENT_SECONDS", 0.0)
    db_pool.check_connection(raw)
    assert pings == [raw, raw]


def test_a_dead_connection_fails_the_check_and_is_forgotten(
    raw: psycopg.Connection, pings: list[object]
) -> None:
    db_pool.check_connection(raw)
    terminate = psycopg.connect(
        **{k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"},
        autocommit=True,
    )
    with terminate:
        terminate.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])
    db_pool.RECENT_SECONDS, saved = 0.0, db_pool.RECENT_SECONDS
    try:
        with pytest.raises(psycopg.OperationalError):
            db_pool.check_connection(raw)
    finally:
        db_pool.RECENT_SECONDS = saved
    assert raw not in db_pool._last_checked


def test_a_closed_connection_is_never_skipped(raw: psycopg.Connection) -> None:
    db_pool.check_connection(raw)
    raw.close()
    with pytest.raises(psycopg.OperationalError):
        db_pool.check_connection(raw)


def test_the_settings_use_it_with_the_pool() -> None:
    options = settings.DATABASES["default"]["OPTIONS"].get("pool")
    if not options:
        pytest.skip("no pool configured (DATABASE_POOL_MAX_SIZE=0)")
    assert options["check"] is db_pool.check_connection
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is False
