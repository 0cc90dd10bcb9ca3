"""Fixtures of the reliability tests: the portfolio instruments for the ledger machine."""

from __future__ import annotations

from typing import Any

import pytest

from market.models import Instrument
from tests.portfolio.factories import InstrumentFactory


@pytest.fixture
def instruments(db: Any) -> dict[str, Instrument]:
    return {symbol: InstrumentFactory(symbol=symbol) for symbol in ("FPT", "VNM")}


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> None:
    """No portfolio.changed publications from the in-process tests."""
    monkeypatch.setattr("realtime.broadcast.publish_portfolio_changed", lambda portfolio_id: None)
