"""Live portfolio valuation for the portfolio stream: positions loaded once, prices moved by ticks.

The stream folds the ledger when it opens and whenever the ledger changes (``portfolio.changed``);
between those, every tick only moves one price, so revaluing is a few Decimal multiplications in
memory -- no database work per tick. Numbers follow docs/portfolio-maths.md: ``market_value`` =
Σ quantity · price, ``unrealized`` = market value - cost basis, ``total_value`` = market value +
cash (cash left out when the portfolio does not track it), ``day_change`` = Σ quantity · (price -
reference price). Money is rounded half-up to whole VND only when shaped for JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from market.models import Quote
from portfolio.ledger import LedgerConfig, LedgerEntry, Position, fold
from portfolio.models import Portfolio, Transaction

ZERO = Decimal(0)
_WHOLE = Decimal(1)
_PCT = Decimal("0.01")


@dataclass(slots=True)
class LivePrice:
    price: Decimal
    reference: Decimal | None
    as_of: str | None  # ISO-8601 UTC


def _money(value: Decimal) -> str:
    return str(value.quantize(_WHOLE, rounding=ROUND_HALF_UP))


def _pct(numerator: Decimal, denominator: Decimal) -> str | None:
    if denominator == 0:
        return None
    return str((numerator * 100 / denominator).quantize(_PCT, rounding=ROUND_HALF_UP))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class PortfolioBook:
    """Open positions and cash of one portfolio plus the latest known price of each holding."""

    portfolio_id: int
    positions: dict[str, Position]
    cash: Decimal | None  # None when the portfolio does not track cash
    prices: dict[str, LivePrice] = field(default_factory=dict)

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self.positions)

    def apply_tick(self, *, symbol: str, price: str, change: str | None, ts: str | None) -> bool:
        """Move ``symbol``'s price; True if the portfolio holds it."""
        if symbol not in self.positions:
            return False
        try:
            new_price = Decimal(price)
            reference = new_price - Decimal(change) if change is not None else None
        except (InvalidOperation, TypeError):
            return False
        if reference is None and symbol in self.prices:
            reference = self.prices[symbol].reference
        self.prices[symbol] = LivePrice(new_price, reference, ts)
        return True

    def valuation(self) -> dict[str, Any]:
        holdings = []
        market_value = cost_basis = day_change = reference_value = ZERO
        latest: str | None = None
        for symbol in sorted(self.positions):
            position = self.positions[symbol]
            live = self.prices.get(symbol)
            price = live.price if live else None
            value = position.market_value(price) if price is not None else position.cost
            unrealized = value - position.cost
            change = None
            if live is not None and live.reference is not None:
                change = (live.price - live.reference) * position.quantity
                day_change += change
                reference_value += live.reference * position.quantity
            if live is not None and live.as_of and (latest is None or live.as_of > latest):
                latest = live.as_of
            market_value += value
            cost_basis += position.cost
            holdings.append(
                {
                    "symbol": symbol,
                    "quantity": position.quantity,
                    "avg_cost": _money(position.avg_cost),
                    "cost_basis": _money(position.cost),
                    "price": None if price is None else str(price),
                    "reference_price": (
                        None if live is None or live.reference is None else str(live.reference)
                    ),
                    "market_value": _money(value),
                    "unrealized_pnl": _money(unrealized),
                    "unrealized_pnl_pct": _pct(unrealized, position.cost),
                    "day_change": None if change is None else _money(change),
                    "as_of": None if live is None else live.as_of,
                }
            )
        unrealized_total = market_value - cost_basis
        total_value = market_value + (self.cash or ZERO)
        return {
            "type": "valuation",
            "portfolio_id": self.portfolio_id,
            "as_of": latest,
            "total_value": _money(total_value),
            "market_value": _money(market_value),
            "cash": None if self.cash is None else _money(self.cash),
            "cost_basis": _money(cost_basis),
            "unrealized_pnl": _money(unrealized_total),
            "unrealized_pnl_pct": _pct(unrealized_total, cost_basis),
            "day_change": _money(day_change),
            "day_change_pct": _pct(day_change, reference_value),
            "holdings": holdings,
        }


def _entry(row: Transaction, symbol: str) -> LedgerEntry:
    return LedgerEntry(
        id=row.pk,
        kind=row.kind,  # type: ignore[arg-type]  # LedgerEntry coerces the string
        symbol=symbol,
        quantity=row.quantity,
        price=row.price if row.price is not None else ZERO,
        amount=row.amount if row.amount is not None else ZERO,
        fee=row.fee,
        tax=row.tax,
        trade_date=row.trade_date,
        settle_date=row.settle_date,
        sequence=row.pk,
    )


def book_load(*, portfolio: Portfolio) -> PortfolioBook:
    """Fold ``portfolio``'s ledger and attach the latest stored quote of every open position."""
    rows = Transaction.objects.filter(portfolio=portfolio).select_related("instrument")
    entries = [_entry(row, row.instrument.symbol if row.instrument else "") for row in rows]
    state = fold(
        entries,
        config=LedgerConfig(
            cost_method=portfolio.cost_method,  # type: ignore[arg-type]
            enforce_settlement=False,  # stored rows were checked when written; only value them
            track_cash=False,
        ),
    )
    positions = state.open_positions
    book = PortfolioBook(
        portfolio_id=portfolio.pk,
        positions=positions,
        cash=state.cash if portfolio.track_cash else None,
    )
    quotes = Quote.objects.filter(instrument__symbol__in=list(positions)).select_related(
        "instrument"
    )
    for quote in quotes:
        book.prices[quote.instrument.symbol] = LivePrice(
            quote.price, quote.reference, _iso(quote.as_of)
        )
    return book
