"""The market-stream snapshot: REST-identical quotes plus each symbol's latest tick seq."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from market.models import DataSource, Quote, Tick
from market.selectors import quote_map
from market.serializers import QuoteSerializer
from realtime.consumers import tick_frames
from realtime.snapshot import latest_seqs, snapshot_quotes
from tests.realtime.builders import AS_OF, instrument_with_quote

pytestmark = pytest.mark.django_db


def test_a_snapshot_taken_after_a_quote_moved_shows_the_new_quote() -> None:
    # given a snapshot of FPT already taken (and so rendered once)
    instrument_with_quote("FPT", price="100000")
    (before,) = snapshot_quotes(symbols=["FPT"])
    # when the quote moves and a new snapshot is taken
    Quote.objects.filter(instrument__symbol="FPT").update(
        price=Decimal("101000"), as_of=AS_OF + timedelta(seconds=3)
    )
    (after,) = snapshot_quotes(symbols=["FPT"])
    # then the new snapshot is the REST rendering of the new quote, not the earlier one
    assert before["price"] == "100000"
    expected = dict(QuoteSerializer(quote_map(symbols=["FPT"])["FPT"]).data)
    assert after == {**expected, "seq": None}
    assert after["price"] == "101000"


def test_latest_seqs_gives_each_symbols_highest_seq_and_skips_symbols_without_ticks() -> None:
    # given FPT with ticks 1..3 and VNM without ticks
    fpt = instrument_with_quote("FPT")
    instrument_with_quote("VNM")
    for seq in (1, 3, 2):
        Tick.objects.create(
            instrument=fpt,
            seq=seq,
            time=AS_OF + timedelta(seconds=seq),
            price=Decimal("100000"),
            volume=100,
            source=DataSource.SIMULATED,
        )
    # when the latest seqs are read
    # then FPT's is 3 and VNM has none
    assert latest_seqs(symbols=["FPT", "VNM"]) == {"FPT": 3}


def test_tick_frames_are_rendered_once_per_event_and_shared() -> None:
    # given one tick.message event, as every local subscriber receives it
    event = {
        "type": "tick.message",
        "symbol": "FPT",
        "ticks": [{"price": "100100", "seq": 7, "ts": "2025-03-03T03:00:01Z"}],
    }
    # when two subscribers ask for its frames
    first, second = tick_frames(event), tick_frames(event)
    # then both get the same rendered ASGI message: the tick message of the protocol
    assert first is second
    assert first == [
        (
            7,
            {
                "type": "websocket.send",
                "text": '{"type":"tick","symbol":"FPT","price":"100100","seq":7,'
                '"ts":"2025-03-03T03:00:01Z"}',
            },
        )
    ]
