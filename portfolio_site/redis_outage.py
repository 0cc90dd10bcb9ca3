"""Remember that Redis just failed, so that an outage costs one timeout, not one per request.

After a failure the breaker stays open for ``settings.REDIS_OUTAGE_COOLDOWN`` seconds: callers skip
Redis and take their fallback at once (a cache miss, an open or closed rate-limit verdict). The next
call after the cool-down tries Redis again, so service recovers by itself when Redis returns. The
first failure and the recovery are logged once each, not once per request.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)


class OutageBreaker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._failing = False

    def is_open(self) -> bool:
        """True while the last failure is recent enough that Redis should not be tried."""
        return time.monotonic() < self._open_until

    def record_failure(self, error: BaseException) -> None:
        cooldown = float(settings.REDIS_OUTAGE_COOLDOWN)
        with self._lock:
            self._open_until = time.monotonic() + cooldown
            first = not self._failing
            self._failing = True
        if first:
            logger.warning(
                "Redis unavailable for the %s (%s: %s); degrading, retrying every %.1fs",
                self.name,
                type(error).__name__,
                error,
                cooldown,
            )

    def record_success(self) -> None:
        if not self._failing:
            return
        with self._lock:
            recovered = self._failing
            self._failing = False
            self._open_until = 0.0
        if recovered:
            logger.warning("Redis is back for the %s", self.name)

    def reset(self) -> None:
        with self._lock:
            self._failing = False
            self._open_until = 0.0
