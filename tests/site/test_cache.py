"""The cache backend: Redis when it is up, misses and no-ops (never errors) when it is down."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.core.cache import cache, caches

from portfolio_site.cache import FailSafeRedisCache
from tests.security.redis_server import throwaway_redis

DEAD_REDIS = "redis://127.0.0.1:1/0"


def make_cache(location: str) -> FailSafeRedisCache:
    return FailSafeRedisCache(
        location,
        {
            "KEY_PREFIX": f"cachetest-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    )


@pytest.fixture
def no_cooldown(settings):  # type: ignore[no-untyped-def]
    settings.REDIS_OUTAGE_COOLDOWN = 0.0
    return settings


def test_the_default_cache_is_the_fail_safe_backend() -> None:
    assert isinstance(caches["default"], FailSafeRedisCache)


def test_it_is_a_normal_redis_cache_while_redis_is_up() -> None:
    key = f"cachetest:{uuid.uuid4().hex}"
    try:
        assert cache.get(key) is None
        assert cache.add(key, {"as_of": "2026-01-02T03:04:05Z"})
        assert not cache.add(key, "other")
        assert cache.get(key) == {"as_of": "2026-01-02T03:04:05Z"}
        assert cache.has_key(key)
        cache.set(f"{key}:n", 1)
        assert cache.incr(f"{key}:n", 2) == 3
        assert cache.get_many([key, f"{key}:n", f"{key}:missing"]) == {
            key: {"as_of": "2026-01-02T03:04:05Z"},
            f"{key}:n": 3,
        }
        assert cache.delete(key)
        assert cache.get(key, "fallback") == "fallback"
    finally:
        cache.delete_many([key, f"{key}:n"])


def test_an_outage_degrades_to_misses_and_no_ops(no_cooldown) -> None:  # type: ignore[no-untyped-def]
    down = make_cache(DEAD_REDIS)
    down.set("k", "v")
    down.set_many({"a": 1})
    down.delete("k")
    down.delete_many(["a"])
    assert down.get("k") is None
    assert down.get("k", "fallback") == "fallback"
    assert down.get_many(["a", "b"]) == {}
    assert down.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert down.add("k", "v") is False
    assert down.touch("k") is False
    assert down.has_key("k") is False
    assert down.delete("k") is False
    down.clear()  # no error
    assert down.get_or_set("k", lambda: "computed") == "computed"
    with pytest.raises(ValueError, match="not found"):
        down.incr("counter")


async def test_the_async_api_degrades_the_same_way(no_cooldown) -> None:  # type: ignore[no-untyped-def]
    down = make_cache(DEAD_REDIS)
    await down.aset("k", "v")
    assert await down.aget("k", "fallback") == "fallback"


def test_an_outage_is_logged_once_not_per_call(no_cooldown, caplog) -> None:  # type: ignore[no-untyped-def]
    down = make_cache(DEAD_REDIS)
    with caplog.at_level(logging.WARNING, logger="portfolio_site.redis_outage"):
        for _ in range(5):
            down.get("k")
    warnings = [r for r in caplog.records if "Redis unavailable for the cache" in r.getMessage()]
    assert len(warnings) == 1


def test_during_the_cooldown_redis_is_skipped(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDIS_OUTAGE_COOLDOWN = 60.0
    down = make_cache(DEAD_REDIS)
    down.get("k")
    assert down.breaker.is_open()


def test_the_cache_recovers_by_itself_when_redis_returns(no_cooldown, caplog) -> None:  # type: ignore[no-untyped-def]
    with throwaway_redis() as server:
        flaky = make_cache(server.url)
        flaky.set("quote-map", {"FPT": "118000"})
        assert flaky.get("quote-map") == {"FPT": "118000"}

        server.stop()
        assert flaky.get("quote-map", "from-database") == "from-database"
        flaky.set("quote-map", {"FPT": "119000"})  # silently dropped

        server.start()  # a fresh, empty Redis on the same port
        with caplog.at_level(logging.WARNING, logger="portfolio_site.redis_outage"):
            flaky.set("quote-map", {"FPT": "120000"})
        assert flaky.get("quote-map") == {"FPT": "120000"}
        assert any("Redis is back for the cache" in r.getMessage() for r in caplog.records)


def test_cache_instances_in_different_threads_share_one_connection_pool() -> None:
    import threading

    from django.core.cache import caches

    pools = []

    def grab() -> None:
        cache = caches["default"]
        cache.set("pool-probe", 1, 5)
        pools.append(cache._cache._get_connection_pool(True))

    threads = [threading.Thread(target=grab) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(pools) == 3
    assert len({id(pool) for pool in pools}) == 1
