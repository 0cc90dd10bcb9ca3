"""One simulated trading day of one symbol: when trades happen, at which prices, in which volumes.

``day_path`` turns a day's reference, close and session windows into arrays of trades (see
``simulated.py`` for how the reference and the close are chosen). Pure numpy; the random draws
come from the generator the caller seeds, so the same inputs give the same day in every process.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from market.providers.simulated_universe import SimulatedInstrument

INDEX_NOMINAL_SHARE_PRICE = 20_000
_FOREIGN_SHARE = 0.08
JITTER_TICKS = 2
BURST_EVERY_SECONDS = 120.0
BURST_SECONDS = (4, 13)  # inclusive-exclusive range of a burst's length
BURST_TRADE_SHARE = 0.7
JITTER_MOVE_SHARE = 0.6  # share of ordinary trades one tick away from the previous one
BURST_MOVE_SHARE = 0.5  # share of a burst's trades that walk the book one tick further


@dataclass(slots=True)
class DayPath:
    """All simulated trades of one symbol on one day (seconds since Vietnam midnight)."""

    day: date
    reference: int
    floor: int | None
    ceiling: int | None
    ladder: np.ndarray
    times: np.ndarray
    ladder_idx: np.ndarray
    prices: np.ndarray
    volumes: np.ndarray
    sides: np.ndarray
    cum_volume: np.ndarray
    cum_value: np.ndarray
    cum_foreign_buy: np.ndarray
    cum_foreign_sell: np.ndarray
    run_high: np.ndarray
    run_low: np.ndarray


def trade_values(spec: SimulatedInstrument, prices: np.ndarray, volumes: np.ndarray) -> np.ndarray:
    """VND value of each trade (indices at a nominal share price)."""
    if spec.is_index:
        return volumes * INDEX_NOMINAL_SHARE_PRICE
    return prices * volumes


def day_path(
    *,
    spec: SimulatedInstrument,
    day: date,
    rng: np.random.Generator,
    reference: int,
    close: int,
    ladder: np.ndarray,
    band: tuple[int, int] | None,
    windows: list[tuple[float, float]],
    step_seconds: float,
    always_open: bool,
) -> DayPath:
    """The trades of ``spec`` on ``day``: from an open near ``reference`` to exactly ``close``,
    every price on ``ladder`` (the grid inside the band), inside the session ``windows``.

    The price is a slow "level" (a random bridge of whole ticks from the open to the close) plus a
    quick bounded jitter of at most ``JITTER_TICKS`` around it (trades hitting the bid, lifting
    the offer, walking the book in a burst), clipped to the ladder. The jitter starts and ends at
    zero, so the open and the close are the level's. Trades arrive at ``spec.liquidity`` per
    second, and much faster in volume bursts (a few seconds of larger, one-sided orders).
    """
    top = len(ladder) - 1
    gap = float(rng.normal(0.0, spec.sigma * 0.3))
    open_idx = nearest(ladder, reference * math.exp(gap))
    close_idx = int(np.searchsorted(ladder, close))
    if close_idx > top or ladder[close_idx] != close:
        raise AssertionError(f"{spec.symbol} close {close} is not on its ladder")

    counts = np.array(
        [max(0, math.ceil((b - a) / step_seconds - 1e-9)) for a, b in windows],
        dtype=np.int64,
    )
    steps = int(counts.sum())
    displacement = close_idx - open_idx
    moves = max(abs(displacement), int(rng.integers(30, 120)) * (3 if always_open else 1))
    step_ids, burst_steps = _trade_steps(spec, rng, steps, step_seconds)
    if len(step_ids) < moves + 1 and len(step_ids) < steps:  # a short day: trade on more steps
        idle = np.setdiff1d(np.arange(steps), step_ids, assume_unique=True)
        extra = min(moves + 1 - len(step_ids), len(idle))
        step_ids = np.union1d(step_ids, rng.choice(idle, size=extra, replace=False))
    trades = len(step_ids)
    moves = min(moves, trades - 1)
    if (moves - displacement) % 2:
        moves -= 1
    if moves < abs(displacement):
        raise AssertionError(f"{spec.symbol} {day}: too few steps for its close")

    found = np.minimum(np.searchsorted(burst_steps, step_ids), max(0, len(burst_steps) - 1))
    in_burst = burst_steps[found] == step_ids if len(burst_steps) else np.zeros(trades, bool)
    offsets = np.r_[0, np.cumsum(counts)[:-1]]
    window = np.searchsorted(np.cumsum(counts), step_ids, side="right")
    starts = np.array([a for a, _ in windows], dtype=np.float64)
    times = starts[window] + (step_ids - offsets[window]) * step_seconds

    positions = np.sort(rng.choice(trades - 1, size=moves, replace=False) + 1)
    draws = rng.random(moves)
    deltas = np.zeros(trades, dtype=np.int64)
    deltas[positions] = bridge(open_idx, close_idx, top, draws)
    level = open_idx + np.cumsum(deltas)
    jitter = _jitter(rng, in_burst)
    ladder_idx = np.clip(level + jitter, 0, top)
    prices = ladder[ladder_idx]

    lots = rng.geometric(0.3, trades).astype(np.int64)
    lots[in_burst] *= rng.integers(3, 12, size=int(in_burst.sum()))
    blocks = rng.random(trades) < 0.01
    lots[blocks] *= rng.integers(10, 60, size=int(blocks.sum()))
    volumes = lots * 100 * spec.lot_multiplier
    tie_buy = rng.random(trades) < 0.5
    moved = np.diff(ladder_idx, prepend=ladder_idx[0])
    sides = np.where(moved > 0, 1, np.where(moved < 0, -1, np.where(tie_buy, 1, -1)))
    sides[0] = 0
    foreign = rng.random(trades)  # a foreign buyer, a foreign seller, or neither
    foreign_buy = np.where(foreign < _FOREIGN_SHARE, volumes, 0)
    foreign_sell = np.where(foreign > 1 - _FOREIGN_SHARE, volumes, 0)
    if spec.is_index:
        foreign_buy = foreign_sell = np.zeros(trades, dtype=np.int64)
    floor, ceiling = band if band is not None else (None, None)
    return DayPath(
        day=day,
        reference=reference,
        floor=floor,
        ceiling=ceiling,
        ladder=ladder,
        times=times,
        ladder_idx=ladder_idx,
        prices=prices,
        volumes=volumes,
        sides=sides.astype(np.int8),
        cum_volume=np.cumsum(volumes),
        cum_value=np.cumsum(trade_values(spec, prices, volumes)),
        cum_foreign_buy=np.cumsum(foreign_buy),
        cum_foreign_sell=np.cumsum(foreign_sell),
        run_high=np.maximum.accumulate(prices),
        run_low=np.minimum.accumulate(prices),
    )


def _trade_steps(
    spec: SimulatedInstrument, rng: np.random.Generator, steps: int, step_seconds: float
) -> tuple[np.ndarray, np.ndarray]:
    """The steps that carry a trade (sorted, unique) and the steps inside volume bursts.

    Outside bursts each step trades with probability about ``liquidity * step_seconds``; bursts
    start about every ``BURST_EVERY_SECONDS`` of open market, last ``BURST_SECONDS`` and trade on
    ``BURST_TRADE_SHARE`` of their steps. The first step of the day always trades (the open).
    Drawn per trade, not per step, so a day around the clock costs little more than a session.
    """
    if steps == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    chance = min(1.0, spec.liquidity * step_seconds)
    ordinary = rng.integers(0, steps, size=int(rng.poisson(chance * steps)))
    bursts = int(rng.poisson(steps * step_seconds / BURST_EVERY_SECONDS))
    lengths = np.maximum(1, rng.integers(*BURST_SECONDS, size=bursts) // step_seconds)
    lengths = lengths.astype(np.int64)
    starts = rng.integers(0, steps, size=bursts)
    first = np.cumsum(lengths) - lengths
    inside = np.repeat(starts - first, lengths) + np.arange(int(lengths.sum()))
    inside = inside[inside < steps]
    busy = inside[rng.random(len(inside)) < BURST_TRADE_SHARE]
    traded = np.unique(np.concatenate([[0], ordinary, busy]).astype(np.int64))
    return traded, np.unique(inside)


def _jitter(rng: np.random.Generator, in_burst: np.ndarray) -> np.ndarray:
    """Offsets in ticks from the level, within ``+/-JITTER_TICKS``: a lazy walk of single ticks
    folded back at the bounds (a reflecting walk), one-sided for the length of a burst; zero on
    the first and the last trade."""
    n = len(in_burst)
    u = rng.random(n)
    step = np.where(u < JITTER_MOVE_SHARE / 2, 1, np.where(u < JITTER_MOVE_SHARE, -1, 0))
    push = np.where(rng.random(n) < 0.5, 1, -1)
    starts = np.flatnonzero(in_burst & ~np.r_[False, in_burst[:-1]])
    run = np.zeros(n, dtype=np.int64)
    run[starts] = 1
    burst_id = np.cumsum(run)  # which burst a trade belongs to (0 = none yet)
    direction = np.r_[0, push[starts]][burst_id]
    step = np.where(in_burst, np.where(u < BURST_MOVE_SHARE, direction, 0), step)
    step[0] = 0
    walk = np.cumsum(step)
    span = 2 * JITTER_TICKS
    offsets = JITTER_TICKS - np.abs((walk + JITTER_TICKS) % (2 * span) - span)
    offsets[-1] = 0
    return offsets.astype(np.int64)


def nearest(ladder: np.ndarray, target: float) -> int:
    """Index of the ladder price nearest ``target``."""
    values = ladder.tolist()
    i = bisect.bisect_left(values, target)
    if i <= 0:
        return 0
    if i >= len(values):
        return len(values) - 1
    return i if values[i] - target <= target - values[i - 1] else i - 1


def bridge(start: int, end: int, top: int, draws: np.ndarray) -> np.ndarray:
    """``len(draws)`` moves of +/-1 from ``start`` that end exactly on ``end`` within ``[0, top]``.

    With ``n`` moves left and ``r`` still to travel, a move goes up with probability
    ``(n + r) / 2n``: the uniform random bridge. A move that would leave the ladder is flipped;
    that never breaks the invariant ``|r| <= n, r = n (mod 2)``, so the walk always lands on
    ``end`` (see tests).
    """
    n = len(draws)
    moves = np.empty(n, dtype=np.int64)
    position = start
    for j, u in enumerate(draws.tolist()):
        remaining = n - j
        to_go = end - position
        step = 1 if u < (remaining + to_go) / (2 * remaining) else -1
        if not 0 <= position + step <= top:
            step = -step
        moves[j] = step
        position += step
    if position != end:
        raise AssertionError("bridge missed its end")
    return moves
