"""Rate limits for websockets, on the shared Redis sliding-window limiter.

- Connects: ``WS_CONNECT_LIMIT`` per ``WS_CONNECT_WINDOW_SECONDS`` per client IP (resolved like
  HTTP requests: ``portfolio_site.client_ip``, X-Forwarded-For only from ``TRUSTED_PROXIES``).
- Messages: ``WS_MESSAGE_LIMIT`` per ``WS_MESSAGE_WINDOW_SECONDS`` per connection.

Streams are reads, so the limiter fails open: if Redis is down, the check allows and logs.
"""

from __future__ import annotations

import contextlib
import logging
from functools import lru_cache

import redis
from asgiref.sync import sync_to_async
from django.conf import settings

from portfolio_site.ratelimit import RateDecision, SlidingWindowLimiter
from portfolio_site.redis_client import get_redis

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(get_redis(), prefix=f"{settings.REDIS_KEY_PREFIX}:rl:ws")


def _hit(key: str, limit: int, window: float) -> RateDecision | None:
    try:
        return _limiter().hit(key, limit=limit, window_seconds=window)
    except redis.RedisError as error:
        logger.warning("realtime: rate limiter unavailable, allowing (%s)", type(error).__name__)
        return None


async def connect_decision(*, client_ip: str) -> RateDecision | None:
    """The limiter's decision for one more connect from ``client_ip`` (None: limiter down)."""
    return await sync_to_async(_hit, thread_sensitive=False)(
        f"connect:{client_ip}", settings.WS_CONNECT_LIMIT, settings.WS_CONNECT_WINDOW_SECONDS
    )


async def message_decision(*, connection: str) -> RateDecision | None:
    """The limiter's decision for one more client message on ``connection``."""
    return await sync_to_async(_hit, thread_sensitive=False)(
        f"msg:{connection}", settings.WS_MESSAGE_LIMIT, settings.WS_MESSAGE_WINDOW_SECONDS
    )


def connection_reset(*, connection: str) -> None:
    """Forget a closed connection's message window (it would expire on its own anyway)."""
    with contextlib.suppress(redis.RedisError):
        _limiter().reset(f"msg:{connection}")
