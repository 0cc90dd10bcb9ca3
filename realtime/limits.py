"""Rate limits for websockets: the API's limiter (``portfolio_site.throttling``) in two scopes.

- ``ws_connect`` (``settings.RATE_LIMITS``): connects per client IP (resolved like HTTP requests:
  ``portfolio_site.client_ip``, X-Forwarded-For only from ``TRUSTED_PROXIES``).
- ``ws_message``: client messages per connection.

Their quotas default to ``WS_CONNECT_LIMIT`` per ``WS_CONNECT_WINDOW_SECONDS`` and ``WS_MESSAGE_LIMIT``
per ``WS_MESSAGE_WINDOW_SECONDS``; ``RATE_LIMIT_ENABLED`` switches them with the API's. Streams are
reads, so the limiter fails open: while Redis is down every check allows (the ws scopes are not in
``RATE_LIMIT_FAIL_CLOSED``).

Open connections (not connects per minute) are capped too: at most ``WS_MAX_CONNECTIONS_PER_USER``
per authenticated user and ``WS_MAX_CONNECTIONS_PER_ADDRESS`` per client address, across every web
process. Each open connection holds a lease in a Redis sorted set per user and per address (member:
the connection's channel name, score: when the lease ends). A connection renews its leases every
third of ``WS_CONNECTION_LEASE_SECONDS`` and gives them back when it closes; a process that dies
without closing its sockets leaks nothing: its leases lapse after at most one lease period and are
dropped on the next count. Also fail-open while Redis is down.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass

import redis
from asgiref.sync import sync_to_async
from django.conf import settings

from portfolio_site.ratelimit import RateDecision
from portfolio_site.redis_client import get_redis
from portfolio_site.throttling import aratelimit_check, breaker, enabled, limiter

logger = logging.getLogger(__name__)

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


# --- Open connections ---------------------------------------------------------------------------
# KEYS: one sorted set per identity; ARGV: now_ms, lease_ms, member, then each key's cap.
# Returns 0 when the member now holds a lease in every set, else the 1-based index of a full one.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local member = ARGV[3]
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if not redis.call('ZSCORE', key, member) and redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    return i
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, member)
  redis.call('PEXPIRE', key, lease)
end
return 0
"""


@dataclass(frozen=True, slots=True)
class Leases:
    """The open-connection leases one connection holds (``keys`` empty: nothing was counted)."""

    member: str
    keys: tuple[str, ...]

    @property
    def renew_every(self) -> float:
        return float(settings.WS_CONNECTION_LEASE_SECONDS) / 3


def _open_key(identity: str) -> str:
    return f"{settings.RATE_LIMIT_KEY_PREFIX}:ws_open:{identity}"


def _acquire(*, connection: str, client_ip: str, user_id: int | None) -> Leases | None:
    caps = [(_open_key(f"ip:{client_ip}"), int(settings.WS_MAX_CONNECTIONS_PER_ADDRESS))]
    if user_id is not None:
        caps.append((_open_key(f"user:{user_id}"), int(settings.WS_MAX_CONNECTIONS_PER_USER)))
    if not enabled() or breaker.is_open():
        return Leases(connection, ())
    acquire = get_redis().register_script(_ACQUIRE)
    lease_ms = int(float(settings.WS_CONNECTION_LEASE_SECONDS) * 1000)
    try:
        full = acquire(
            keys=[key for key, _ in caps],
            args=[int(time.time() * 1000), lease_ms, connection, *(cap for _, cap in caps)],
        )
    except redis.RedisError as error:
        breaker.record_failure(error)
        return Leases(connection, ())
    breaker.record_success()
    if int(full):
        return None
    return Leases(connection, tuple(key for key, _ in caps))


def _renew(leases: Leases) -> None:
    lease = float(settings.WS_CONNECTION_LEASE_SECONDS)
    expires_ms = int((time.time() + lease) * 1000)
    with contextlib.suppress(redis.RedisError):
        pipe = get_redis().pipeline(transaction=False)
        for key in leases.keys:
            pipe.zadd(key, {leases.member: expires_ms})
            pipe.pexpire(key, int(lease * 1000))
        pipe.execute()


def _release(leases: Leases) -> None:
    with contextlib.suppress(redis.RedisError):
        pipe = get_redis().pipeline(transaction=False)
        for key in leases.keys:
            pipe.zrem(key, leases.member)
        pipe.execute()


async def connection_open(*, connection: str, client_ip: str, user_id: int | None) -> Leases | None:
    """Take a lease for ``connection`` per address (and per user); None when a cap is reached."""
    leases: Leases | None = await sync_to_async(_acquire, thread_sensitive=False)(
        connection=connection, client_ip=client_ip, user_id=user_id
    )
    return leases


async def connection_renew(leases: Leases) -> None:
    if leases.keys:
        await sync_to_async(_renew, thread_sensitive=False)(leases)


async def connection_close(leases: Leases) -> None:
    if leases.keys:
        await sync_to_async(_release, thread_sensitive=False)(leases)
