"""Bar aggregation racing quote ingestion must not lose a tick's volume from its 1m bar.

``bars_aggregate`` reads the ticks of the last minutes and upserts their 1m bars. An ingest that
commits new ticks (and rebuilds the same bar) between that read and that upsert must not have its
volume overwritten by the aggregate's older view. The test holds the aggregate right after its read
and lets an ingest run meanwhile; the bar must still hold every tick's volume.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from market import services
from market.models import Bar, Tick
from market.providers.simulated import SimulatedProvider
from market.services import bars as bar_services
from tests.conftest import requires_postgres

pytestmark = [pytest.mark.reliability, requires_postgres, pytest.mark.django_db(transaction=True)]

SYMBOL = "FPT"
BOUND = 10.0  # seconds: only bounds how long a failure takes


def three_trades_in_one_minute(feed: SimulatedProvider) -> list[datetime]:
    """Three instants in one minute at which the feed's accumulated volume has grown."""
    minute = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    for _ in range(600):
        picks = [minute]
        for second in range(1, 60):
            when = minute + timedelta(seconds=second)
            if feed.quote_at(SYMBOL, when).volume > feed.quote_at(SYMBOL, picks[-1]).volume:
                picks.append(when)
            if len(picks) == 3:
                return picks
        minute += timedelta(minutes=1)
    raise AssertionError("the feed never traded three times in a minute")


def test_aggregation_racing_an_ingest_keeps_every_ticks_volume(monkeypatch: Any) -> None:
    feed = SimulatedProvider(always_open=True)
    services.instrument_sync(provider=feed)
    first, second, third = three_trades_in_one_minute(feed)
    services.quotes_ingest(snapshots=[feed.quote_at(SYMBOL, first)])
    services.quotes_ingest(snapshots=[feed.quote_at(SYMBOL, second)])  # tick 1, bar written

    # given an aggregation paused right after reading the ticks
    read, go = threading.Event(), threading.Event()
    real_tick_rows = bar_services._tick_rows

    def pausing_tick_rows(**filters: Any) -> Any:
        rows = real_tick_rows(**filters)
        if threading.current_thread().name == "aggregate":
            read.set()
            go.wait(BOUND)
        return rows

    monkeypatch.setattr(bar_services, "_tick_rows", pausing_tick_rows)
    minute = first.replace(second=0)
    failures: list[BaseException] = []

    def run(target: Any) -> None:
        try:
            target()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    aggregate = threading.Thread(
        name="aggregate",
        target=run,
        args=(lambda: services.bars_aggregate(since=minute, until=minute + timedelta(minutes=1)),),
    )
    aggregate.start()
    assert read.wait(BOUND)

    # when an ingest of the next trade runs meanwhile, then the aggregation finishes
    ingest = threading.Thread(
        target=run, args=(lambda: services.quotes_ingest(snapshots=[feed.quote_at(SYMBOL, third)]),)
    )
    ingest.start()
    ingest.join(2.0)  # finishes unless the aggregation holds it back
    go.set()
    aggregate.join(BOUND)
    ingest.join(BOUND)
    assert not failures

    # then the 1m bar holds both ticks' volume
    ticks = Tick.objects.filter(instrument__symbol=SYMBOL)
    assert ticks.count() == 2
    bar = Bar.objects.get(instrument__symbol=SYMBOL, interval="1m", start=minute)
    assert bar.volume == ticks.aggregate(v=Sum("volume"))["v"]
