"""Rate-limit quotas written as text ("10/min", "300/hour", "5/15m") and what they mean.

Kept free of Django imports so that settings.py can validate the ``RATE_LIMIT_*`` variables at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    window_seconds: int

    def __str__(self) -> str:
        return f"{self.limit}/{self.window_seconds}s"


def parse_rate(text: str) -> Quota:
    """``"10/min"`` → ``Quota(10, 60)``; ``"5/15m"`` → ``Quota(5, 900)``. Raises ``ValueError``."""
    match = _RATE.match(text.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"expected N/period such as 10/min, 300/hour or 5/15m, got {text!r}")
    count, multiple, unit = match.groups()
    window = int(multiple or 1) * _UNITS[unit]
    if window <= 0:
        raise ValueError(f"expected N/period with a positive period, got {text!r}")
    return Quota(limit=int(count), window_seconds=window)
