"""``seed_portfolio``: a valid 18-month demo history, idempotent, harmless without market data."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from market.calendar import is_on_tick_grid, trading_days_between
from portfolio.ledger import LedgerConfig, fold
from portfolio.models import Portfolio
from portfolio.services import ledger_entries, market_today
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.portfolio.factories import InstrumentFactory, daily_bars, vn30

pytestmark = pytest.mark.django_db

SYMBOLS = ("FPT", "VNM", "HPG", "MWG", "VCB", "ACB")


@pytest.fixture
def demo() -> Any:
    return UserFactory(username="demo")


@pytest.fixture
def vn30_history() -> None:
    vn30(SYMBOLS)
    today = market_today()
    days = trading_days_between(today - timedelta(days=600), today)
    for offset, symbol in enumerate(SYMBOLS):
        instrument = InstrumentFactory(symbol=symbol)
        base = 20_000 + 10_000 * offset
        daily_bars(instrument, {d: base + (i % 40) * 100 for i, d in enumerate(days)})


def run(*args: str) -> str:
    out = StringIO()
    call_command("seed_portfolio", *args, stdout=out)
    return out.getvalue()


def test_seeds_a_valid_history_with_every_kind(demo: Any, vn30_history: None) -> None:
    output = run()

    portfolio = Portfolio.objects.get(owner=demo, name="Demo portfolio")
    kinds = set(portfolio.transactions.values_list("kind", flat=True))
    assert kinds == {"DEPOSIT", "BUY", "SELL", "DIVIDEND", "STOCK_DIVIDEND", "INTEREST"}
    first = portfolio.transactions.order_by("trade_date").first()
    assert first is not None
    assert (market_today() - first.trade_date).days >= 500
    state = fold(ledger_entries(portfolio=portfolio), config=LedgerConfig())
    assert set(state.open_positions) == {"FPT", "VNM", "HPG", "MWG", "VCB"}
    assert state.realized != 0
    assert state.dividends > 0
    assert "transactions in FPT, HPG, MWG, VCB, VNM" in output


def test_buys_at_the_stored_close_of_their_day(demo: Any, vn30_history: None) -> None:
    from market.selectors import daily_closes

    run()

    buy = Portfolio.objects.get(owner=demo).transactions.filter(kind="BUY").first()
    assert buy is not None
    [(_, _, close)] = daily_closes(
        symbols=[buy.instrument.symbol], start=buy.trade_date, end=buy.trade_date
    )[-1:]
    assert buy.price == close


def test_running_twice_changes_nothing(demo: Any, vn30_history: None) -> None:
    run()
    before = list(Portfolio.objects.get(owner=demo).transactions.values_list("id", flat=True))

    output = run()

    assert "already seeded" in output
    assert Portfolio.objects.filter(owner=demo).count() == 1
    assert list(Portfolio.objects.get(owner=demo).transactions.values_list("id", flat=True)) == (
        before
    )


def test_demo_api_shows_holdings_and_performance(demo: Any, vn30_history: None) -> None:
    run()
    client = client_for(demo)
    portfolio = Portfolio.objects.get(owner=demo)

    holdings = client.get(f"/api/portfolios/{portfolio.pk}/holdings/")
    performance = client.get(f"/api/portfolios/{portfolio.pk}/performance/?range=ALL&benchmark=FPT")

    assert holdings.status_code == 200
    assert len(holdings.json()["results"]) == 5
    assert performance.status_code == 200
    assert len(performance.json()["series"]) > 300


def test_without_market_history_it_seeds_nothing(demo: Any) -> None:
    output = run()

    assert "not seeded" in output
    assert not Portfolio.objects.filter(owner=demo).exists()


def test_without_the_demo_user_it_fails_clearly(db: Any) -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        run()


def test_adjusted_closes_between_ticks_are_snapped_to_the_grid(demo: Any) -> None:
    # given daily history adjusted for corporate actions (vnstock's): closes between ticks
    vn30(SYMBOLS)
    today = market_today()
    days = trading_days_between(today - timedelta(days=600), today)
    for offset, symbol in enumerate(SYMBOLS):
        instrument = InstrumentFactory(symbol=symbol)
        base = 20_000 + 10_000 * offset
        daily_bars(instrument, {d: f"{base + (i % 40) * 137}.37" for i, d in enumerate(days)})
    # when the demo portfolio is seeded
    run()
    # then every trade is on the HOSE grid (the exchange rules every write checks)
    portfolio = Portfolio.objects.get(owner=demo, name="Demo portfolio")
    trades = portfolio.transactions.filter(kind__in=("BUY", "SELL"))
    assert trades.count() >= 5
    for price in trades.values_list("price", flat=True):
        assert is_on_tick_grid("HOSE", price), price
