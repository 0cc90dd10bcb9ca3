"""The bar aggregator against a brute-force reference on random ticks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.aggregation import TickRow, bars_from_ticks, bucket_start, roll_up

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # 09:00 ICT

ticks_strategy = st.lists(
    st.tuples(
        st.sampled_from(["FPT", "VNM", "HPG"]),
        st.integers(0, 3 * 3600 - 1),  # seconds into the morning
        st.integers(1, 2000),  # price in ticks of 50 VND
        st.integers(1, 50),  # lots
    ),
    max_size=120,
)


def _ticks(raw: list[tuple[str, int, int, int]]) -> list[TickRow]:
    """Ticks with a per-symbol seq that follows time (ties broken by input order)."""
    ordered = sorted(enumerate(raw), key=lambda item: (item[1][1], item[0]))
    seqs: dict[str, int] = {}
    rows = []
    for _, (symbol, second, price, lots) in ordered:
        seqs[symbol] = seqs.get(symbol, 0) + 1
        rows.append(
            TickRow(
                key=symbol,
                seq=seqs[symbol],
                time=START + timedelta(seconds=second, microseconds=seqs[symbol]),
                price=Decimal(price * 50),
                volume=lots * 100,
            )
        )
    return rows


def _reference(ticks: list[TickRow], seconds: int) -> dict[tuple[str, datetime], tuple]:
    """Brute force: for every bucket, scan every tick."""
    out = {}
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    buckets = {
        (t.key, epoch + timedelta(seconds=(t.time - epoch).total_seconds() // seconds * seconds))
        for t in ticks
    }
    for key, start in buckets:
        inside = [
            t
            for t in ticks
            if t.key == key and start <= t.time < start + timedelta(seconds=seconds)
        ]
        first = min(inside, key=lambda t: (t.time, t.seq))
        last = max(inside, key=lambda t: (t.time, t.seq))
        out[(key, start)] = (
            first.price,
            max(t.price for t in inside),
            min(t.price for t in inside),
            last.price,
            sum(t.volume for t in inside),
            sum(t.price * t.volume for t in inside),
        )
    return out


def _as_dict(bars: list) -> dict[tuple[str, datetime], tuple]:
    return {(b.key, b.start): (b.open, b.high, b.low, b.close, b.volume, b.value) for b in bars}


@settings(max_examples=150, deadline=None)
@given(raw=ticks_strategy, shuffle=st.randoms(use_true_random=False))
def test_minute_bars_match_a_brute_force_reference(raw, shuffle) -> None:
    # given random ticks in random order
    ticks = _ticks(raw)
    shuffled = list(ticks)
    shuffle.shuffle(shuffled)
    # when they are aggregated into 1m bars
    bars = bars_from_ticks(shuffled, interval="1m")
    # then open=first, high=max, low=min, close=last, volume=sum, value=sum(price x volume)
    assert _as_dict(bars) == _reference(ticks, 60)
    assert len({(b.key, b.start) for b in bars}) == len(bars)


@settings(max_examples=100, deadline=None)
@given(raw=ticks_strategy, interval=st.sampled_from(["5m", "15m", "1h"]))
def test_rolled_up_bars_equal_bars_built_from_the_ticks(raw, interval) -> None:
    # given random ticks and their 1m bars
    ticks = _ticks(raw)
    minutes = bars_from_ticks(ticks, interval="1m")
    # when the 1m bars are rolled up
    rolled = roll_up(minutes, interval=interval)
    # then the result is what aggregating the ticks directly at that interval gives
    assert _as_dict(rolled) == _as_dict(bars_from_ticks(ticks, interval=interval))


def test_buckets_are_aligned_on_the_vietnam_clock() -> None:
    # given 09:17:30 ICT (02:17:30 UTC)
    when = datetime(2026, 1, 5, 2, 17, 30, tzinfo=UTC)
    # then its 5m bar starts 09:15 ICT, its 15m bar 09:15 and its 1h bar 09:00
    assert bucket_start(when, "5m") == datetime(2026, 1, 5, 2, 15, tzinfo=UTC)
    assert bucket_start(when, "15m") == datetime(2026, 1, 5, 2, 15, tzinfo=UTC)
    assert bucket_start(when, "1h") == datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        bucket_start(datetime(2026, 1, 5, 9, 0), "1m")
