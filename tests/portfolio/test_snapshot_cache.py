"""The folded ledger's cache entry: one round trip on a hit, never a snapshot of an older ledger
(nor one computed from a read replica, portfolio_site/db_router.py)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from market.calendar import trading_days_between
from portfolio import selectors, services, snapshot_cache
from portfolio.models import Portfolio
from portfolio.services import market_today
from portfolio_site import db_router
from portfolio_site.cache import FailSafeRedisCache
from tests.site.test_cache import DEAD_REDIS, make_cache

_ids = itertools.count(uuid.uuid4().int % 10**9 + 10**9)  # ids no test portfolio has


def _counting(values: list[str]) -> tuple[Callable[[], str], list[int]]:
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return values[min(len(calls), len(values)) - 1]

    return compute, calls


def _read(portfolio_id: int, compute: Callable[[], str], stamp: str = "s") -> str:
    return snapshot_cache.cached_for_portfolio(portfolio_id, "ledger", stamp, compute, timeout=60)


@pytest.fixture
def redis_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the cache calls made (each one Redis round trip), still served by Redis."""
    calls: list[str] = []
    for name in ("get", "get_many", "add", "set"):
        original = getattr(FailSafeRedisCache, name)

        def spy(
            self: Any, *args: Any, _name: str = name, _original: Any = original, **kw: Any
        ) -> Any:
            calls.append(_name)
            return _original(self, *args, **kw)

        monkeypatch.setattr(FailSafeRedisCache, name, spy)
    return calls


def test_a_hit_is_one_round_trip_and_computes_nothing(redis_calls: list[str]) -> None:
    # given a portfolio whose ledger was folded once
    portfolio_id = next(_ids)
    compute, computed = _counting(["folded"])
    assert _read(portfolio_id, compute) == "folded"
    redis_calls.clear()
    # when it is read again
    assert _read(portfolio_id, compute) == "folded"
    # then the version and the entry came in one MGET, and nothing was folded again
    assert redis_calls == ["get_many"]
    assert len(computed) == 1


def test_a_bumped_version_or_another_stamp_is_a_miss() -> None:
    portfolio_id = next(_ids)
    compute, computed = _counting(["v1", "v2", "v3"])
    assert _read(portfolio_id, compute) == "v1"
    # a transaction was committed: the version is bumped
    snapshot_cache.invalidate_portfolio(portfolio_id)
    assert _read(portfolio_id, compute) == "v2"
    assert _read(portfolio_id, compute) == "v2"
    # the portfolio's settings (updated_at) or the day changed: another stamp
    assert _read(portfolio_id, compute, stamp="t") == "v3"
    assert len(computed) == 3


def test_an_entry_written_late_for_an_older_version_is_never_served() -> None:
    # given a reader that read version 1 and folded the old rows, while a transaction was
    # committed (version 2) and another reader cached the new fold
    portfolio_id = next(_ids)
    compute, _ = _counting(["new"])
    old_version = snapshot_cache.portfolio_version(portfolio_id)
    snapshot_cache.invalidate_portfolio(portfolio_id)
    assert _read(portfolio_id, compute) == "new"
    # when the slow reader writes its old fold over the entry
    entry_key = f"portfolio:{portfolio_id}:ledger"
    cache.set(entry_key, (f"{old_version}:s", "old"), 60)
    # then the next reader does not serve it: it folds again
    recompute, computed = _counting(["new again"])
    assert _read(portfolio_id, recompute) == "new again"
    assert computed == [1]


def test_during_a_redis_outage_the_ledger_is_just_folded(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.REDIS_OUTAGE_COOLDOWN = 0.0
    monkeypatch.setattr(snapshot_cache, "cache", make_cache(DEAD_REDIS))
    compute, computed = _counting(["folded"])
    assert _read(next(_ids), compute) == "folded"
    assert _read(next(_ids), compute) == "folded"
    assert len(computed) == 2


@pytest.mark.django_db
def test_the_valuation_snapshot_is_the_folded_ledger_without_its_history(
    portfolio: Portfolio,
) -> None:
    # given a portfolio that bought and sold FPT
    services.transaction_record(
        portfolio=portfolio, kind="DEPOSIT", trade_date=_day(0), amount=Decimal(10**8)
    )
    services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        trade_date=_day(1),
        symbol="FPT",
        quantity=200,
        price=Decimal(95_000),
    )
    services.transaction_record(
        portfolio=portfolio,
        kind="SELL",
        trade_date=_day(5),
        symbol="FPT",
        quantity=100,
        price=Decimal(99_000),
    )
    portfolio.refresh_from_db()
    full = selectors.ledger_snapshot(portfolio=portfolio)
    lean = selectors.valuation_snapshot(portfolio=portfolio)
    # then the valuation's snapshot has the same figures but no sales
    assert full.state.positions["FPT"].sales
    assert not lean.state.positions["FPT"].sales
    assert lean.state.positions["FPT"].realized_vnd == full.state.positions["FPT"].realized_vnd
    assert lean.state.cash == full.state.cash
    # and a later transaction reaches both
    services.transaction_record(
        portfolio=portfolio,
        kind="SELL",
        trade_date=_day(6),
        symbol="FPT",
        quantity=100,
        price=Decimal(99_000),
    )
    portfolio.refresh_from_db()
    assert selectors.valuation_snapshot(portfolio=portfolio).state.positions["FPT"].quantity == 0


def _day(n: int) -> date:
    """The n-th of the last ten trading days up to today."""
    today = market_today()
    days = trading_days_between(today - timedelta(days=30), today)
    return days[-10 + n]


def test_a_snapshot_computed_from_a_replica_is_served_but_not_stored() -> None:
    key = f"portfolio:test:{uuid.uuid4().hex}"
    token = db_router.read_from("replica_0")
    try:
        assert (
            snapshot_cache.cached(key, lambda: "from the replica", timeout=60) == "from the replica"
        )
    finally:
        db_router.restore(token)
    assert cache.get(key) is None

    assert snapshot_cache.cached(key, lambda: "from the primary", timeout=60) == "from the primary"
    assert cache.get(key) == "from the primary"
    cache.delete(key)


def test_a_ledger_entry_computed_from_a_replica_is_served_but_not_stored() -> None:
    portfolio_id = next(_ids)
    token = db_router.read_from("replica_0")
    try:
        assert _read(portfolio_id, lambda: "from the replica") == "from the replica"
    finally:
        db_router.restore(token)
    assert cache.get(f"portfolio:{portfolio_id}:ledger") is None
    assert _read(portfolio_id, lambda: "from the primary") == "from the primary"
    assert _read(portfolio_id, lambda: "computed again") == "from the primary"
