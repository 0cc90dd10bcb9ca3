"""One Redis connection pool per process for the application's own keys (limiter, tickets, budget).

Django's cache and the channel layer keep their own pools; this one serves code that needs raw Redis
commands (Lua scripts, atomic counters).
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def get_redis(url: str | None = None) -> redis.Redis:
    """Return the shared client for ``url`` (default ``settings.REDIS_URL``).

    Timeouts are short so that a dead Redis answers quickly instead of hanging a request.
    """
    url = url or settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.get(url)
            if client is None:
                client = redis.Redis.from_url(
                    url,
                    socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
                    socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
                    health_check_interval=30,
                )
                _clients[url] = client
    return client
