"""Fixtures of the market tests: a clean slice of Redis (this run's key prefix only)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings


def _delete_own_keys() -> None:
    from portfolio_site.redis_client import get_redis

    client = get_redis()
    keys = list(client.scan_iter(match=f"{settings.REDIS_KEY_PREFIX}:*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture
def market_redis() -> Iterator[None]:
    """Start and end the test with none of this run's keys (cache, gates, channel layer) in Redis."""
    _delete_own_keys()
    yield
    _delete_own_keys()
