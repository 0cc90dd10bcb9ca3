"""Summaries of timing samples: percentiles in milliseconds, rates, ratios."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def percentiles_ms(samples_seconds: Sequence[float] | np.ndarray) -> dict[str, Any]:
    """n, p50, p99, p99.9, max and mean of durations given in seconds, reported in ms.

    Percentiles use the "higher" method (an observed sample, never an interpolation), so p99.9 of
    fewer than 1,000 samples is simply the maximum; ``n`` says how much each figure rests on.
    """
    data = np.asarray(samples_seconds, dtype=np.float64)
    if data.size == 0:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "p999_ms": None, "max_ms": None}
    p50, p99, p999 = np.percentile(data, [50, 99, 99.9], method="higher")
    return {
        "n": int(data.size),
        "p50_ms": round(float(p50) * 1000, 3),
        "p99_ms": round(float(p99) * 1000, 3),
        "p999_ms": round(float(p999) * 1000, 3),
        "max_ms": round(float(data.max()) * 1000, 3),
        "mean_ms": round(float(data.mean()) * 1000, 3),
    }


def repeat_timed(
    function: Callable[[], object], *, repeats: int, budget_seconds: float
) -> list[float]:
    """Call ``function`` up to ``repeats`` times (at least once) within ``budget_seconds``."""
    durations: list[float] = []
    deadline = time.perf_counter() + budget_seconds
    for _ in range(max(1, repeats)):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
        if time.perf_counter() > deadline:
            break
    return durations


def ratio(ours: float | None, peer: float | None) -> float | None:
    """ours / peer, rounded, or None when either is missing or the peer is zero."""
    if ours is None or peer is None or peer == 0 or math.isnan(peer):
        return None
    return round(ours / peer, 3)
