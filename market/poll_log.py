"""The quote poller's log: one INFO line a minute for all worker processes together.

Beat fires the poll every second or two, so a line per poll (Celery's "received"/"succeeded", the
poll's own result) would bury everything else: those are DEBUG (``portfolio_site/log_filters.py``).
Instead each poll adds its result to its minute's counters in Redis (one pipelined round trip), and
the first poll of the next minute, in whichever process, logs the finished minute once (``SET NX``):

    quote polls 05:36-05:37 UTC: 57 ran (1848 stored, 0 unchanged, 0 rejected, 315 ticks,
    315 bars), skipped: 3 paced

A minute without polls logs nothing; with Redis down the summary is skipped (the poll itself is
already skipped and says so).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import redis
from django.conf import settings

from portfolio_site.redis_client import get_redis

logger = logging.getLogger("market.tasks")

COUNTED = ("stored", "unchanged", "rejected", "ticks", "bars")
KEEP_SECONDS = 300


def _key(minute: int) -> str:
    return f"{settings.REDIS_KEY_PREFIX}:market:poll:minute:{minute}"


def poll_record(*, result: dict[str, Any], now: datetime, client: Any = None) -> None:
    """Count one poll's ``result`` in ``now``'s minute; log the minute before once."""
    client = client or get_redis()
    minute = int(now.timestamp() // 60)
    key = _key(minute)
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(key, "polls", 1)
        reason = result.get("skipped")
        if reason:
            pipe.hincrby(key, f"skipped:{reason}", 1)
        for name in COUNTED:
            pipe.hincrby(key, name, int(result.get(name) or 0))
        pipe.expire(key, KEEP_SECONDS)
        pipe.execute()
        previous = _key(minute - 1)
        if client.set(f"{previous}:logged", "1", nx=True, ex=KEEP_SECONDS):
            counts = client.hgetall(previous)
            if counts:
                logger.info("%s", poll_line(counts, minute=minute - 1))
    except redis.RedisError as exc:
        logger.debug("quote poll summary skipped: %s", exc)


def poll_line(counts: dict[Any, Any], *, minute: int) -> str:
    """The summary of one minute's counters (Redis hash fields, bytes or str)."""
    values = {_text(k): int(v) for k, v in counts.items()}
    skipped = {k.split(":", 1)[1]: n for k, n in values.items() if k.startswith("skipped:")}
    ran = values.get("polls", 0) - sum(skipped.values())
    start = datetime.fromtimestamp(minute * 60, tz=UTC)
    end = datetime.fromtimestamp((minute + 1) * 60, tz=UTC)
    shown = ", ".join(f"{values.get(name, 0)} {name}" for name in COUNTED)
    line = f"quote polls {start:%H:%M}-{end:%H:%M} UTC: {ran} ran ({shown})"
    if skipped:
        line += ", skipped: " + ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
    return line


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
