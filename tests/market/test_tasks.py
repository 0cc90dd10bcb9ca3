"""Celery tasks: the paced quote poll with its back-off, retries of the other tasks, the daily close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings

from market import tasks
from market.models import Bar, Quote
from market.providers.base import ProviderDataError, ProviderRateLimited, ProviderUnavailable
from market.services import quotes_ingest
from portfolio_site.redis_client import get_redis
from tests.market.builders import MONDAY, instrument, snapshot, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]

OPEN = vn(MONDAY, "10:00")
SUNDAY = vn(MONDAY - timedelta(days=1), "10:00")


class FakeProvider:
    """A provider whose price board answers from a script: quotes, or an error to raise."""

    def __init__(self, name: str = "vnstock", script: Sequence[Any] = ()) -> None:
        self.name = name
        self.script = list(script)
        self.board_calls: list[list[str]] = []
        self.instrument_calls = 0
        self.history_calls: list[str] = []

    def _next(self) -> Any:
        step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        return step

    def price_board(self, symbols: Sequence[str]) -> list[Any]:
        self.board_calls.append(list(symbols))
        step = self._next()
        when = step or OPEN
        return [snapshot(s, volume=1000, as_of=when) for s in symbols]

    def list_instruments(self) -> list[Any]:
        self.instrument_calls += 1
        self._next()
        return []

    def history(self, symbol: str, **kwargs: Any) -> list[Any]:
        self.history_calls.append(symbol)
        self._next()
        return []


@pytest.fixture
def vn30(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTE_POLL_SECONDS = 0
    settings.VNSTOCK_CALLS_PER_MINUTE = 20
    settings.SIMULATED_ALWAYS_OPEN = False
    instrument("FPT", groups=("VN30",))
    instrument("VNM", groups=("VN30",))


def use(monkeypatch: pytest.MonkeyPatch, provider: FakeProvider) -> FakeProvider:
    monkeypatch.setattr(tasks, "get_provider", lambda: provider)
    for module in ("instruments", "quotes", "history"):
        monkeypatch.setattr(f"market.services.{module}.get_provider", lambda: provider)
    return provider


def gate_ms() -> int:
    return int(get_redis().pttl(f"{django_settings.REDIS_KEY_PREFIX}:market:poll:gate"))


# --- pacing -------------------------------------------------------------------------------------


def test_the_poll_period_fits_the_vnstock_budget(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTE_POLL_SECONDS = 0
    settings.VNSTOCK_CALLS_PER_MINUTE = 20
    stocks = [f"S{i}" for i in range(30)]
    # one board call for 30 stocks + one call per index, within 75% of 20 calls a minute
    assert tasks.poll_period_seconds(provider_name="vnstock", symbols=stocks) == 4.0
    assert tasks.poll_period_seconds(provider_name="vnstock", symbols=[*stocks, "VNINDEX"]) == 8.0
    settings.VNSTOCK_CALLS_PER_MINUTE = 60
    assert tasks.poll_period_seconds(provider_name="vnstock", symbols=stocks * 3) == 2.0 * 2 / 1.5


def test_the_simulated_feed_polls_every_one_to_two_seconds(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QUOTE_POLL_SECONDS = 0
    settings.SIMULATED_STEP_SECONDS = 0.5
    assert tasks.poll_period_seconds(provider_name="simulated", symbols=["FPT"]) == 1.0
    settings.SIMULATED_STEP_SECONDS = 5
    assert tasks.poll_period_seconds(provider_name="simulated", symbols=["FPT"]) == 2.0
    settings.QUOTE_POLL_SECONDS = 7
    assert tasks.poll_period_seconds(provider_name="simulated", symbols=["FPT"]) == 7.0


def test_no_poll_while_the_market_is_closed(vn30, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    provider = use(monkeypatch, FakeProvider())
    result = tasks.quotes_poll(now=SUNDAY)
    assert result == {"skipped": "no session open"}
    assert provider.board_calls == []


def test_the_simulated_feed_polls_at_any_hour_when_always_open(vn30, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SIMULATED_ALWAYS_OPEN = True
    provider = use(monkeypatch, FakeProvider(name="simulated"))
    result = tasks.quotes_poll(now=SUNDAY)
    assert result["stored"] == 2
    assert provider.board_calls == [["FPT", "VNM"]]


def test_polls_closer_than_the_period_are_skipped(vn30, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # given a poll that just ran
    provider = use(monkeypatch, FakeProvider())
    first = tasks.quotes_poll(now=OPEN)
    # when beat fires again a moment later
    second = tasks.quotes_poll(now=OPEN)
    # then the second one does not call the provider
    assert first["stored"] == 2
    assert second == {"skipped": "paced"}
    assert len(provider.board_calls) == 1
    assert 0 < gate_ms() <= 4000


def test_a_rate_limit_pauses_polling_until_retry_after(vn30, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    provider = use(
        monkeypatch, FakeProvider(script=[ProviderRateLimited("budget spent", retry_after=40)])
    )
    result = tasks.quotes_poll(now=OPEN)
    assert result["skipped"] == "rate limited"
    # the gate now holds for at least retry_after: no storm of calls against the limit
    assert 40_000 <= gate_ms() <= 49_000
    assert tasks.quotes_poll(now=OPEN) == {"skipped": "paced"}
    assert len(provider.board_calls) == 1


def test_an_unavailable_provider_backs_off_exponentially_and_quotes_turn_stale(
    vn30, monkeypatch, settings
) -> None:  # type: ignore[no-untyped-def]
    # given stored quotes from a working provider
    quotes_ingest(snapshots=[snapshot("FPT", volume=1000, as_of=OPEN - timedelta(minutes=5))])
    down = ProviderUnavailable("HTTP 503")
    provider = use(
        monkeypatch, FakeProvider(script=[down, down, down, ProviderDataError("schema")])
    )
    redis = get_redis()
    gate = f"{django_settings.REDIS_KEY_PREFIX}:market:poll:gate"
    waits = []
    # when the provider fails again and again
    for _ in range(4):
        redis.delete(gate)
        assert tasks.quotes_poll(now=OPEN)["skipped"] == "provider unavailable"
        waits.append(gate_ms() / 1000)
    # then each wait is a jittered doubling of the period (4 s), capped at 5 minutes
    for failures, wait in enumerate(waits, start=1):
        ceiling = min(300, 4 * 2**failures)
        assert ceiling / 2 - 0.1 <= wait <= ceiling
    # and the stored quote is still there, now stale
    from market.selectors import quote_map

    assert quote_map(symbols=["FPT"], now=OPEN)["FPT"].stale
    # when the provider recovers, the failure count starts again
    redis.delete(gate)
    assert tasks.quotes_poll(now=OPEN)["stored"] == 2
    assert not redis.exists(f"{django_settings.REDIS_KEY_PREFIX}:market:poll:failures")
    assert len(provider.board_calls) == 5


def test_a_forced_poll_ignores_the_session_and_the_gate(vn30, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    provider = use(monkeypatch, FakeProvider())
    tasks.quotes_poll(now=OPEN)
    assert tasks.quotes_poll(now=SUNDAY, force=True)["stored"] == 0  # same as_of: unchanged
    assert len(provider.board_calls) == 2


def test_the_poll_task_survives_a_redis_outage(vn30, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import redis.exceptions

    def boom(**kwargs: Any) -> Any:
        raise redis.exceptions.ConnectionError("down")

    monkeypatch.setattr(tasks, "quotes_poll", boom)
    assert tasks.poll_quotes() == {"skipped": "redis unavailable"}


# --- retries of the other tasks -----------------------------------------------------------------


@pytest.fixture
def retries(monkeypatch) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Record the retries tasks ask for instead of scheduling them."""
    calls: list[dict[str, Any]] = []

    def fake_retry(self: Any, **kwargs: Any) -> Retry:
        calls.append(kwargs)
        return Retry("retry", kwargs.get("exc"), when=kwargs.get("countdown"))

    from celery.app.task import Task

    monkeypatch.setattr(Task, "retry", fake_retry)
    return calls


def test_instrument_sync_retries_after_the_rate_limit(monkeypatch, retries) -> None:  # type: ignore[no-untyped-def]
    use(monkeypatch, FakeProvider(script=[ProviderRateLimited("slow down", retry_after=30)]))
    with pytest.raises(Retry):
        tasks.sync_instruments()
    (retry,) = retries
    assert 30 <= retry["countdown"] <= 36


def test_instrument_sync_backs_off_when_the_provider_is_down(monkeypatch, retries) -> None:  # type: ignore[no-untyped-def]
    use(monkeypatch, FakeProvider(script=[ProviderUnavailable("offline")]))
    with pytest.raises(Retry):
        tasks.sync_instruments()
    (retry,) = retries
    assert 15 <= retry["countdown"] <= 30
    assert retry["max_retries"] == tasks.RETRY_MAX


def test_a_backfill_retries_with_the_symbols_it_has_not_done(monkeypatch, retries) -> None:  # type: ignore[no-untyped-def]
    instrument("FPT", groups=("VN30",))
    instrument("VNM", groups=("VN30",))
    instrument("HPG", groups=("VN30",))
    provider = use(
        monkeypatch, FakeProvider(script=[None, ProviderRateLimited("spent", retry_after=20)])
    )
    with pytest.raises(Retry):
        tasks.backfill_history(symbols=["VN30", "NOPE"], days=30)
    assert provider.history_calls == ["FPT", "HPG"]
    (retry,) = retries
    assert retry["kwargs"] == {
        "symbols": ["HPG", "VNM"],
        "days": 30,
        "only_missing": False,
        "interval": "1d",
    }


def test_the_daily_close_skips_non_trading_days_and_closes_trading_days(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    instrument("FPT")
    quotes_ingest(snapshots=[snapshot(last="101000", volume=5000, as_of=vn(MONDAY, "14:50"))])
    assert "not a trading day" in tasks.close_daily_bars(day="2026-01-04")["skipped"]
    result = tasks.close_daily_bars(day=MONDAY.isoformat())
    assert result == {"day": "2026-01-05", "closed": 1}
    assert Bar.objects.get(interval="1d").close == Decimal("101000")
    assert Quote.objects.count() == 1


def test_polls_are_summarised_in_one_info_line_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    from market.poll_log import poll_record

    # Given a minute of polls, one a second from two worker processes: most store quotes, some
    # are paced or rate limited
    start = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    caplog.set_level("DEBUG", logger="market.tasks")
    for second in range(60):
        if second % 20 == 19:
            result: dict[str, Any] = {"skipped": "rate limited", "retry_after": 3.0}
        elif second % 2:
            result = {"skipped": "paced"}
        else:
            result = {"symbols": 33, "stored": 30, "unchanged": 3, "rejected": 0, "ticks": 40}
        poll_record(result=result, now=start + timedelta(seconds=second))
    assert [r for r in caplog.records if r.levelname == "INFO"] == []  # not a minute yet
    # When the next minute's polls land, in either process
    for second in (60, 61, 62):
        poll_record(result={"skipped": "paced"}, now=start + timedelta(seconds=second))
    # Then one INFO line tells what the finished minute's polls did, once
    [line] = [r.getMessage() for r in caplog.records if r.levelname == "INFO"]
    assert line == (
        "quote polls 03:00-03:01 UTC: 30 ran (900 stored, 90 unchanged, 0 rejected, 1200 ticks,"
        " 0 bars), skipped: 27 paced, 3 rate limited"
    )


def test_the_summary_is_skipped_while_redis_is_down(caplog: pytest.LogCaptureFixture) -> None:
    import redis

    from market.poll_log import poll_record

    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    poll_record(result={"stored": 1}, now=datetime(2026, 3, 4, 3, 0, tzinfo=UTC), client=dead)
    assert [r.levelname for r in caplog.records if r.name == "market.tasks"] in ([], ["DEBUG"])


def test_each_poll_is_logged_at_debug(vn30, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tasks, "quotes_poll", lambda force=False: {"skipped": "paced"})
    caplog.set_level("DEBUG", logger="market.tasks")
    tasks.poll_quotes()
    [debug] = [r for r in caplog.records if r.name == "market.tasks"]
    assert debug.levelname == "DEBUG"
    assert debug.getMessage() == "quote poll: {'skipped': 'paced'}"
