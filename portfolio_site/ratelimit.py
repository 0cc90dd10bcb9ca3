"""An atomic sliding-window rate limiter in Redis, shared by every process.

One Lua script per check keeps a sorted set of hit timestamps per key: it drops the hits older than the
window, counts what is left and records the new hit only when it fits. Because Redis runs the script
atomically, concurrent requests can never overshoot the quota (unlike a read-then-write counter).

Used by the API throttles, the websocket consumers and the vnstock outbound budget.
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

import redis

# KEYS[1] = window key; ARGV = now_ms, window_ms, limit, cost, member prefix
_SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local used = redis.call('ZCARD', key)
local allowed = 0
if used + cost <= limit then
  for i = 1, cost do
    redis.call('ZADD', key, now, ARGV[5] .. ':' .. i)
  end
  used = used + cost
  allowed = 1
end
redis.call('PEXPIRE', key, window)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local reset_ms = 0
if oldest[2] then
  reset_ms = tonumber(oldest[2]) + window - now
end
return {allowed, used, reset_ms}
"""


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_after: float  # seconds until the oldest hit in the window expires
    retry_after: float  # seconds to wait before retrying (0 when allowed)

    @property
    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


def _decision(allowed: int, used: int, reset_ms: float, *, limit: int) -> RateDecision:
    reset_after = max(0.0, float(reset_ms) / 1000.0)
    return RateDecision(
        allowed=bool(allowed),
        limit=limit,
        remaining=max(0, limit - int(used)),
        reset_after=reset_after,
        retry_after=0.0 if allowed else max(reset_after, 0.001),
    )


class SlidingWindowLimiter:
    def __init__(self, redis_client: redis.Redis, *, prefix: str = "rl") -> None:
        self._redis = redis_client
        self._prefix = prefix
        self._script = redis_client.register_script(_SLIDING_WINDOW)

    def hit(self, key: str, *, limit: int, window_seconds: float, cost: int = 1) -> RateDecision:
        """Record ``cost`` hits on ``key`` if they fit in the window; raises redis errors as-is."""
        if limit <= 0:
            return RateDecision(False, limit, 0, window_seconds, window_seconds)
        now_ms = time.time() * 1000.0
        window_ms = int(window_seconds * 1000)
        allowed, used, reset_ms = self._script(
            keys=[f"{self._prefix}:{key}"],
            args=[f"{now_ms:.3f}", window_ms, limit, cost, uuid.uuid4().hex],
        )
        return _decision(allowed, used, reset_ms, limit=limit)

    def hit_and_get(
        self, key: str, *, limit: int, window_seconds: float, get: str
    ) -> tuple[RateDecision, bytes | None]:
        """:meth:`hit`, and a ``GET`` of the raw key ``get`` in the same round trip (a pipeline):
        the warm API request's limiter check and its cached user together."""
        if limit <= 0:
            return RateDecision(False, limit, 0, window_seconds, window_seconds), None
        now_ms = time.time() * 1000.0
        pipe = self._redis.pipeline(transaction=False)
        self._script(
            keys=[f"{self._prefix}:{key}"],
            args=[f"{now_ms:.3f}", int(window_seconds * 1000), limit, 1, uuid.uuid4().hex],
            client=pipe,
        )
        pipe.get(get)
        (allowed, used, reset_ms), value = pipe.execute()
        return _decision(allowed, used, reset_ms, limit=limit), value

    def peek(self, key: str, *, limit: int, window_seconds: float) -> RateDecision:
        """Whether one more hit would fit, without recording it (for counters of failures only,
        which are charged after the outcome is known: :meth:`hit` then)."""
        if limit <= 0:
            return RateDecision(False, limit, 0, window_seconds, window_seconds)
        # The same script at cost 0 and a limit one lower: "used + 0 <= limit - 1" is "used < limit".
        now_ms = time.time() * 1000.0
        allowed, used, reset_ms = self._script(
            keys=[f"{self._prefix}:{key}"],
            args=[f"{now_ms:.3f}", int(window_seconds * 1000), limit - 1, 0, ""],
        )
        return _decision(allowed, used, reset_ms, limit=limit)

    def reset(self, key: str) -> None:
        self._redis.delete(f"{self._prefix}:{key}")
