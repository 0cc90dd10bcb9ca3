"""The checks the ingestion service runs on provider records before storing them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from market.calendar import Exchange
from market.providers.base import BarData, QuoteSnapshot, TickData
from market.providers.validation import validate_bar, validate_quote, validate_tick

D = Decimal
NOW = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)

GOOD_QUOTE = QuoteSnapshot(
    symbol="HPG",
    exchange=Exchange.HOSE,
    reference=D(27_000),
    ceiling=D(28_850),
    floor=D(25_150),
    last=D(27_350),
    open=D(27_050),
    high=D(27_500),
    low=D(26_900),
    volume=1_250_000,
    value=D(34_000_000_000),
    bids=((D(27_300), 5_000), (D(27_250), 2_000)),
    asks=((D(27_350), 1_000), (D(27_400), 700)),
    foreign_buy=10_000,
    foreign_sell=2_000,
    as_of=NOW,
    source="test",
)
GOOD_BAR = BarData("HPG", "1d", NOW, D(27_050), D(27_500), D(26_900), D(27_350), 1_000, None, "t")
GOOD_TICK = TickData("HPG", NOW, D(27_350), 300, "buy", "x:1", "test")


def test_a_sound_quote_bar_and_tick_pass() -> None:
    assert validate_quote(GOOD_QUOTE, instrument_type="stock") == []
    assert validate_bar(GOOD_BAR) == []
    band = (D(25_150), D(28_850))
    assert validate_tick(GOOD_TICK, reference_band=band, exchange=Exchange.HOSE) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"last": D("NaN")}, "last is not a finite number"),
        ({"last": D(0)}, "last must be positive"),
        ({"last": D(27_330)}, "last 27330 is off the HOSE tick grid"),
        ({"last": D(29_000), "high": D(29_000)}, "last 29000 outside the band"),
        ({"high": D(26_800)}, "high 26800 below low 26900"),
        ({"open": D(27_600)}, "open 27600 outside low/high"),
        ({"ceiling": None}, "ceiling missing"),
        ({"bids": ((D(25_000), 100),)}, "bid 1 25000 outside the band"),
        ({"asks": ((D(27_400), -5),)}, "ask 1 volume is negative"),
        ({"volume": -1}, "volume is negative"),
        ({"value": D("-1")}, "value must be a non-negative number"),
        ({"as_of": datetime(2026, 3, 4, 10, 0)}, "as_of is a naive datetime"),
    ],
)
def test_a_broken_quote_is_rejected_with_its_reason(changes: dict, reason: str) -> None:
    broken = dataclasses.replace(GOOD_QUOTE, **changes)
    reasons = validate_quote(broken, instrument_type="stock")
    assert any(reason in r for r in reasons), reasons


def test_an_index_quote_skips_grid_and_band_but_not_sanity() -> None:
    index = dataclasses.replace(
        GOOD_QUOTE,
        symbol="VNINDEX",
        reference=D("1655.47"),
        ceiling=None,
        floor=None,
        last=D("1644.83"),
        open=D("1655.47"),
        high=D("1659.90"),
        low=D("1640.02"),
        bids=(),
        asks=(),
    )
    assert validate_quote(index, instrument_type="index") == []
    sunk = dataclasses.replace(index, low=D("1700"))
    assert validate_quote(sunk, instrument_type="index") != []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"high": D(26_000)}, "high 26000 below low"),
        ({"close": D(28_000)}, "close 28000 outside low/high"),
        ({"open": D("Infinity")}, "open is not a finite number"),
        ({"volume": -10}, "volume is negative"),
        ({"interval": "2h"}, "unknown interval"),
        ({"start": datetime(2026, 3, 4)}, "start is a naive datetime"),
    ],
)
def test_a_broken_bar_is_rejected(changes: dict, reason: str) -> None:
    reasons = validate_bar(dataclasses.replace(GOOD_BAR, **changes))
    assert any(reason in r for r in reasons), reasons


def test_adjusted_history_off_the_grid_is_accepted() -> None:
    adjusted = dataclasses.replace(GOOD_BAR, close=D(27_123), high=D(27_500))
    assert validate_bar(adjusted) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"price": D(30_000)}, "outside the band"),
        ({"price": D(27_355)}, "off the HOSE tick grid"),
        ({"volume": 0}, "volume must be positive"),
        ({"side": "short"}, "unknown side"),
        ({"price": D("NaN")}, "price is not a finite number"),
    ],
)
def test_a_broken_tick_is_rejected(changes: dict, reason: str) -> None:
    band = (D(25_150), D(28_850))
    tick = dataclasses.replace(GOOD_TICK, **changes)
    reasons = validate_tick(tick, reference_band=band, exchange=Exchange.HOSE)
    assert any(reason in r for r in reasons), reasons
