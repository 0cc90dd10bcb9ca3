"""Ingesting corporate events: the simulated provider's events, and the task that asks only for
held or watched instruments and never lets one symbol's garbage stop the others."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from celery import Task
from celery.exceptions import Retry

from market import tasks
from market.events import corporate_event_check, corporate_events_ingest
from market.models import CorporateEvent
from market.providers.base import (
    CorporateEventData,
    ProviderDataError,
    ProviderError,
    ProviderUnavailable,
)
from market.providers.simulated import UNIVERSE, SimulatedProvider
from portfolio.models import Portfolio, Transaction, WatchlistItem
from tests.factories import UserFactory
from tests.market.builders import instrument

STOCKS = [spec.symbol for spec in UNIVERSE if spec.type == "stock"]
INDICES = [spec.symbol for spec in UNIVERSE if spec.type == "index"]
TODAY = date(2026, 6, 1)


# --- the simulated provider ---------------------------------------------------------------------


def _all_events(seed: int = 42) -> dict[str, list[CorporateEventData] | ProviderError]:
    return SimulatedProvider(seed=seed).corporate_events(
        STOCKS + INDICES, start=date(2024, 1, 1), end=date(2027, 12, 31)
    )


def test_simulated_events_are_plausible_and_pass_the_service_checks() -> None:
    found = _all_events()
    events = [event for answer in found.values() if isinstance(answer, list) for event in answer]
    kinds = {event.kind for event in events}
    assert {"cash_dividend", "rights_issue"} <= kinds
    assert kinds & {"stock_dividend", "bonus_shares"}
    for event in events:
        corporate_event_check(data=event)  # raises on impossible terms
        if event.kind == "cash_dividend":
            assert event.cash_per_share is not None
            assert Decimal(500) <= event.cash_per_share <= Decimal(3000)
        elif event.kind in ("stock_dividend", "bonus_shares"):
            assert event.ratio_old == 100
            assert event.ratio_new is not None
            assert 10 <= event.ratio_new <= 20
        else:
            assert event.subscription_price in (Decimal(10_000), Decimal(12_000))
        assert event.record_date is not None
        assert event.ex_date is not None
        assert event.ex_date < event.record_date
    assert all(found[index] == [] for index in INDICES)


def test_simulated_events_are_the_same_in_every_process_and_differ_by_seed() -> None:
    assert _all_events() == _all_events()
    assert _all_events(seed=7) != _all_events()


def test_simulated_events_stay_inside_the_asked_window() -> None:
    start, end = date(2025, 6, 1), date(2025, 8, 31)
    found = SimulatedProvider(seed=42).corporate_events(STOCKS, start=start, end=end)
    for answer in found.values():
        assert isinstance(answer, list)
        assert all(e.ex_date is not None and start <= e.ex_date <= end for e in answer)


def test_an_unknown_symbol_is_a_data_error_for_that_symbol_only() -> None:
    found = SimulatedProvider(seed=42).corporate_events(
        ["NOPE", "FPT"], start=date(2024, 1, 1), end=date(2026, 12, 31)
    )
    assert isinstance(found["NOPE"], ProviderDataError)
    assert isinstance(found["FPT"], list)


# --- the ingestion ------------------------------------------------------------------------------


class ScriptedEvents:
    """A provider answering corporate events from a table, recording the symbols asked for."""

    name = "scripted"

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[list[str]] = []

    def corporate_events(self, symbols: Sequence[str], *, start: date, end: date) -> dict[str, Any]:
        self.asked.append(list(symbols))
        return {s: self.answers.get(s, []) for s in symbols}


def cash(symbol: str, amount: str = "1500", ex: date = date(2026, 6, 15)) -> CorporateEventData:
    return CorporateEventData(
        symbol=symbol,
        kind="cash_dividend",
        source="scripted",
        source_id=f"{symbol}-{ex}",
        ex_date=ex,
        record_date=ex + timedelta(days=1),
        cash_per_share=Decimal(amount),
    )


@pytest.fixture
def holdings(db: Any) -> None:
    """FPT held, VNM sold out, HPG only watched, ACB untouched."""
    for symbol in ("FPT", "VNM", "HPG", "ACB"):
        instrument(symbol)
    user = UserFactory()
    portfolio = Portfolio.objects.create(owner=user, name="Main")

    def trade(symbol: str, kind: str, quantity: int) -> None:
        Transaction.objects.create(
            portfolio=portfolio,
            kind=kind,
            instrument=instrument_of(symbol),
            quantity=quantity,
            price=Decimal(50_000),
            trade_date=date(2026, 3, 2),
            settle_date=date(2026, 3, 4),
        )

    trade("FPT", "BUY", 1000)
    trade("VNM", "BUY", 500)
    trade("VNM", "SELL", 500)
    WatchlistItem.objects.create(user=user, instrument=instrument_of("HPG"))


def instrument_of(symbol: str) -> Any:
    from market.models import Instrument

    return Instrument.objects.get(symbol=symbol)


@pytest.mark.django_db
def test_only_held_or_watched_instruments_are_asked_for(holdings: None) -> None:
    provider = ScriptedEvents({"FPT": [cash("FPT")], "ACB": [cash("ACB")]})
    report = corporate_events_ingest(provider=provider, today=TODAY)  # type: ignore[arg-type]
    assert provider.asked == [["FPT", "HPG"]]
    assert report.created == 1
    assert list(CorporateEvent.objects.values_list("instrument__symbol", flat=True)) == ["FPT"]


@pytest.mark.django_db
def test_re_running_the_ingestion_writes_nothing_new(holdings: None) -> None:
    provider = ScriptedEvents({"FPT": [cash("FPT")], "HPG": [cash("HPG")]})
    corporate_events_ingest(provider=provider, today=TODAY)  # type: ignore[arg-type]
    again = corporate_events_ingest(provider=provider, today=TODAY)  # type: ignore[arg-type]
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert CorporateEvent.objects.count() == 2


@pytest.mark.django_db
def test_one_symbols_garbage_does_not_stop_the_others(
    holdings: None, caplog: pytest.LogCaptureFixture
) -> None:
    provider = ScriptedEvents(
        {
            "FPT": ProviderDataError("FPT: events reply has no exrightDate column"),
            "HPG": [cash("HPG", amount="-100"), cash("HPG", ex=date(2026, 7, 1))],
        }
    )
    with caplog.at_level(logging.WARNING, logger="market.events"):
        report = corporate_events_ingest(provider=provider, today=TODAY)  # type: ignore[arg-type]
    assert report.failed == {"FPT": "FPT: events reply has no exrightDate column"}
    assert len(report.rejected) == 1
    assert report.created == 1
    assert CorporateEvent.objects.get().instrument.symbol == "HPG"
    assert "no exrightDate column" in caplog.text
    assert "greater than zero" in caplog.text


@pytest.mark.django_db
def test_the_task_retries_only_the_symbols_whose_source_was_unavailable(
    holdings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = ScriptedEvents({"FPT": ProviderUnavailable("timeout"), "HPG": [cash("HPG")]})
    monkeypatch.setattr(tasks, "get_provider", lambda: provider)
    retries: list[dict[str, Any]] = []

    def fake_retry(self: Any, **kwargs: Any) -> Retry:
        retries.append(kwargs)
        return Retry("retry", kwargs.get("exc"), when=kwargs.get("countdown"))

    monkeypatch.setattr(Task, "retry", fake_retry)
    with pytest.raises(Retry):
        tasks.corporate_events_ingest.apply(throw=True)
    assert retries[0]["kwargs"] == {"symbols": ["FPT"]}
    assert CorporateEvent.objects.get().instrument.symbol == "HPG"


@pytest.mark.django_db
def test_the_task_stores_the_simulated_events_of_held_symbols(
    holdings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "get_provider", lambda: SimulatedProvider(seed=42))
    result = tasks.corporate_events_ingest.apply(throw=True).get()
    stored = set(CorporateEvent.objects.values_list("instrument__symbol", flat=True))
    assert stored <= {"FPT", "HPG"}
    assert result["created"] == CorporateEvent.objects.count() > 0
    again = tasks.corporate_events_ingest.apply(throw=True).get()
    assert again["created"] == 0
    assert again["unchanged"] == result["created"]
