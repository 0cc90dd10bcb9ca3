"""Fixtures of the reliability tests: instruments for the ledger machine, and the real stack."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from market.models import Instrument
from tests.portfolio.factories import InstrumentFactory
from tests.reliability.stack import Stack, build_stack


@pytest.fixture
def instruments(db: Any) -> dict[str, Instrument]:
    return {symbol: InstrumentFactory(symbol=symbol) for symbol in ("FPT", "VNM")}


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> None:
    """No portfolio.changed publications from the in-process tests."""
    monkeypatch.setattr("realtime.broadcast.publish_portfolio_changed", lambda portfolio_id: None)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One real stack (own Redis, own PostgreSQL when possible) shared by the outage and soak tests."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on PATH")
    yield from build_stack(tmp_path_factory.mktemp("reliability"))
