"""Django's Redis cache backend, made fail-safe: a Redis outage degrades to misses, never to errors.

Every call that fails with a Redis error (connection refused, timeout, out of memory...) logs one
warning per outage and answers as if the cache were empty: ``get`` returns the default, ``set`` and
``delete`` do nothing, ``add`` and ``touch`` report failure, ``incr`` raises ``ValueError`` (the key is
"missing"). Callers therefore fall back to the database on their own. While the outage lasts, an
``OutageBreaker`` skips Redis for a short cool-down so that requests do not each wait for a timeout;
after it, the next call tries Redis again and the cache recovers by itself.

Configured in ``settings.CACHES`` as ``portfolio_site.cache.FailSafeRedisCache``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import redis.exceptions
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from portfolio_site.redis_outage import OutageBreaker

T = TypeVar("T")


_shared_pools: dict[tuple[str, str], Any] = {}
_shared_pools_lock = threading.Lock()
_shared_clients: dict[int, Any] = {}


class SharedPoolRedisCacheClient(RedisCacheClient):
    """One connection pool per process and server, instead of one per cache instance.

    Django makes a cache instance per thread / async context; with the stock client each instance
    opens its own pool, so an ASGI server connects to Redis again for nearly every request. And the
    stock client builds a new ``redis.Redis`` for every call (with its table of about 170 response
    callbacks: a fifth of a millisecond); a ``redis.Redis`` is thread-safe (each command takes a
    connection from the pool), so one per pool serves every call.
    """

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        shared = _shared_clients.get(id(pool))  # pools live as long as the process
        if shared is None:
            this: Any = self  # django-stubs leave out the client's private attributes
            shared = _shared_clients.setdefault(id(pool), this._client(connection_pool=pool))
        return shared

    def _get_connection_pool(self, write: bool) -> Any:
        client: Any = self  # django-stubs leave out the client's private attributes
        index = client._get_connection_pool_index(write)
        server, options = client._servers[index], client._pool_options
        key = (server, repr(sorted(options.items())))
        pool = _shared_pools.get(key)
        if pool is None:
            with _shared_pools_lock:
                pool = _shared_pools.get(key)
                if pool is None:
                    pool = client._pool_class.from_url(server, **options)
                    _shared_pools[key] = pool
        return pool


class FailSafeRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
        self.breaker = OutageBreaker("cache")

    def _guard(self, fallback: T, call: Callable[..., T], *args: Any) -> T:
        if self.breaker.is_open():
            return fallback
        try:
            result = call(*args)
        except redis.exceptions.RedisError as error:
            self.breaker.record_failure(error)
            return fallback
        self.breaker.record_success()
        return result

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._guard(False, super().add, key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guard(default, super().get, key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guard(False, super().delete, key, version)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guard(False, super().has_key, key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        result = self._guard(missing, super().incr, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return result  # type: ignore[return-value]

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guard(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._guard(None, super().delete_many, keys, version)

    def clear(self) -> None:
        self._guard(None, super().clear)
