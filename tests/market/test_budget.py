"""The vnstock outbound budget: one sliding window in Redis shared by every process."""

from __future__ import annotations

import multiprocessing
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from market.providers import budget as budget_module
from market.providers.base import ProviderRateLimited, ProviderUnavailable
from market.providers.budget import OutboundBudget

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    name = f"test-market-budget-{uuid.uuid4().hex}"
    yield name
    for key in redis_client.scan_iter(f"{name}:*"):
        redis_client.delete(key)


def make_budget(client: redis.Redis, prefix: str, *, limit: int) -> OutboundBudget:
    return OutboundBudget(
        redis_client=client, prefix=prefix, key="vnstock", limit=limit, window_seconds=60
    )


def test_the_call_after_the_limit_is_refused_with_a_retry_delay(
    redis_client: redis.Redis, prefix: str
) -> None:
    budget = make_budget(redis_client, prefix, limit=5)
    for n in range(5):
        assert budget.acquire().remaining == 4 - n
    with pytest.raises(ProviderRateLimited) as refused:
        budget.acquire()
    assert 0 < refused.value.retry_after <= 60


def test_a_multi_call_reservation_counts_every_call(redis_client: redis.Redis, prefix: str) -> None:
    budget = make_budget(redis_client, prefix, limit=5)
    budget.acquire(cost=3)
    with pytest.raises(ProviderRateLimited):
        budget.acquire(cost=3)
    budget.acquire(cost=2)
    with pytest.raises(ValueError, match="exceeds"):
        budget.acquire(cost=6)


def test_two_budget_objects_on_one_key_share_the_window(
    redis_client: redis.Redis, prefix: str
) -> None:
    first, second = (make_budget(redis_client, prefix, limit=4) for _ in range(2))
    first.acquire(cost=3)
    second.acquire()
    with pytest.raises(ProviderRateLimited):
        first.acquire()


def _spend(prefix: str, limit: int, attempts: int, start: Any, results: Any) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    budget = make_budget(client, prefix, limit=limit)
    granted = refused = 0
    start.wait()
    for _ in range(attempts):
        try:
            budget.acquire()
            granted += 1
        except ProviderRateLimited:
            refused += 1
    results.put((granted, refused))


def test_two_processes_together_get_exactly_the_limit(prefix: str) -> None:
    # Given two worker processes that each try to make 15 calls against a budget of 12
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_spend, args=(prefix, 12, 15, start, results)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    # Then exactly 12 calls went through between them and the other 18 were refused
    assert sum(granted for granted, _ in outcomes) == 12
    assert sum(refused for _, refused in outcomes) == 18


def test_an_unreachable_store_fails_closed() -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    budget = make_budget(dead, "unused", limit=5)
    with pytest.raises(ProviderUnavailable, match="budget store"):
        budget.acquire()


def test_an_api_key_raises_the_default_limit(
    monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis, prefix: str
) -> None:
    values: dict[str, Any] = {"VNSTOCK_CALLS_PER_MINUTE": None, "VNSTOCK_API_KEY": ""}
    monkeypatch.setattr(budget_module, "read_setting", lambda name, default: values.get(name))
    assert budget_module.configured_calls_per_minute() == 20
    values["VNSTOCK_API_KEY"] = "a-key"
    assert budget_module.configured_calls_per_minute() == 60
    values["VNSTOCK_CALLS_PER_MINUTE"] = 45
    assert budget_module.configured_calls_per_minute() == 45
    assert OutboundBudget(redis_client=redis_client, prefix=prefix, window_seconds=60).limit == 45
