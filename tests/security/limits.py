"""Switch the API rate limiter on for a test, in its own Redis key space, with chosen quotas."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from django.conf import settings as django_settings

from portfolio_site import throttling


class RateLimits:
    def __init__(self, settings: Any) -> None:
        self._settings = settings

    @property
    def prefix(self) -> str:
        return str(self._settings.RATE_LIMIT_KEY_PREFIX)

    def set(self, **rates: str) -> None:
        """``rate_limits.set(auth="3/min")``: replace some quotas for this test."""
        self._settings.RATE_LIMITS = {**self._settings.RATE_LIMITS, **rates}


@contextmanager
def rate_limits_enabled(settings: Any) -> Iterator[RateLimits]:
    """``settings`` is pytest-django's fixture (restored after the test)."""
    prefix = f"{django_settings.REDIS_KEY_PREFIX}:rl-test:{uuid.uuid4().hex[:12]}"
    redis_url = django_settings.REDIS_URL  # a test may point REDIS_URL at a dead server
    settings.RATE_LIMIT_ENABLED = True
    settings.RATE_LIMIT_KEY_PREFIX = prefix
    settings.REDIS_OUTAGE_COOLDOWN = 0.0
    throttling.breaker.reset()
    try:
        yield RateLimits(settings)
    finally:
        throttling.breaker.reset()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
