"""Read replicas: which database a query goes to.

Everything goes to the primary (``default``) unless a request to one of the heavy read-only
endpoints (performance, bars, exports; marked with ``portfolio_site.replica_reads.ReplicaReadsMixin``)
switched this request's reads to a replica. The switch is a context variable, so it covers exactly
that request's thread and nothing else; writes always go to the primary. A replica is chosen only

- when ``DATABASE_REPLICA_URLS`` configured one (aliases ``replica_0``, ``replica_1``...);
- when the user did not write in the last ``DATABASE_REPLICA_PIN_SECONDS`` (read-your-writes: a
  successful unsafe request pins its user to the primary; the pin is a key in the shared cache, so
  every web process honours it);
- when the replica is healthy: it answers, and its replay is at most
  ``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind the primary. Each process checks a replica at most
  every ``DATABASE_REPLICA_CHECK_SECONDS`` (one request does it, the others use the last answer), and
  a replica that fails in the middle of a request is out of rotation until its next check.

Lag: the replica's replay position is compared with the primary's current WAL position (read just
before); caught up means no lag, whatever the time of the last commit (an idle primary does not make
a replica look late). Behind it, the lag is the age of the last transaction the replica replayed.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import threading
import time
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA_PREFIX = "replica_"
# libpq's smallest connect_timeout: a replica host that does not answer delays one check by this.
CHECK_CONNECT_TIMEOUT = 2

# The replica this request's reads go to; None = the primary.
_read_alias: ContextVar[str | None] = ContextVar("replica_read_alias", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def is_replica(alias: str | None) -> bool:
    return alias is not None and alias.startswith(REPLICA_PREFIX)


# --- this request's reads ----------------------------------------------------------------------


def current_replica() -> str | None:
    """The replica this request reads from, or None (the primary)."""
    return _read_alias.get()


def reading_from_replica() -> bool:
    return _read_alias.get() is not None


def read_from(alias: str | None) -> Token[str | None]:
    """Send this context's reads to ``alias`` (None: the primary); undo with ``restore``."""
    return _read_alias.set(alias)


def restore(token: Token[str | None]) -> None:
    _read_alias.reset(token)


# --- read-your-writes --------------------------------------------------------------------------


def _pin_key(user_id: int) -> str:
    return f"replica:pin:{user_id}"


def pin_to_primary(*, user_id: int) -> None:
    """The user just wrote: their reads go to the primary for DATABASE_REPLICA_PIN_SECONDS."""
    seconds = settings.DATABASE_REPLICA_PIN_SECONDS
    if seconds > 0:
        cache.set(_pin_key(user_id), 1, timeout=max(1, math.ceil(seconds)))


def is_pinned(*, user_id: int) -> bool:
    return cache.get(_pin_key(user_id)) is not None


# --- health ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaStatus:
    healthy: bool
    reason: str
    checked_at: float  # time.monotonic()


class ReplicaHealth:
    """Per-process answers to "may this replica serve reads?", refreshed at most every
    DATABASE_REPLICA_CHECK_SECONDS. Thread-safe: one thread checks, the others read the last answer."""

    def __init__(self) -> None:
        self._status: dict[str, ReplicaStatus] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, alias: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(alias, threading.Lock())

    def status(self, alias: str) -> ReplicaStatus | None:
        return self._status.get(alias)

    def is_healthy(self, alias: str) -> bool:
        status = self._status.get(alias)
        if status is None or time.monotonic() - status.checked_at >= (
            settings.DATABASE_REPLICA_CHECK_SECONDS
        ):
            lock = self._lock(alias)
            # The first check is waited for; later ones run in one thread while the rest go on.
            if lock.acquire(blocking=status is None):
                try:
                    status = self._status.get(alias)
                    if status is None or time.monotonic() - status.checked_at >= (
                        settings.DATABASE_REPLICA_CHECK_SECONDS
                    ):
                        status = self._record(alias, *check_replica(alias))
                finally:
                    lock.release()
        return status is not None and status.healthy

    def mark_failed(self, alias: str, reason: str) -> None:
        """A query on the replica failed: out of rotation until the next check."""
        self._record(alias, False, reason)

    def forget(self) -> None:
        """Check every replica again on next use (tests)."""
        self._status.clear()

    def _record(self, alias: str, healthy: bool, reason: str) -> ReplicaStatus:
        previous = self._status.get(alias)
        status = ReplicaStatus(healthy=healthy, reason=reason, checked_at=time.monotonic())
        self._status[alias] = status
        if previous is None or previous.healthy != healthy:
            if healthy:
                logger.info("replica %s in rotation (%s)", alias, reason)
            else:
                logger.warning("replica %s out of rotation: %s", alias, reason)
        return status


health = ReplicaHealth()


def _primary_wal_position() -> str | None:
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            row = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("replica check: the primary's WAL position is unknown: %s", error)
        return None
    return None if row is None else str(row[0])


def check_replica(alias: str) -> tuple[bool, str]:
    """(healthy, why): the replica answers, is a standby, and lags at most the allowed seconds."""
    primary_position = _primary_wal_position()
    params: dict[str, Any] = connections[alias].get_connection_params()
    params["connect_timeout"] = CHECK_CONNECT_TIMEOUT
    try:
        with psycopg.connect(**params, autocommit=True) as conn:
            row = conn.execute(
                "SELECT pg_is_in_recovery(),"
                " pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8",
                [primary_position],
            ).fetchone()
    except psycopg.Error as error:
        return False, f"unreachable: {str(error).strip() or type(error).__name__}"
    if row is None or not row[0]:
        return False, "not a standby (pg_is_in_recovery() is false)"
    caught_up, replay_age = row[1], row[2]
    if caught_up:
        return True, "caught up with the primary"
    lag = math.inf if replay_age is None else max(0.0, float(replay_age))
    if lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        return False, f"lags {lag:.1f} s (over {settings.DATABASE_REPLICA_MAX_LAG_SECONDS:g} s)"
    return True, f"lags {lag:.1f} s"


def replica_for_reads(*, user_id: int | None) -> str | None:
    """A healthy replica for a read-only request by ``user_id`` (None: anonymous), or None when it
    must read the primary (no replica configured, the user just wrote, none healthy)."""
    aliases = replica_aliases()
    if not aliases:
        return None
    if user_id is not None and is_pinned(user_id=user_id):
        return None
    healthy = [alias for alias in aliases if health.is_healthy(alias)]
    return random.choice(healthy) if healthy else None


def replica_failed(alias: str, error: BaseException) -> None:
    """A replica failed mid-request: out of rotation, and its broken connection closed."""
    health.mark_failed(alias, f"query failed: {str(error).strip() or type(error).__name__}")
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


# --- the router --------------------------------------------------------------------------------


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads to this request's replica, if any; all else to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = _read_alias.get()
        if alias is None:
            return None
        # Inside a transaction on the primary (select_for_update, a read after a write in an atomic
        # block), reads must see that transaction.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Replicas hold the primary's rows: objects read from either may be related.
        databases = {obj1._state.db, obj2._state.db}
        if all(db == PRIMARY or is_replica(db) for db in databases):
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if is_replica(db) else None
