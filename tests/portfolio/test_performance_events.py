"""The issue's hand-computed TWR tests across corporate events: between the ex-date and the
payment date the pending shares or cash count as a receivable, so the ex-date's price drop is
no loss and the payment no gain (pure maths, no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portfolio.ledger import LedgerConfig
from portfolio.performance import PriceTable, Receivable, compute_performance
from tests.portfolio.ledger_builders import entry

START = date(2026, 3, 2)  # a Monday
EX = date(2026, 3, 16)


def weekdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5]


def closes(before: int, after: int, end: date) -> PriceTable:
    return PriceTable.from_closes(
        {"FPT": [(d, before if d < EX else after) for d in weekdays(START, end)]}
    )


def holding(track_cash: bool) -> list:
    rows = [entry(2, "BUY", START, "FPT", 1_000, "30000", settle_date=START + timedelta(days=2))]
    if track_cash:
        rows.insert(0, entry(1, "DEPOSIT", START, amount="30000000"))
    return rows


@pytest.mark.parametrize("track_cash", [True, False])
def test_a_20_percent_stock_dividend_with_flat_prices_has_a_twr_of_zero(track_cash: bool) -> None:
    listed = EX + timedelta(days=20)  # the new shares arrive 20 days later
    end = listed + timedelta(days=7)
    entries = [*holding(track_cash), entry(3, "STOCK_DIVIDEND", listed, "FPT", 200)]
    prices = closes(30_000, 25_000, end)
    config = LedgerConfig(track_cash=track_cash)
    pending = [Receivable("FPT", EX, listed, shares=200)]

    result = compute_performance(
        entries=entries, prices=prices, start=START, end=end, config=config, receivables=pending
    )

    assert result.twr == 0.0
    assert set(result.values) == {Decimal(30_000_000)}
    # Without the receivable the ex-date reads -16.7 % and the listing +20 %.
    naive = compute_performance(entries=entries, prices=prices, start=START, end=end, config=config)
    assert min(naive.twr_index) == pytest.approx(25 / 30)
    assert naive.twr == pytest.approx(0.0, abs=1e-12)  # ... and only the endpoints agree


@pytest.mark.parametrize("track_cash", [True, False])
def test_a_cash_dividend_costs_only_its_tax(track_cash: bool) -> None:
    paid = EX + timedelta(days=30)  # paid 30 days later, 1,900 per share net
    end = paid + timedelta(days=7)
    dividend = entry(3, "DIVIDEND", paid, "FPT", amount="2000000", tax="100000")
    entries = [*holding(track_cash), dividend]
    prices = closes(30_000, 28_000, end)
    config = LedgerConfig(track_cash=track_cash)
    pending = [Receivable("FPT", EX, paid, cash=Decimal(1_900_000))]

    result = compute_performance(
        entries=entries, prices=prices, start=START, end=end, config=config, receivables=pending
    )

    assert result.twr == pytest.approx(-100_000 / 30_000_000, abs=1e-15)
    ex_index = result.dates.index(EX)
    assert result.values[ex_index] == Decimal(29_900_000)  # 28,000,000 + 1,900,000 receivable
    assert result.values[ex_index - 1] == Decimal(30_000_000)
    assert result.twr_index[-1] == pytest.approx(result.twr_index[ex_index], abs=1e-15)


def test_a_receivable_not_booked_yet_runs_to_the_end_of_the_series() -> None:
    end = EX + timedelta(days=10)
    result = compute_performance(
        entries=holding(True),
        prices=closes(30_000, 28_000, end),
        start=START,
        end=end,
        config=LedgerConfig(),
        receivables=[Receivable("FPT", EX, None, cash=Decimal(1_900_000))],
    )
    assert result.end_value == Decimal(29_900_000)
    assert result.twr == pytest.approx(-100_000 / 30_000_000, abs=1e-15)
