"""Fixtures of the portfolio API/service tests (the pure ledger tests need none of them)."""

from __future__ import annotations

from typing import Any

import pytest

from market.models import Instrument
from portfolio import services
from portfolio.models import Portfolio
from tests.portfolio.factories import IndexFactory, InstrumentFactory


@pytest.fixture
def instruments(db: Any) -> dict[str, Instrument]:
    return {
        "FPT": InstrumentFactory(symbol="FPT", name="FPT Corp", industry="Technology"),
        "VNM": InstrumentFactory(symbol="VNM", name="Vinamilk", industry="Consumer Staples"),
        "HPG": InstrumentFactory(symbol="HPG", name="Hoa Phat", industry="Basic Materials"),
        "SHS": InstrumentFactory(
            symbol="SHS", name="Saigon-Hanoi Securities", industry="Financials", exchange="HNX"
        ),
        "VNINDEX": IndexFactory(),
    }


@pytest.fixture
def portfolio(user: Any, instruments: dict[str, Instrument]) -> Portfolio:
    return services.portfolio_create(owner=user, name="Main")


@pytest.fixture(autouse=True)
def published(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record portfolio.changed publications instead of sending them."""
    calls: list[int] = []
    monkeypatch.setattr(
        "realtime.broadcast.publish_portfolio_changed",
        lambda portfolio_id: calls.append(portfolio_id),
    )
    return calls


@pytest.fixture(scope="session", autouse=True)
def _drop_snapshot_keys() -> Any:
    """Delete the portfolio snapshot keys this test run wrote (its own key prefix only)."""
    yield
    from django.conf import settings

    from portfolio_site.redis_client import get_redis

    try:
        client = get_redis()
        pattern = f"{settings.REDIS_KEY_PREFIX}:*:portfolio:*"
        for key in client.scan_iter(match=pattern, count=500):
            client.delete(key)
    except Exception:  # noqa: S110 -- best effort: the keys expire anyway
        pass
