"""Rows the realtime tests need: instruments with quotes, portfolios with trades, alerts, ticks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from market.models import DataSource, Exchange, Instrument, Quote
from portfolio.models import Alert, Portfolio
from portfolio.services import portfolio_create, transaction_record

AS_OF = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
TRADE_DAY = date(2025, 3, 3)  # a Monday, a trading day in Vietnam


def instrument_with_quote(
    symbol: str, *, price: str = "100000", reference: str = "98000"
) -> Instrument:
    instrument = Instrument.objects.create(symbol=symbol, exchange=Exchange.HOSE, name=symbol)
    price_d, reference_d = Decimal(price), Decimal(reference)
    Quote.objects.create(
        instrument=instrument,
        reference=reference_d,
        ceiling=(reference_d * Decimal("1.07")).quantize(Decimal(100)),
        floor=(reference_d * Decimal("0.93")).quantize(Decimal(100)),
        price=price_d,
        change=price_d - reference_d,
        change_pct=((price_d - reference_d) * 100 / reference_d).quantize(Decimal("0.01")),
        volume=1000,
        value=price_d * 1000,
        bids=[[str(price_d - 100), 500]],
        asks=[[str(price_d + 100), 700]],
        as_of=AS_OF,
        source=DataSource.SIMULATED,
    )
    return instrument


def portfolio_holding(
    owner: Any, holdings: dict[str, tuple[int, str]], *, cash: str = "0"
) -> Portfolio:
    """A portfolio (through the services) with a deposit and one BUY per symbol."""
    portfolio = portfolio_create(owner=owner, name=f"live {owner.pk} {len(holdings)}")
    spent = sum(
        Decimal(price) * quantity * Decimal("1.01") for quantity, price in holdings.values()
    )
    transaction_record(
        portfolio=portfolio, kind="DEPOSIT", trade_date=TRADE_DAY, amount=spent + Decimal(cash) + 1
    )
    for symbol, (quantity, price) in holdings.items():
        buy(portfolio, symbol, quantity, price)
    portfolio.refresh_from_db()
    return portfolio


def buy(portfolio: Portfolio, symbol: str, quantity: int, price: str) -> None:
    transaction_record(
        portfolio=portfolio,
        kind="BUY",
        trade_date=TRADE_DAY,
        symbol=symbol,
        quantity=quantity,
        price=Decimal(price),
    )


def alert_on(user: Any, symbol: str, *, condition: str, threshold: str) -> Alert:
    return Alert.objects.create(
        user=user,
        instrument=Instrument.objects.get(symbol=symbol),
        condition=condition,
        threshold=Decimal(threshold),
    )


def tick(
    symbol: str, seq: int, price: str, *, change: str = "0", volume: int = 100
) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "price": price,
        "change": change,
        "change_pct": "0.00",
        "volume": volume,
        "ts": f"2025-03-03T03:00:{seq % 60:02d}Z",
        "seq": seq,
        "source": "simulated",
    }
