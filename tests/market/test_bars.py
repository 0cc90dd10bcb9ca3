"""Bars: aggregation from ticks and rollups (idempotent), the daily close, history upserts, pruning."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from market.aggregation import TickRow, bars_from_ticks, roll_up
from market.models import Bar, Quote, Tick
from market.services import (
    bars_aggregate,
    bars_close_daily,
    history_backfill_symbol,
    history_store,
    history_window,
    quotes_ingest,
    ticks_prune,
)
from market.signals import daily_close_updated
from portfolio_site.errors import NotFound
from tests.market.builders import MONDAY, TUESDAY, daily_bar, instrument, snapshot, trading_days, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]

T0 = vn(MONDAY, "09:15")


def random_ticks(instrument_id: int, count: int, seed: int) -> list[Tick]:
    rng = random.Random(seed)
    ticks, when, price = [], T0, 100_000
    for seq in range(1, count + 1):
        when += timedelta(seconds=rng.randint(1, 40))
        price = min(106_000, max(94_000, price + 100 * rng.randint(-3, 3)))
        ticks.append(
            Tick(
                instrument_id=instrument_id,
                seq=seq,
                time=when,
                price=Decimal(price),
                volume=100 * rng.randint(1, 30),
                source="simulated",
            )
        )
    return ticks


def bars(interval: str) -> list[tuple[Any, ...]]:
    return list(
        Bar.objects.filter(interval=interval)
        .order_by("instrument_id", "start")
        .values_list("instrument_id", "start", "open", "high", "low", "close", "volume", "value")
    )


def as_tuples(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.key, r.start, r.open, r.high, r.low, r.close, r.volume, r.value) for r in rows]


def test_aggregation_builds_every_interval_from_the_ticks() -> None:
    # given two instruments with random ticks over a morning
    fpt, vnm = instrument("FPT"), instrument("VNM")
    ticks = random_ticks(fpt.id, 300, seed=1) + random_ticks(vnm.id, 200, seed=2)
    Tick.objects.bulk_create(ticks)
    # when the morning is aggregated
    bars_aggregate(since=T0, until=T0 + timedelta(hours=4))
    # then 1m bars are the ticks' aggregate and 5m/15m/1h their rollups
    rows = [TickRow(t.instrument_id, t.seq, t.time, t.price, t.volume) for t in ticks]
    minutes = bars_from_ticks(rows, interval="1m")
    key = lambda r: (r[0], r[1])  # noqa: E731
    assert bars("1m") == sorted(as_tuples(minutes), key=key)
    for interval in ("5m", "15m", "1h"):
        assert bars(interval) == sorted(as_tuples(roll_up(minutes, interval=interval)), key=key)


def test_aggregating_twice_changes_nothing() -> None:
    # given aggregated ticks
    fpt = instrument("FPT")
    Tick.objects.bulk_create(random_ticks(fpt.id, 200, seed=3))
    first = bars_aggregate(since=T0, until=T0 + timedelta(hours=3))
    before = {interval: bars(interval) for interval in ("1m", "5m", "15m", "1h")}
    # when the same window is aggregated again
    second = bars_aggregate(since=T0, until=T0 + timedelta(hours=3))
    # then no bar is written and all are the same
    assert sum(first.values()) > 0
    assert second == {"1m": 0, "5m": 0, "15m": 0, "1h": 0}
    assert {interval: bars(interval) for interval in before} == before


def test_a_late_tick_corrects_the_bars_it_falls_in() -> None:
    fpt = instrument("FPT")
    ticks = random_ticks(fpt.id, 50, seed=4)
    Tick.objects.bulk_create(ticks)
    bars_aggregate(since=T0, until=T0 + timedelta(hours=1))
    # when a tick with a new high lands inside an aggregated minute
    last = ticks[-1]
    Tick.objects.create(
        instrument=fpt,
        seq=last.seq + 1,
        time=last.time + timedelta(microseconds=1),
        price=Decimal("106500"),
        volume=100,
        source="simulated",
    )
    written = bars_aggregate(since=T0, until=T0 + timedelta(hours=1))
    # then exactly that minute and the bars containing it change
    assert written == {"1m": 1, "5m": 1, "15m": 1, "1h": 1}
    assert Bar.objects.filter(high=Decimal("106500")).count() == 4


def test_the_daily_close_writes_the_1d_bar_from_the_days_quote() -> None:
    # given FPT's quote at the end of Monday
    instrument("FPT")
    quotes_ingest(
        snapshots=[
            snapshot(last="101000", volume=2_000_000, as_of=vn(MONDAY, "14:46"), open=Decimal("99500"), high=Decimal("102000"), low=Decimal("99000"))
        ]
    )  # fmt: skip
    told: list[list[str]] = []
    listener = lambda sender, symbols, **kw: told.append(symbols)  # noqa: E731
    daily_close_updated.connect(listener)
    try:
        # when the day is closed (twice)
        first = bars_close_daily(day=MONDAY)
        second = bars_close_daily(day=MONDAY)
    finally:
        daily_close_updated.disconnect(listener)
    # then one 1d bar starting at Vietnam midnight holds the day's OHLCV, and only the first
    # run changed anything
    bar = Bar.objects.get(interval="1d")
    assert bar.start == vn(MONDAY, "00:00")
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        Decimal("99500"),
        Decimal("102000"),
        Decimal("99000"),
        Decimal("101000"),
        2_000_000,
    )
    assert (first, second) == (["FPT"], [])


def test_the_daily_close_ignores_quotes_of_other_days() -> None:
    instrument("FPT")
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=vn(TUESDAY, "10:00"))])
    assert bars_close_daily(day=MONDAY) == []
    assert not Bar.objects.exists()


def test_history_is_upserted_and_adjusted_bars_overwrite_old_ones(
    django_capture_on_commit_callbacks,
) -> None:
    # given 5 days of FPT history stored
    instrument("FPT")
    days = trading_days(MONDAY, 5)
    history = [daily_bar("FPT", day, str(100_000 + 1000 * i)) for i, day in enumerate(days)]
    with django_capture_on_commit_callbacks(execute=True):
        first = history_store(symbol="FPT", bars=history, start=days[0], end=days[-1])
    # when the source re-sends it adjusted (a dividend lowered the first two closes) and again
    adjusted = [replace(b, close=b.close - 500, low=b.low - 500) for b in history[:2]] + history[2:]
    told: list[list[str]] = []
    listener = lambda sender, symbols, **kw: told.append(symbols)  # noqa: E731
    daily_close_updated.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            second = history_store(symbol="FPT", bars=adjusted, start=days[0], end=days[-1])
        with django_capture_on_commit_callbacks(execute=True):
            third = history_store(symbol="FPT", bars=adjusted, start=days[0], end=days[-1])
    finally:
        daily_close_updated.disconnect(listener)
    # then the adjusted bars replace the old ones, one row per day, and a repeat writes nothing
    assert (first.written, second.written, third.written) == (5, 2, 0)
    closes = list(
        Bar.objects.filter(interval="1d").order_by("start").values_list("close", flat=True)
    )
    assert closes == [Decimal(99_500), Decimal(100_500), Decimal(102_000), Decimal(103_000), Decimal(104_000)]  # fmt: skip
    assert told == [["FPT"]]


def test_bad_history_bars_are_rejected_and_counted() -> None:
    instrument("FPT")
    good = daily_bar("FPT", MONDAY, "100000")
    broken = replace(daily_bar("FPT", TUESDAY, "100000"), low=Decimal("120000"))
    nan = replace(daily_bar("FPT", TUESDAY + timedelta(days=1), "100000"), close=Decimal("NaN"))
    result = history_store(symbol="FPT", bars=[good, broken, nan], start=MONDAY, end=TUESDAY)
    assert (result.received, result.written, result.rejected) == (3, 1, 2)
    assert Bar.objects.count() == 1


def test_history_of_an_unknown_symbol_is_not_found() -> None:
    with pytest.raises(NotFound):
        history_store(symbol="NOPE", bars=[], start=MONDAY, end=TUESDAY)


class RecordingProvider:
    """Serves fixed daily bars and records the windows it was asked for."""

    name = "recording"

    def __init__(self, bars: list[Any]) -> None:
        self.bars = bars
        self.calls: list[tuple[str, Any, Any]] = []

    def history(self, symbol: str, *, interval: str, start: Any, end: Any) -> list[Any]:
        self.calls.append((symbol, start, end))
        return [b for b in self.bars if start <= b.trading_date <= end]


def test_only_missing_fetches_just_the_days_after_the_latest_bar() -> None:
    # given FPT with bars up to Monday, and "now" on Wednesday evening
    instrument("FPT")
    now = vn(MONDAY + timedelta(days=2), "18:00")
    history_store(symbol="FPT", bars=[daily_bar("FPT", MONDAY, "100000")], start=MONDAY, end=MONDAY)
    provider = RecordingProvider([daily_bar("FPT", d, "101000") for d in trading_days(MONDAY, 3)])
    # when missing history is backfilled
    result = history_backfill_symbol(
        symbol="FPT", days=730, only_missing=True, provider=provider, now=now
    )
    # then only Monday (to refresh it) through Wednesday is asked for, and nothing when up to date
    assert provider.calls == [("FPT", MONDAY, MONDAY + timedelta(days=2))]
    assert result is not None
    assert Bar.objects.count() == 3
    assert history_window(symbol="FPT", days=730, only_missing=True, now=now) is None


def test_history_ends_with_the_last_complete_session() -> None:
    instrument("FPT")
    # during Monday's session the last complete day is the previous trading day (Friday 2 Jan)
    _, end = history_window(symbol="FPT", days=10, only_missing=False, now=vn(MONDAY, "10:00"))
    assert end.isoformat() == "2026-01-02"
    # after the close it is Monday itself
    _, end = history_window(symbol="FPT", days=10, only_missing=False, now=vn(MONDAY, "15:30"))
    assert end == MONDAY


def test_old_ticks_are_pruned_and_bars_kept() -> None:
    # given ticks from 40 days ago and from today, with their bars
    fpt = instrument("FPT")
    now = timezone.now()
    old = [
        Tick(instrument=fpt, seq=i, time=now - timedelta(days=40, seconds=i), price=Decimal(100_000), volume=100, source="simulated")
        for i in range(1, 26)
    ]  # fmt: skip
    recent = Tick(
        instrument=fpt, seq=26, time=now, price=Decimal(100_000), volume=100, source="simulated"
    )
    Tick.objects.bulk_create([*old, recent])
    bars_aggregate(since=now - timedelta(days=41), until=now + timedelta(minutes=1))
    bar_count = Bar.objects.count()
    # when ticks past the retention (30 days) are pruned, in small batches
    deleted = ticks_prune(batch_size=10)
    # then only the old ticks are gone, the bars stay, and a second run deletes nothing
    assert deleted == 25
    assert list(Tick.objects.values_list("seq", flat=True)) == [26]
    assert Bar.objects.count() == bar_count
    assert ticks_prune() == 0


def test_quote_rows_survive_pruning() -> None:
    instrument("FPT")
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=timezone.now() - timedelta(days=60))])
    ticks_prune()
    assert Quote.objects.count() == 1
