"""Celery tasks of the market pipeline. Thin: take primitives, call a service, handle provider errors.

Pacing of the quote poll. Beat fires ``poll_quotes`` often (every ``QUOTE_POLL_SECONDS``, or every
second by default, see ``market.schedules``); the task itself keeps a gate in Redis
(``SET NX PX``) so that polls start no more often than ``poll_period_seconds`` across all workers.
The same gate implements the back-off:

- ``ProviderRateLimited``: the gate is set to the provider's ``retry_after``; polls are skipped
  until then (never a storm of retries against a limit).
- ``ProviderUnavailable`` (and ``ProviderDataError``): the gate is set to an exponential back-off
  with jitter (period x 2^failures, capped at 5 minutes, x 0.5-1.0); the worker keeps running and
  the API serves the last quotes with ``stale: true``.

The other tasks retry themselves: ``ProviderUnavailable`` with exponential back-off and jitter,
``ProviderRateLimited`` after ``retry_after`` (plus jitter). Every task is idempotent.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import redis.exceptions
from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from market import events, selectors, services
from market.calendar import is_trading_day, market_date, vn_midnight_utc
from market.poll_log import poll_record
from market.providers.base import (
    ProviderDataError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    get_provider,
)
from portfolio_site.errors import NotFound
from portfolio_site.redis_client import get_redis

logger = logging.getLogger(__name__)

POLL_BUDGET_SHARE = 0.75  # of the vnstock budget; the rest is left for sync and history calls
POLL_GATE_MARGIN = 0.25  # seconds: beat's 1 s ticks must not land just before the gate expires
BACKOFF_MAX_SECONDS = 300.0
VNSTOCK_BOARD_CHUNK = 50  # symbols per price-board call in the vnstock adapter
RETRY_MAX = 8


def _key(name: str) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:market:{name}"


def _jitter(seconds: float) -> float:
    return seconds + random.uniform(0, max(1.0, seconds * 0.2))


def _backoff(attempt: int, base: float = 5.0) -> float:
    """Exponential back-off with "equal jitter": between half and all of base x 2^attempt."""
    ceiling = min(BACKOFF_MAX_SECONDS, base * 2 ** max(0, attempt))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _board_calls(symbols: Sequence[str]) -> int:
    from market.providers import vnstock as adapter

    chunk = int(getattr(adapter, "BOARD_CHUNK", VNSTOCK_BOARD_CHUNK))
    indices = [s for s in symbols if adapter.is_index_symbol(s)]
    stocks = len(symbols) - len(indices)
    return math.ceil(stocks / chunk) + len(indices)


def poll_period_seconds(*, provider_name: str, symbols: Sequence[str]) -> float:
    """Seconds between quote polls: ``QUOTE_POLL_SECONDS`` when set; otherwise 1-2 s for the
    simulated feed (its step) and, for vnstock, what keeps the price-board calls (one per 50
    symbols plus one per index) within ``POLL_BUDGET_SHARE`` of ``VNSTOCK_CALLS_PER_MINUTE``."""
    if settings.QUOTE_POLL_SECONDS > 0:
        return float(settings.QUOTE_POLL_SECONDS)
    if provider_name == "simulated":
        return min(2.0, max(1.0, float(settings.SIMULATED_STEP_SECONDS)))
    calls = max(1, _board_calls(symbols))
    per_minute = settings.VNSTOCK_CALLS_PER_MINUTE * POLL_BUDGET_SHARE
    return max(1.0, 60.0 * calls / per_minute)


def _set_gate(seconds: float, *, only_if_free: bool) -> bool:
    milliseconds = max(1, int(seconds * 1000))
    return bool(get_redis().set(_key("poll:gate"), "1", nx=only_if_free, px=milliseconds))


def _always_open(provider_name: str) -> bool:
    return bool(settings.SIMULATED_ALWAYS_OPEN) and provider_name == "simulated"


def quotes_poll(*, force: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """One poll of the price board for the symbols of interest, gated and backed off as described
    above. ``force`` ignores the sessions and the pacing gate (the daily close's final poll)."""
    now = now or timezone.now()
    provider = get_provider()
    open_only = not force and not _always_open(provider.name)
    symbols = selectors.symbols_of_interest(trading_at=now if open_only else None)
    if not symbols:
        return {"skipped": "no session open" if open_only else "no symbols"}
    period = poll_period_seconds(provider_name=provider.name, symbols=symbols)
    if not force:
        gate = max(0.5, period - POLL_GATE_MARGIN)
        if not _set_gate(gate, only_if_free=True):
            return {"skipped": "paced"}
    redis = get_redis()
    try:
        snapshots = provider.price_board(symbols)
    except ProviderRateLimited as exc:
        wait = _jitter(exc.retry_after or period)
        _set_gate(wait, only_if_free=False)
        logger.info("quote poll rate-limited: next poll in %.1fs (%s)", wait, exc)
        return {"skipped": "rate limited", "retry_after": wait}
    except (ProviderUnavailable, ProviderDataError) as exc:
        failures = int(redis.incr(_key("poll:failures")))
        redis.expire(_key("poll:failures"), 3600)
        wait = _backoff(failures, base=period)
        _set_gate(wait, only_if_free=False)
        logger.warning(
            "quote poll failed (%d in a row), next try in %.1fs: %s", failures, wait, exc
        )
        return {"skipped": "provider unavailable", "retry_after": wait}
    redis.delete(_key("poll:failures"))
    result = services.quotes_ingest(snapshots=snapshots)
    selectors.market_summary_refresh()
    return {
        "symbols": len(symbols),
        "stored": result.stored,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "ticks": result.ticks,
        "bars": result.bars,
    }


@shared_task(name="market.poll_quotes", ignore_result=True)
def poll_quotes(force: bool = False) -> dict[str, Any]:
    try:
        result = quotes_poll(force=force)
    except redis.exceptions.RedisError as exc:
        logger.warning("quote poll skipped: Redis unavailable (%s)", exc)
        result = {"skipped": "redis unavailable"}
    logger.debug("quote poll: %s", result)
    poll_record(result=result, now=timezone.now())  # one INFO line a minute (poll_log.py)
    return result


def _retry(task: Task, exc: ProviderError, **kwargs: Any) -> Exception:
    """The retry to raise for a provider error: after ``retry_after`` when rate-limited, else an
    exponential back-off with jitter."""
    if isinstance(exc, ProviderRateLimited):
        countdown = _jitter(exc.retry_after)
    else:
        countdown = _backoff(task.request.retries, base=30.0)
    logger.info("%s: retry in %.0fs after %s", task.name, countdown, exc)
    return task.retry(exc=exc, countdown=countdown, max_retries=RETRY_MAX, **kwargs)


@shared_task(bind=True, name="market.sync_instruments", ignore_result=True)
def sync_instruments(self: Task) -> dict[str, int]:
    try:
        result = services.instrument_sync()
    except (ProviderUnavailable, ProviderRateLimited) as exc:
        raise _retry(self, exc) from exc
    return {"created": result.created, "updated": result.updated, "rejected": result.rejected}


@shared_task(bind=True, name="market.backfill_history", ignore_result=True)
def backfill_history(
    self: Task,
    symbols: list[str] | None = None,
    days: int = 730,
    only_missing: bool = False,
    interval: str = "1d",
) -> dict[str, int]:
    """History for ``symbols`` (symbols or group codes; default: the symbols of interest). On a
    provider error the task retries with the symbols it has not done yet."""
    todo = _expand(symbols) if symbols else selectors.symbols_of_interest()
    written = 0
    for position, symbol in enumerate(todo):
        try:
            result = services.history_backfill_symbol(
                symbol=symbol, days=days, interval=interval, only_missing=only_missing
            )
        except (ProviderUnavailable, ProviderRateLimited) as exc:
            remaining = {
                "symbols": todo[position:],
                "days": days,
                "only_missing": only_missing,
                "interval": interval,
            }
            raise _retry(self, exc, kwargs=remaining) from exc
        except ProviderDataError as exc:
            logger.warning("backfill_history: %s skipped: %s", symbol, exc)
            continue
        if result is not None:
            written += result.written
    return {"symbols": len(todo), "written": written}


def _expand(tokens: Sequence[str]) -> list[str]:
    """Symbols and group codes to symbols; unknown ones are logged and left out."""
    out: list[str] = []
    for token in tokens:
        try:
            out.extend(s for s in services.symbols_expand(tokens=[token]) if s not in out)
        except NotFound as exc:
            logger.warning("backfill_history: %s", exc.message)
    return out


@shared_task(name="market.aggregate_bars", ignore_result=True)
def aggregate_bars(minutes: int = 3) -> dict[str, int]:
    """Rebuild the last ``minutes`` of 1m bars from ticks and roll the hour up to 5m/15m/1h."""
    return services.bars_aggregate(since=timezone.now() - timedelta(minutes=minutes))


@shared_task(name="market.close_daily_bars", ignore_result=True)
def close_daily_bars(day: str | None = None) -> dict[str, Any]:
    """After the close: a final forced poll (today only), the day's rollups, then the 1d bars."""
    now = timezone.now()
    target = date.fromisoformat(day) if day else market_date(now)
    if not is_trading_day(target):
        return {"skipped": f"{target} is not a trading day"}
    if target == market_date(now):
        try:
            quotes_poll(force=True, now=now)
        except (ProviderError, redis.exceptions.RedisError) as exc:
            logger.warning(
                "daily close of %s: final poll failed, closing from stored quotes: %s", target, exc
            )
    services.bars_aggregate(
        since=vn_midnight_utc(target),
        until=vn_midnight_utc(target + timedelta(days=1)),
        rebuild_minutes=False,
    )
    symbols = services.bars_close_daily(day=target)
    return {"day": target.isoformat(), "closed": len(symbols)}


@shared_task(name="market.prune_ticks", ignore_result=True)
def prune_ticks() -> dict[str, int]:
    return {"deleted": services.ticks_prune()}


@shared_task(name="market.maintain_tick_partitions", ignore_result=True)
def maintain_tick_partitions() -> dict[str, Any]:
    """PostgreSQL: the tick partitions ahead created, rows caught by the default partition moved
    (and an error logged). Nothing to do on SQLite."""
    report = services.tick_partitions_maintain()
    if not report.partitioned:
        return {"skipped": "ticks are not partitioned (not PostgreSQL)"}
    return {
        "created": [day.isoformat() for day in report.created],
        "moved": sum(report.moved_from_default.values()),
    }


@shared_task(bind=True, name="market.ingest_corporate_events", ignore_result=True)
def corporate_events_ingest(self: Task, symbols: list[str] | None = None) -> dict[str, Any]:
    """Corporate events of the held or watched instruments (``market.events``), idempotent. A
    symbol whose source answers garbage is logged and skipped; symbols whose source was
    unavailable or rate-limited are retried (only those) with back-off."""
    report = events.corporate_events_ingest(
        provider=get_provider(), symbols=symbols, today=market_date(timezone.now())
    )
    if report.retry:
        exc = ProviderUnavailable(f"corporate events unavailable for {', '.join(report.retry)}")
        raise _retry(self, exc, kwargs={"symbols": report.retry})
    return {
        "symbols": report.symbols,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": len(report.rejected),
        "failed": len(report.failed),
    }
