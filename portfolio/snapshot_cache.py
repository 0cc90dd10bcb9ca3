"""Cached portfolio snapshots (folded ledger, performance) in the Django cache (Redis).

Keys carry a per-portfolio version (bumped after every committed transaction change and when a
daily close of a held symbol changes) and, for performance, a market-wide "closes" version (bumped
on every ``market.signals.daily_close_updated``, so benchmark series refresh too). Bumping makes
old snapshots unreachable; they expire on their own. The folded ledger, read on every valuation,
is instead one entry per portfolio that records the version it was computed at
(``cached_for_portfolio``): the version and the entry are read in one round trip.

The cache is an optimisation only: every call here swallows Redis errors (logged as warnings), so a
cache outage means computing directly, never an error response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

import redis.exceptions
from django.core.cache import cache

from portfolio_site import db_router

logger = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.RedisError,
    ConnectionError,
    TimeoutError,
    OSError,
)
BUMP_ERRORS: tuple[type[BaseException], ...] = (*CACHE_ERRORS, ValueError)
LEDGER_TIMEOUT = 24 * 3600
PERFORMANCE_TIMEOUT = 6 * 3600
# Versions outlive every snapshot keyed by them; ledger keys also carry the portfolio's
# updated_at, so a version lost in an outage cannot bring back a snapshot of an older ledger.
VERSION_TIMEOUT = 30 * 24 * 3600
_CLOSES_VERSION_KEY = "portfolio:closes:version"


def _version_key(portfolio_id: int) -> str:
    return f"portfolio:{portfolio_id}:version"


def _read_version(key: str) -> int:
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, 1, timeout=VERSION_TIMEOUT)
            value = cache.get(key, 1)
        return int(value)
    except CACHE_ERRORS as exc:
        logger.warning("portfolio cache unavailable (version read): %s", exc)
        return 0


def _bump(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # missing: start above the implicit 1 readers may have used
            if not cache.add(key, 2, timeout=VERSION_TIMEOUT):
                cache.incr(key)
    except BUMP_ERRORS as exc:  # a fail-safe cache reports an outage in incr as ValueError
        logger.warning("portfolio cache unavailable (version bump of %s): %s", key, exc)


def portfolio_version(portfolio_id: int) -> int:
    return _read_version(_version_key(portfolio_id))


def closes_version() -> int:
    return _read_version(_CLOSES_VERSION_KEY)


def invalidate_portfolio(portfolio_id: int) -> None:
    """Make every cached snapshot of the portfolio stale."""
    _bump(_version_key(portfolio_id))


def invalidate_portfolios(portfolio_ids: Iterable[int]) -> None:
    for portfolio_id in set(portfolio_ids):
        invalidate_portfolio(portfolio_id)


def invalidate_closes() -> None:
    """Daily closes changed: every performance snapshot (and its benchmark) is stale."""
    _bump(_CLOSES_VERSION_KEY)


def cached(key: str, compute: Callable[[], T], *, timeout: int) -> T:
    """``compute()`` through the cache; on any cache error just compute."""
    try:
        hit = cache.get(key)
    except CACHE_ERRORS as exc:
        logger.warning("portfolio cache unavailable (get): %s", exc)
        return compute()
    if hit is not None:
        return hit
    value = compute()
    if db_router.reading_from_replica():
        # A replica may not yet hold what the (already bumped) version stands for: a snapshot of
        # its rows stays out of the cache, where it would outlive the lag and break read-your-writes.
        return value
    try:
        cache.set(key, value, timeout=timeout)
    except CACHE_ERRORS as exc:
        logger.warning("portfolio cache unavailable (set): %s", exc)
    return value


def cached_for_portfolio(
    portfolio_id: int, name: str, stamp: str, compute: Callable[[], T], *, timeout: int
) -> T:
    """``compute()`` through one entry per portfolio and ``name``, read with the portfolio's
    version in one round trip (MGET).

    The entry holds ``(version:stamp, value)`` and is a hit only while both still match: a bumped
    version (or another ``stamp``: the caller's updated_at and day) makes it a miss, never a stale
    answer. A reader that computed from older rows may overwrite a newer entry with its older
    version; the next reader then misses and computes again. On any cache error: just compute.
    """
    version_key = _version_key(portfolio_id)
    entry_key = f"portfolio:{portfolio_id}:{name}"
    try:
        found = cache.get_many([version_key, entry_key])
    except CACHE_ERRORS as exc:
        logger.warning("portfolio cache unavailable (get): %s", exc)
        return compute()
    version = found.get(version_key)
    current = f"{_read_version(version_key) if version is None else int(version)}:{stamp}"
    entry = found.get(entry_key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == current:
        return entry[1]
    value = compute()
    if db_router.reading_from_replica():
        return value  # as in ``cached``: a replica's rows may be older than ``current`` says
    try:
        cache.set(entry_key, (current, value), timeout=timeout)
    except CACHE_ERRORS as exc:
        logger.warning("portfolio cache unavailable (set): %s", exc)
    return value


def on_daily_close_updated(sender: object, symbols: Iterable[str] = (), **kwargs: object) -> None:
    """Receiver of ``market.signals.daily_close_updated``: stale performance for holders."""
    from portfolio.selectors import portfolios_holding

    invalidate_closes()
    invalidate_portfolios(portfolios_holding(symbols=list(symbols)))
