"""The web tier: gunicorn supervising ``WEB_CONCURRENCY`` uvicorn workers on one socket.

``gunicorn -c python:portfolio_site.web_tier portfolio_site.asgi:application`` (the Procfile, ``make
run`` and docker-compose) binds ``WEB_HOST:WEB_PORT`` once and forks the workers, each an asyncio
(uvloop) process serving HTTP and websockets through the whole ASGI application. Ticks reach every
worker through the Redis channel layer, so a websocket client may land on any of them. Why this
server and not daphne: README "Performance" (measured side by side).

Environment (read when gunicorn starts):
  WEB_CONCURRENCY         worker processes (default: the CPUs this process may run on)
  WEB_TIMEOUT             seconds a worker's event loop may stay blocked before gunicorn kills and
                          replaces it (default 30); the heartbeat comes from the loop itself
  WEB_KEEPALIVE           seconds an idle keep-alive connection is kept (default 5)
  WEB_GRACEFUL_TIMEOUT    seconds a stopping worker gets to finish what it serves (default 10)
  WEB_MAX_CONNECTIONS     open connections (HTTP and websocket) per worker before new ones are
                          answered 503 (default 2000)
  WEB_MAX_REQUESTS        requests after which a worker is replaced, 0 = never (default 0)

A slow client cannot stall a worker: every worker is one event loop, a connection that sends or
reads slowly holds only its own socket (back-pressure pauses that one transport), an idle
keep-alive connection is closed after WEB_KEEPALIVE, a websocket that stops answering pings is
closed within 50 s, a worker holds at most WEB_MAX_CONNECTIONS connections, and a worker whose loop
stops turning is replaced after WEB_TIMEOUT. httptools does not bound the size of a request head:
in production the nginx gateway does (8 KiB buffers) and buffers slow clients itself. A worker
that dies is forked again at once; its websocket clients reconnect to the others (tests/e2e).

uvicorn's ``--proxy-headers`` stays off: the client address is resolved by
``portfolio_site.client_ip`` from the socket peer and ``X-Forwarded-For`` through
``TRUSTED_PROXIES`` only (docs/security.md).
"""

from __future__ import annotations

import os
from typing import Any

from uvicorn_worker import UvicornWorker


def _integer(name: str, default: int, minimum: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name}: {value!r} is not a whole number") from None
    if number < minimum:
        raise SystemExit(f"{name}: must be at least {minimum}, not {number}")
    return number


def cores() -> int:
    """The CPUs this process may run on (taskset/cgroup affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def web_concurrency() -> int:
    return _integer("WEB_CONCURRENCY", cores(), 1)


class WebWorker(UvicornWorker):
    """uvicorn in a gunicorn worker: uvloop, httptools, websockets' sans-I/O protocol, no lifespan
    (Django has none), no proxy headers (see the module's docstring)."""

    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "uvloop",
        "http": "httptools",
        "ws": "websockets-sansio",
        "lifespan": "off",
        "proxy_headers": False,
        "server_header": False,
        "date_header": True,
        "ws_per_message_deflate": False,  # as daphne: a tick is not compressed once per client
        "ws_ping_interval": 20.0,  # as daphne: a ping every 20 s, closed without a pong in 30 s
        "ws_ping_timeout": 30.0,
        "limit_concurrency": _integer("WEB_MAX_CONNECTIONS", 2000, 1),
        "timeout_graceful_shutdown": _integer("WEB_GRACEFUL_TIMEOUT", 10, 1),
    }


# --- gunicorn settings (this module is its config: ``-c python:portfolio_site.web_tier``) ---
bind = [f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('WEB_PORT', '8000')}"]
workers = web_concurrency()
worker_class = "portfolio_site.web_tier.WebWorker"
timeout = _integer("WEB_TIMEOUT", 30, 2)
graceful_timeout = _integer("WEB_GRACEFUL_TIMEOUT", 10, 1)
keepalive = _integer("WEB_KEEPALIVE", 5, 1)
max_requests = _integer("WEB_MAX_REQUESTS", 0, 0)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = ""  # never rewrite the peer address (the workers' proxy_headers are off too)
proxy_allow_ips = ""
accesslog = None  # uvicorn's access log off: one line per request costs a tenth of a warm request
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
# gunicorn 25+ opens a control socket at $HOME/.gunicorn/gunicorn.ctl: one path for every tier on
# the host (the e2e tests run two, the benchmark others). Workers are managed by signals instead.
control_socket_disable = True
preload_app = False  # each worker imports Django itself: no connection or loop shared across fork
