"""Rate limits for websockets: the API's limiter (``portfolio_site.throttling``) in two scopes.

- ``ws_connect`` (``settings.RATE_LIMITS``): connects per client IP (resolved like HTTP requests:
  ``portfolio_site.client_ip``, X-Forwarded-For only from ``TRUSTED_PROXIES``).
- ``ws_message``: client messages per connection.

Their quotas default to ``WS_CONNECT_LIMIT`` per ``WS_CONNECT_WINDOW_SECONDS`` and ``WS_MESSAGE_LIMIT``
per ``WS_MESSAGE_WINDOW_SECONDS``; ``RATE_LIMIT_ENABLED`` switches them with the API's. Streams are
reads, so the limiter fails open: while Redis is down every check allows (the ws scopes are not in
``RATE_LIMIT_FAIL_CLOSED``).
"""

from __future__ import annotations

import contextlib

import redis

from portfolio_site.ratelimit import RateDecision
from portfolio_site.throttling import aratelimit_check, enabled, limiter

CONNECT_SCOPE = "ws_connect"
MESSAGE_SCOPE = "ws_message"


async def connect_decision(*, client_ip: str) -> RateDecision:
    """The limiter's decision for one more connect from ``client_ip``."""
    decision: RateDecision = await aratelimit_check(CONNECT_SCOPE, f"ip:{client_ip}")
    return decision


def _connection_key(connection: str) -> str:
    return f"conn:{connection}"


async def message_decision(*, connection: str) -> RateDecision:
    """The limiter's decision for one more client message on ``connection``."""
    decision: RateDecision = await aratelimit_check(MESSAGE_SCOPE, _connection_key(connection))
    return decision


def connection_reset(*, connection: str) -> None:
    """Forget a closed connection's message window (it would expire on its own anyway)."""
    if not enabled():
        return
    with contextlib.suppress(redis.RedisError):
        limiter().reset(f"{MESSAGE_SCOPE}:{_connection_key(connection)}")
