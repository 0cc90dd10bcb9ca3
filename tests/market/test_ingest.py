"""Quote ingestion: quotes upserted, volume deltas into ticks, 1m bars, validation, publishing."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import types
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.cache import cache
from django.db import connection

from market.aggregation import TickRow, bars_from_ticks
from market.models import Bar, Quote, Tick
from market.services import quote_seen_key, quotes_ingest
from market.signals import quotes_updated
from tests.conftest import requires_postgres
from tests.market.builders import MONDAY, TUESDAY, instrument, snapshot, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]

T0 = vn(MONDAY, "09:30:00")


def state() -> dict[str, Any]:
    """Everything ingestion writes, as comparable values."""
    return {
        "quotes": sorted(
            Quote.objects.values_list("instrument__symbol", "price", "volume", "as_of", "change")
        ),
        "ticks": sorted(
            Tick.objects.values_list("instrument__symbol", "seq", "time", "price", "volume", "side")
        ),
        "bars": sorted(
            Bar.objects.values_list(
                "instrument__symbol", "interval", "start", "open", "high", "low", "close", "volume"
            )
        ),
    }


@pytest.fixture
def fpt() -> Any:
    return instrument("FPT", groups=("VN30",))


@pytest.fixture
def board_batches() -> list[list[dict[str, Any]]]:
    """The board quotes of every ``publish_ticks`` call (with ``broadcast``)."""
    return []


@pytest.fixture
def broadcast(
    monkeypatch: pytest.MonkeyPatch, board_batches: list[list[dict[str, Any]]]
) -> list[list[dict[str, Any]]]:
    """Stand in for ``realtime.broadcast`` and record every ``publish_ticks`` batch of ticks."""
    batches: list[list[dict[str, Any]]] = []

    def publish_ticks(ticks: Any, quotes: Any = ()) -> None:
        if ticks:
            batches.append(list(ticks))
        board_batches.append(list(quotes))

    module = types.ModuleType("realtime.broadcast")
    module.publish_ticks = publish_ticks  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "realtime.broadcast", module)
    return batches


def test_the_first_quote_of_a_symbol_is_a_baseline_without_a_tick(fpt) -> None:
    # when FPT's first quote arrives with 1,000 shares already traded
    result = quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
    # then it is stored but makes no tick (that volume may span hours)
    assert (result.stored, result.ticks, result.rejected) == (1, 0, 0)
    quote = Quote.objects.get()
    assert (quote.price, quote.volume, quote.as_of) == (Decimal("100000"), 1000, T0)
    assert not Tick.objects.exists()


def test_the_volume_difference_becomes_a_tick_with_the_next_seq(fpt) -> None:
    # given a stored quote with 1,000 shares traded
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
    # when two more polls report 1,500 at 100,500 then 1,800 at 100,200
    quotes_ingest(snapshots=[snapshot(last="100500", volume=1500, as_of=T0 + timedelta(seconds=2))])
    result = quotes_ingest(
        snapshots=[snapshot(last="100200", volume=1800, as_of=T0 + timedelta(seconds=4))]
    )
    # then each difference is one tick, numbered 1 and 2, sided by the tick rule
    assert result.ticks == 1
    ticks = list(Tick.objects.order_by("seq").values_list("seq", "price", "volume", "side"))
    assert ticks == [(1, Decimal("100500"), 500, "buy"), (2, Decimal("100200"), 300, "sell")]


def test_new_ticks_rebuild_the_current_minute_bar(fpt) -> None:
    # given a baseline and four polls inside one minute
    polls = [
        ("100000", 1000),
        ("100500", 1500),
        ("99800", 1600),
        ("100100", 2600),
        ("100300", 2700),
    ]
    for second, (price, volume) in enumerate(polls):
        quotes_ingest(
            snapshots=[snapshot(last=price, volume=volume, as_of=T0 + timedelta(seconds=second))]
        )
    # then the 1m bar is the aggregate of the four ticks
    bar = Bar.objects.get(interval="1m")
    ticks = [TickRow(t.instrument_id, t.seq, t.time, t.price, t.volume) for t in Tick.objects.all()]
    (expected,) = bars_from_ticks(ticks)
    assert (bar.start, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.value) == (
        expected.start,
        Decimal("100500"),
        Decimal("100500"),
        Decimal("99800"),
        Decimal("100300"),
        1700,
        expected.value,
    )


def test_a_new_trading_day_resets_the_accumulated_volume(fpt) -> None:
    # given Monday's last quote with 2,000,000 shares traded
    quotes_ingest(snapshots=[snapshot(volume=2_000_000, as_of=vn(MONDAY, "14:45"))])
    # when Tuesday's ATO prints 30,000 shares
    result = quotes_ingest(
        snapshots=[snapshot(last="101000", volume=30_000, as_of=vn(TUESDAY, "09:15:01"))]
    )
    # then the whole 30,000 is Tuesday's first tick (not a negative difference, not a rejection)
    assert (result.rejected, result.ticks) == (0, 1)
    tick = Tick.objects.get()
    assert (tick.volume, tick.price, tick.seq) == (30_000, Decimal("101000"), 1)


def _polls() -> list[list[Any]]:
    return [
        [
            snapshot(volume=1000 + 100 * i, last=str(100000 + 100 * i), as_of=T0 + timedelta(seconds=i)),
            snapshot("VNM", volume=500 + 200 * i, reference="60000", last="60100", as_of=T0 + timedelta(seconds=i)),
        ]
        for i in range(5)
    ]  # fmt: skip


def test_ingesting_each_poll_twice_gives_what_ingesting_it_once_gives(fpt, broadcast) -> None:
    instrument("VNM")
    # given the polls ingested once each
    for poll in _polls():
        quotes_ingest(snapshots=poll)
    once = state()
    published_once = list(broadcast)
    Quote.objects.all().delete()
    Tick.objects.all().delete()
    Bar.objects.all().delete()
    broadcast.clear()
    # when every poll is ingested twice in a row (a retried task)
    repeats = []
    for poll in _polls():
        quotes_ingest(snapshots=poll)
        repeats.append(quotes_ingest(snapshots=poll))
    # then the stored rows and the published ticks are the same, and the repeats wrote nothing
    assert state() == once
    assert broadcast == published_once
    assert all((r.stored, r.ticks, r.unchanged, r.rejected) == (0, 0, 2, 0) for r in repeats)


def test_replaying_old_polls_changes_nothing(fpt, broadcast) -> None:
    instrument("VNM")
    # given the polls ingested once
    for poll in _polls():
        quotes_ingest(snapshots=poll)
    before = state()
    published = len(broadcast)
    # when the whole sequence is replayed
    results = [quotes_ingest(snapshots=poll) for poll in _polls()]
    # then the older polls are rejected as out of order, the last is unchanged, nothing is written
    assert state() == before
    assert len(broadcast) == published
    assert [r.rejected for r in results] == [2, 2, 2, 2, 0]
    assert results[-1].unchanged == 2


def _bad(kind: str):  # type: ignore[no-untyped-def]
    good = snapshot(last="100500", volume=1500, as_of=T0 + timedelta(seconds=5))
    return {
        "NaN price": replace(good, last=Decimal("NaN")),
        "zero price": replace(good, last=Decimal(0)),
        "negative price": replace(good, last=Decimal(-100)),
        "off the tick grid": replace(good, last=Decimal("100510")),
        "above the ceiling": replace(good, last=Decimal("107100"), high=Decimal("107100")),
        "older than the stored quote": replace(good, as_of=T0 - timedelta(seconds=5)),
        "accumulated volume went down": replace(good, volume=900),
        "unknown symbol": replace(good, symbol="NOPE"),
    }[kind]


@pytest.mark.parametrize(
    "kind",
    [
        "NaN price",
        "zero price",
        "negative price",
        "off the tick grid",
        "above the ceiling",
        "older than the stored quote",
        "accumulated volume went down",
        "unknown symbol",
    ],
)
def test_a_bad_snapshot_is_rejected_counted_and_logged_never_stored(
    fpt, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given a stored quote
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
    before = state()
    # when a bad snapshot arrives
    with caplog.at_level(logging.WARNING, logger="market.services"):
        result = quotes_ingest(snapshots=[_bad(kind)])
    # then it is counted as rejected, logged with its symbol, and nothing is written
    assert (result.rejected, result.stored, result.ticks) == (1, 0, 0)
    assert state() == before
    symbol = "NOPE" if kind == "unknown symbol" else "FPT"
    assert symbol in result.rejections
    assert any(symbol in r.getMessage() and "rejected" in r.getMessage() for r in caplog.records)


def test_a_duplicate_in_one_batch_keeps_the_newer_snapshot(fpt) -> None:
    # given one poll that lists FPT twice
    older = snapshot(last="100100", volume=1100, as_of=T0)
    newer = snapshot(last="100200", volume=1200, as_of=T0 + timedelta(seconds=1))
    # when it is ingested
    result = quotes_ingest(snapshots=[newer, older])
    # then the newer line is stored and the other counted as rejected
    assert (result.stored, result.rejected) == (1, 1)
    assert Quote.objects.get().price == Decimal("100200")


def test_good_lines_are_stored_when_others_in_the_batch_are_rejected(fpt) -> None:
    instrument("VNM")
    result = quotes_ingest(
        snapshots=[
            snapshot(volume=1000, as_of=T0),
            snapshot("VNM", last="0", volume=5, as_of=T0),
        ]
    )
    assert (result.stored, result.rejected) == (1, 1)
    assert list(Quote.objects.values_list("instrument__symbol", flat=True)) == ["FPT"]


def test_an_index_quote_is_stored_without_a_band() -> None:
    # given the VN-Index (a level in points: no tick grid, no band)
    instrument("VNINDEX", type="index")
    quote = snapshot(
        "VNINDEX", kind="index", reference="1250.00", last="1262.37", volume=1_000_000, as_of=T0
    )
    # when its quote is ingested
    result = quotes_ingest(snapshots=[quote])
    # then it is stored with no ceiling or floor
    assert result.stored == 1
    stored = Quote.objects.get()
    assert (stored.price, stored.ceiling, stored.floor) == (Decimal("1262.37"), None, None)
    assert stored.change_pct == Decimal("0.99")


def test_on_commit_ticks_are_published_and_listeners_told(
    fpt, broadcast, django_capture_on_commit_callbacks
) -> None:
    received: list[dict[str, Any]] = []

    def listener(sender: Any, quotes: list[dict[str, Any]], **kwargs: Any) -> None:
        received.extend(quotes)

    quotes_updated.connect(listener)
    try:
        quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
        # when a poll with new volume commits
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            quotes_ingest(
                snapshots=[snapshot(last="100500", volume=1300, as_of=T0 + timedelta(seconds=1))]
            )
    finally:
        quotes_updated.disconnect(listener)
    # then the tick goes to realtime.broadcast.publish_ticks in the contract's shape
    assert callbacks
    assert broadcast[-1] == [
        {
            "symbol": "FPT",
            "price": "100500",
            "change": "500",
            "change_pct": "0.50",
            "volume": 300,
            "ts": (T0 + timedelta(seconds=1)).isoformat().replace("+00:00", "Z"),
            "seq": 1,
            "source": "simulated",
        }
    ]
    # and quotes_updated carries the new price
    assert received[-1] == {
        "symbol": "FPT",
        "price": Decimal("100500"),
        "change_pct": Decimal("0.50"),
        "as_of": T0 + timedelta(seconds=1),
    }


def test_every_stored_quote_publishes_its_board_fields(
    fpt, broadcast, board_batches, django_capture_on_commit_callbacks
) -> None:
    book = {
        "bids": ((Decimal(100400), 1200), (Decimal(100300), 5000), (Decimal(100200), 800)),
        "asks": ((Decimal(100500), 300), (Decimal(100600), 2100), (Decimal(100700), 4000)),
        "foreign_buy": 12_000,
        "foreign_sell": 9_800,
    }
    with django_capture_on_commit_callbacks(execute=True):
        quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
    # the first quote makes no tick but still goes to the board (seq: no tick yet)
    assert broadcast == []
    assert [(q["symbol"], q["seq"], q["last_volume"]) for q in board_batches[-1]] == [
        ("FPT", None, None)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        quotes_ingest(
            snapshots=[
                replace(
                    snapshot(last="100500", volume=1300, as_of=T0 + timedelta(seconds=1)), **book
                )
            ]
        )
    (quote,) = board_batches[-1]
    assert quote == {
        "symbol": "FPT",
        "price": "100500",
        "change": "500",
        "change_pct": "0.50",
        "open": quote["open"],
        "high": quote["high"],
        "low": quote["low"],
        "volume": 1300,
        "value": quote["value"],
        "last_volume": 300,
        "bids": [["100400", 1200], ["100300", 5000], ["100200", 800]],
        "asks": [["100500", 300], ["100600", 2100], ["100700", 4000]],
        "foreign_buy": 12_000,
        "foreign_sell": 9_800,
        "as_of": (T0 + timedelta(seconds=1)).isoformat().replace("+00:00", "Z"),
        "seq": 1,
    }
    # a later poll where only the book moved: a quote without a tick, the last seq kept
    with django_capture_on_commit_callbacks(execute=True):
        quotes_ingest(
            snapshots=[
                replace(
                    snapshot(last="100500", volume=1300, as_of=T0 + timedelta(seconds=2)),
                    **{**book, "bids": ((Decimal(100400), 9000),)},
                )
            ]
        )
    (quote,) = board_batches[-1]
    assert (quote["bids"], quote["seq"], quote["last_volume"]) == ([["100400", 9000]], 1, None)
    assert len(broadcast) == 1


def test_a_quote_confirmed_unchanged_is_marked_as_seen(
    fpt, django_capture_on_commit_callbacks
) -> None:
    # given a stored quote
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
    cache.delete(quote_seen_key("FPT"))
    # when the source sends the same line again
    with django_capture_on_commit_callbacks(execute=True):
        result = quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
    # then nothing is written but the quote counts as confirmed
    assert result.unchanged == 1
    assert cache.get(quote_seen_key("FPT")) is not None


@pytest.mark.django_db(transaction=True)
def test_ticks_reach_the_ticker_group_on_the_channel_layer() -> None:
    pytest.importorskip("realtime.broadcast")
    from channels.layers import get_channel_layer

    instrument("FPT")
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0)])
    layer = get_channel_layer()

    def ingest_a_trade() -> None:
        quotes_ingest(
            snapshots=[snapshot(last="100500", volume=1400, as_of=T0 + timedelta(seconds=1))]
        )

    async def scenario() -> dict[str, Any]:
        # given a client channel in the group ticker.FPT
        channel = await layer.new_channel()
        await layer.group_add("ticker.FPT", channel)
        # when a poll with new volume is ingested (and commits)
        await sync_to_async(ingest_a_trade)()
        # then the channel receives a message (bounded wait)
        return await asyncio.wait_for(layer.receive(channel), timeout=10)

    message = async_to_sync(scenario)()
    # a tick.message with that tick
    assert message["type"] == "tick.message"
    assert message["symbol"] == "FPT"
    ticks = message.get("ticks", [message])
    assert [(t["seq"], t["price"], t["volume"]) for t in ticks] == [(1, "100500", 400)]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_polls_of_the_same_board_make_one_tick() -> None:
    # given a stored quote, and two workers that fetched the same newer board line
    instrument("FPT")
    instrument("VNM")
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=T0), snapshot("VNM", volume=10, as_of=T0)])
    board = [
        snapshot(last="100500", volume=1600, as_of=T0 + timedelta(seconds=1)),
        snapshot("VNM", volume=30, as_of=T0 + timedelta(seconds=1)),
    ]
    start = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker(order: list[Any]) -> None:
        try:
            start.wait(timeout=10)
            results.append(quotes_ingest(snapshots=order))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when both ingest it at the same moment (in opposite symbol orders)
    threads = [threading.Thread(target=worker, args=(o,)) for o in (board, board[::-1])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then one of them writes the ticks and the other finds nothing new: no error, no duplicate
    assert errors == []
    assert sorted((r.ticks, r.unchanged) for r in results) == [(0, 2), (2, 0)]
    assert sorted(Tick.objects.values_list("instrument__symbol", "seq", "volume")) == [
        ("FPT", 1, 600),
        ("VNM", 1, 20),
    ]
