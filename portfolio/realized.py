"""Reads of realized P&L: what each SELL made, and each position held from zero back to zero.

Both come from the folded ledger (``selectors.ledger_snapshot``, cached per portfolio version and
invalidated with the summary when a transaction changes), under the portfolio's cost method
(average cost or FIFO). The ledger keeps them exact (``portfolio.ledger_books``); each figure is
rounded half-up to whole VND here, once, at the edge.

- A sale: gross = quantity x price; proceeds = gross - fee - tax; cost = the cost basis the sale
  removed (average cost x quantity, or the FIFO lots it took, buy fees included);
  realized_pnl = proceeds - cost. Every view shows a realized figure as the sum of its sales'
  rounded realized P&L (``Position.realized_vnd``), so the sales add up to the closed positions,
  the holdings and the summary to the đồng.
- A closed position: from the trade that took the holding above zero to the sale that sold it out
  (a rebuy starts a new one): shares sold, proceeds, cost, realized_pnl, the buy and sell fees and
  the sell taxes paid on the way. Cash dividends are not part of it (the summary has them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio.ledger import ClosedPosition, Sale
from portfolio.models import Portfolio
from portfolio.selectors import ledger_snapshot
from portfolio.valuation import money, percent
from portfolio_site.errors import Conflict


@dataclass(frozen=True)
class SaleRealized:
    quantity: int
    gross: Decimal
    fee: Decimal
    tax: Decimal
    proceeds: Decimal
    cost: Decimal
    realized_pnl: Decimal
    realized_pnl_pct: Decimal | None


@dataclass(frozen=True)
class ClosedPositionRow:
    symbol: str
    first_trade_date: date
    last_trade_date: date
    quantity: int
    proceeds: Decimal
    cost: Decimal
    realized_pnl: Decimal
    realized_pnl_pct: Decimal | None
    fees: Decimal
    taxes: Decimal


def _sale_row(sale: Sale) -> SaleRealized:
    return SaleRealized(
        quantity=sale.quantity,
        gross=money(sale.gross),
        fee=money(sale.fee),
        tax=money(sale.tax),
        proceeds=money(sale.proceeds),
        cost=money(sale.cost),
        realized_pnl=money(sale.realized),
        realized_pnl_pct=percent(sale.realized, sale.cost),
    )


def _closed_row(closed: ClosedPosition) -> ClosedPositionRow:
    return ClosedPositionRow(
        symbol=closed.symbol,
        first_trade_date=closed.opened,
        last_trade_date=closed.closed,
        quantity=closed.quantity,
        proceeds=money(closed.proceeds),
        cost=money(closed.cost),
        realized_pnl=money(closed.realized_vnd),
        realized_pnl_pct=percent(closed.realized, closed.cost),
        fees=money(closed.fees),
        taxes=money(closed.taxes),
    )


def sale_realized_map(
    *, portfolio: Portfolio, transaction_ids: Iterable[int]
) -> dict[int, SaleRealized]:
    """Realized P&L of the SELLs among ``transaction_ids``, by transaction id.

    Empty when the stored ledger no longer folds (a rule changed since it was written): the
    transactions must stay listable so the owner can fix them, and the summary reports the
    conflict.
    """
    try:
        state = ledger_snapshot(portfolio=portfolio).state
    except Conflict:
        return {}
    wanted = set(transaction_ids)
    return {
        sale.entry_id: _sale_row(sale)
        for position in state.positions.values()
        for sale in position.sales
        if sale.entry_id in wanted
    }


def closed_position_list(*, portfolio: Portfolio) -> list[ClosedPositionRow]:
    """Every position sold out so far, the most recently closed first."""
    state = ledger_snapshot(portfolio=portfolio).state
    closed = [c for position in state.positions.values() for c in position.closed]
    closed.sort(key=lambda c: (-c.closed.toordinal(), c.symbol, -c.opened.toordinal()))
    return [_closed_row(c) for c in closed]
