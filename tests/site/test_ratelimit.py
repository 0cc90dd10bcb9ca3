"""The shared sliding-window limiter against real Redis: exact under concurrency, window slides."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings

from portfolio_site.ratelimit import SlidingWindowLimiter


@pytest.fixture
def limiter():  # type: ignore[no-untyped-def]
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = f"{settings.REDIS_KEY_PREFIX}:rltest:{uuid.uuid4().hex}"
    yield SlidingWindowLimiter(client, prefix=prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_allows_up_to_the_limit_then_refuses_with_retry_after(limiter) -> None:  # type: ignore[no-untyped-def]
    decisions = [limiter.hit("ip:1", limit=3, window_seconds=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    refused = decisions[-1]
    assert 0 < refused.retry_after <= 60
    assert refused.retry_after_header.isdigit()


def test_keys_are_independent(limiter) -> None:  # type: ignore[no-untyped-def]
    assert limiter.hit("user:a", limit=1, window_seconds=60).allowed
    assert limiter.hit("user:b", limit=1, window_seconds=60).allowed
    assert not limiter.hit("user:a", limit=1, window_seconds=60).allowed


def test_peek_answers_without_counting(limiter) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        peeked = limiter.peek("k", limit=2, window_seconds=60)
        assert (peeked.allowed, peeked.remaining) == (True, 2)
    limiter.hit("k", limit=2, window_seconds=60)
    assert limiter.peek("k", limit=2, window_seconds=60).remaining == 1
    limiter.hit("k", limit=2, window_seconds=60)
    full = limiter.peek("k", limit=2, window_seconds=60)
    assert (full.allowed, full.remaining) == (False, 0)
    assert 0 < full.retry_after <= 60


def test_window_slides(limiter) -> None:  # type: ignore[no-untyped-def]
    # A two-second window: the second hit lands inside it even on a loaded machine.
    assert limiter.hit("k", limit=1, window_seconds=2).allowed
    assert not limiter.hit("k", limit=1, window_seconds=2).allowed
    time.sleep(2.05)
    assert limiter.hit("k", limit=1, window_seconds=2).allowed


def test_two_hundred_concurrent_hits_on_a_quota_of_fifty_let_exactly_fifty_through(limiter) -> None:  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(
            pool.map(
                lambda _: limiter.hit("burst", limit=50, window_seconds=60).allowed, range(200)
            )
        )
    assert sum(results) == 50


def test_cost_above_what_is_left_is_refused_without_consuming(limiter) -> None:  # type: ignore[no-untyped-def]
    assert limiter.hit("c", limit=5, window_seconds=60, cost=4).allowed
    assert not limiter.hit("c", limit=5, window_seconds=60, cost=2).allowed
    assert limiter.hit("c", limit=5, window_seconds=60, cost=1).allowed
