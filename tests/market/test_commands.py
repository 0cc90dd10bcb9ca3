"""Management commands: sync_instruments, backfill_history (groups, progress, rate limits), seed_market."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from market.management.commands.backfill_history import backfill_symbols
from market.models import Bar, Instrument
from market.providers.base import ProviderRateLimited, ProviderUnavailable
from market.providers.simulated import SimulatedProvider
from tests.market.builders import daily_bar, instrument, vn

pytestmark = pytest.mark.django_db

NOW = vn(date(2026, 3, 2), "18:00")  # a Monday evening


@pytest.fixture
def simulated(monkeypatch: pytest.MonkeyPatch) -> SimulatedProvider:
    provider = SimulatedProvider(clock=lambda: NOW, seed=7)
    for target in (
        "market.management.commands.sync_instruments.get_provider",
        "market.management.commands.backfill_history.get_provider",
        "market.management.commands.seed_market.get_provider",
        "market.services.instruments.get_provider",
        "market.services.quotes.get_provider",
        "market.services.history.get_provider",
    ):
        monkeypatch.setattr(target, lambda provider=provider: provider)
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return provider


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sync_instruments_loads_the_providers_list(simulated) -> None:
    out, _ = run("sync_instruments")
    assert "created" in out
    assert Instrument.objects.filter(groups__code="VN30").count() == 30


def test_backfill_history_expands_a_group_and_shows_progress(simulated) -> None:
    run("sync_instruments")
    out, err = run("backfill_history", "--symbols", "VN30", "--days", "20")
    assert "30 symbols fetched" in out
    assert "30/30" in err  # the tqdm progress bar
    assert Bar.objects.filter(interval="1d").values("instrument").distinct().count() == 30
    days = Bar.objects.filter(interval="1d", instrument__symbol="FPT").count()
    assert 10 <= days <= 15  # trading days in 20 calendar days
    # running it again changes nothing
    before = list(Bar.objects.order_by("id").values_list("id", "close"))
    out, _ = run("backfill_history", "--symbols", "FPT,VNM", "--days", "20", "--no-progress")
    assert "0 bars written" in out
    assert list(Bar.objects.order_by("id").values_list("id", "close")) == before


def test_backfill_history_refuses_unknown_symbols(simulated) -> None:
    run("sync_instruments")
    with pytest.raises(CommandError, match="NOPE"):
        run("backfill_history", "--symbols", "FPT,NOPE")


class Flaky:
    """Fails as scripted, then serves one daily bar."""

    name = "flaky"

    def __init__(self, script: list[Exception]) -> None:
        self.script = script
        self.calls = 0

    def history(self, symbol: str, **kwargs: Any) -> list[Any]:
        self.calls += 1
        if self.script:
            raise self.script.pop(0)
        return [daily_bar(symbol, kwargs["end"], "100000")]


def test_a_rate_limited_backfill_waits_and_goes_on() -> None:
    instrument("FPT")
    waits: list[float] = []
    provider = Flaky([ProviderRateLimited("spent", retry_after=25)])
    run_ = backfill_symbols(
        symbols=["FPT"], days=5, provider=provider, progress=False, sleep=waits.append
    )  # type: ignore[arg-type]
    assert waits == [25]
    assert (run_.done, run_.written, provider.calls) == (["FPT"], 1, 2)


def test_a_symbol_whose_source_stays_down_is_reported_and_the_others_done() -> None:
    instrument("FPT")
    instrument("VNM")
    down = ProviderUnavailable("HTTP 502")
    provider = Flaky([down, down, down])
    run_ = backfill_symbols(
        symbols=["FPT", "VNM"], days=5, provider=provider, progress=False, sleep=lambda s: None
    )  # type: ignore[arg-type]
    assert run_.failed == {"FPT": "HTTP 502"}
    assert run_.done == ["VNM"]


def test_seed_market_is_idempotent_and_makes_the_market_live(simulated) -> None:
    # given an empty database, when seed_market runs twice
    out, _ = run("seed_market", "--days", "30", "--no-progress")
    bars = Bar.objects.count()
    rows = list(Bar.objects.order_by("id").values_list("id", "close", "volume"))
    second, _ = run("seed_market", "--days", "30", "--no-progress")
    # then instruments, daily history for VN30 and the indices, and the schedules exist once
    assert "market data provider: simulated" in out
    assert Instrument.objects.filter(groups__code="VN30").count() == 30
    with_history = set(Bar.objects.values_list("instrument__symbol", flat=True))
    assert {"FPT", "VNINDEX", "VN30"} <= with_history
    assert bars > 30 * 15
    assert list(Bar.objects.order_by("id").values_list("id", "close", "volume")) == rows
    assert "0 symbols fetched" in second
    assert PeriodicTask.objects.filter(name__startswith="market:").count() == 8


class ListingOnly(SimulatedProvider):
    """The simulated listing under another name: a provider whose history must not be fetched here."""

    name = "vnstock"

    def history(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise AssertionError("seed_market must hand a vnstock backfill to the worker")


def test_seed_market_hands_a_vnstock_backfill_to_the_worker(monkeypatch) -> None:
    provider = ListingOnly(clock=lambda: NOW)
    monkeypatch.setattr("market.management.commands.seed_market.get_provider", lambda: provider)
    # when seed_market runs (twice) with a rate-limited provider
    out, _ = run("seed_market", "--no-progress")
    run("seed_market", "--no-progress")
    # then the history is a one-off task for beat, armed once, with VN30 and the indices
    assert "queued for the worker" in out
    task = PeriodicTask.objects.get(name="market: first history backfill")
    kwargs = json.loads(task.kwargs)
    assert (task.task, task.one_off, task.enabled) == ("market.backfill_history", True, True)
    assert {"FPT", "VNINDEX"} <= set(kwargs["symbols"])
    assert (kwargs["days"], kwargs["only_missing"]) == (730, True)
    assert not Bar.objects.exists()
