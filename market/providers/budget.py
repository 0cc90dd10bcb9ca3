"""One outbound call budget for vnstock, shared by every worker process through Redis.

vnstock's own guard (vnai) counts calls per process and answers an overrun with ``SystemExit``; the
licence forbids working around it. So we throttle on our side, across all processes, below that
limit: ``VNSTOCK_CALLS_PER_MINUTE`` (default 20, or 60 with ``VNSTOCK_API_KEY``) in a sliding
window. The window is a little longer than vnai's 60 s (``VNSTOCK_BUDGET_WINDOW_SECONDS``,
default 62) because vnai stamps a call slightly after we admit it.

``acquire`` never waits: a full window raises ``ProviderRateLimited`` with ``retry_after`` and the
caller (a Celery task) reschedules itself. If Redis cannot be reached the budget fails closed with
``ProviderUnavailable``: no call goes out that we could not count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from market.providers.base import ProviderRateLimited, ProviderUnavailable, read_setting

if TYPE_CHECKING:
    import redis

    from portfolio_site.ratelimit import RateDecision, SlidingWindowLimiter

DEFAULT_KEY = "vnstock"


class CallBudget(Protocol):
    def acquire(self, cost: int = 1) -> object:
        """Reserve ``cost`` outbound calls or raise ``ProviderRateLimited``."""
        ...


def configured_calls_per_minute() -> int:
    explicit = read_setting("VNSTOCK_CALLS_PER_MINUTE", None)
    if explicit:
        return int(explicit)
    return 60 if read_setting("VNSTOCK_API_KEY", "") else 20


class OutboundBudget:
    """A shared sliding-window budget: ``limit`` calls per ``window_seconds`` under ``key``."""

    def __init__(
        self,
        *,
        redis_client: redis.Redis | None = None,
        limiter: SlidingWindowLimiter | None = None,
        key: str = DEFAULT_KEY,
        limit: int | None = None,
        window_seconds: float | None = None,
        prefix: str | None = None,
    ) -> None:
        from portfolio_site.ratelimit import SlidingWindowLimiter

        if limiter is None:
            if redis_client is None:
                from portfolio_site.redis_client import get_redis

                redis_client = get_redis()
            if prefix is None:
                prefix = f"{read_setting('REDIS_KEY_PREFIX', 'vnp')}:budget"
            limiter = SlidingWindowLimiter(redis_client, prefix=prefix)
        self._limiter = limiter
        self.key = key
        self.limit = int(limit if limit is not None else configured_calls_per_minute())
        self.window_seconds = float(
            window_seconds
            if window_seconds is not None
            else read_setting("VNSTOCK_BUDGET_WINDOW_SECONDS", 62.0)
        )
        if self.limit < 1:
            raise ValueError("the budget limit must be at least 1")

    def acquire(self, cost: int = 1) -> RateDecision:
        """Take ``cost`` calls from the shared window, or raise ``ProviderRateLimited``."""
        import redis

        if cost < 1:
            raise ValueError("cost must be at least 1")
        if cost > self.limit:
            raise ValueError(f"cost {cost} exceeds the whole budget of {self.limit}")
        try:
            decision = self._limiter.hit(
                self.key, limit=self.limit, window_seconds=self.window_seconds, cost=cost
            )
        except redis.RedisError as exc:
            raise ProviderUnavailable(f"outbound budget store unreachable: {exc}") from exc
        if not decision.allowed:
            raise ProviderRateLimited(
                f"vnstock budget of {self.limit} calls per {self.window_seconds:g}s is spent",
                retry_after=decision.retry_after,
            )
        return decision


def default_budget() -> OutboundBudget:
    """The process-wide budget built from settings (Redis from ``settings.REDIS_URL``)."""
    return OutboundBudget()
