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
- The year-end view (``sale_list``, ``year_totals``, ``year_end_csv``): every sale with what it
  realized, and per calendar year the realized P&L (its sales' rounded figures summed), the
  brokerage fees, sell taxes, gross cash dividends and the tax withheld on them (the stored
  transaction rows, summed), filterable by year and exportable as CSV for Excel.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import ExtractYear

from portfolio.bounds import FIRST_SESSION
from portfolio.ledger import ClosedPosition, Sale
from portfolio.models import Portfolio, Transaction, TransactionKind
from portfolio.selectors import ledger_snapshot
from portfolio.services import market_today
from portfolio.valuation import money, percent
from portfolio_site.errors import Conflict, DomainError

ZERO = Decimal(0)


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


def closed_position_list(
    *, portfolio: Portfolio, year: int | None = None
) -> list[ClosedPositionRow]:
    """Every position sold out so far (in ``year`` when given), the most recently closed first."""
    state = ledger_snapshot(portfolio=portfolio).state
    closed = [
        c
        for position in state.positions.values()
        for c in position.closed
        if year is None or c.closed.year == year
    ]
    closed.sort(key=lambda c: (-c.closed.toordinal(), c.symbol, -c.opened.toordinal()))
    return [_closed_row(c) for c in closed]


# --- the year-end view: sales, dividends and totals per calendar year -------------------------


@dataclass(frozen=True)
class SaleLine:
    """One SELL with what it realized, for the closed-positions page and its CSV."""

    transaction_id: int
    trade_date: date
    symbol: str
    quantity: int
    price: Decimal
    gross: Decimal
    fee: Decimal
    tax: Decimal
    proceeds: Decimal
    cost: Decimal
    realized_pnl: Decimal
    realized_pnl_pct: Decimal | None


@dataclass(frozen=True)
class YearTotals:
    """What a Vietnamese investor needs at year end, for one calendar year (whole VND).

    realized_pnl = the sum of the year's sales' rounded realized P&L; fees = brokerage fees of the
    year's BUYs and SELLs; sell_taxes = the 0.1 % tax withheld on the year's sales;
    dividend_income = gross cash dividends booked in the year; dividend_taxes = the tax withheld
    on them (5 %).
    """

    year: int
    sales_count: int
    realized_pnl: Decimal
    fees: Decimal
    sell_taxes: Decimal
    dividend_income: Decimal
    dividend_taxes: Decimal


def parse_year(raw: str | None) -> int | None:
    """``?year=``: None when absent or blank; a whole year from the first HOSE session's to this
    one; anything else 400 ``invalid_year``."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    first, last = FIRST_SESSION.year, market_today().year
    if not (text.isascii() and text.isdigit() and len(text) == 4) or not (
        first <= int(text) <= last
    ):
        raise DomainError(
            f"Unknown year {raw[:20]!r}; use a year from {first} to {last}, e.g. ?year={last}.",
            code="invalid_year",
            fields={"year": [f"A year from {first} to {last}."]},
        )
    return int(text)


def sale_list(*, portfolio: Portfolio, year: int | None = None) -> list[SaleLine]:
    """Every SELL (of ``year`` when given) with its realized P&L, newest first."""
    state = ledger_snapshot(portfolio=portfolio).state
    lines = [
        SaleLine(
            transaction_id=int(sale.entry_id),  # type: ignore[call-overload]
            trade_date=sale.trade_date,
            symbol=sale.symbol,
            quantity=sale.quantity,
            price=money(sale.price),
            gross=money(sale.gross),
            fee=money(sale.fee),
            tax=money(sale.tax),
            proceeds=money(sale.proceeds),
            cost=money(sale.cost),
            realized_pnl=money(sale.realized),
            realized_pnl_pct=percent(sale.realized, sale.cost),
        )
        for position in state.positions.values()
        for sale in position.sales
        if year is None or sale.trade_date.year == year
    ]
    lines.sort(key=lambda s: (s.trade_date, s.transaction_id), reverse=True)
    return lines


def year_totals(*, portfolio: Portfolio, sales: Iterable[SaleLine]) -> list[YearTotals]:
    """Totals of every year with a sale, a trade or a dividend, newest first (``sales``: every
    sale, from ``sale_list``)."""
    realized: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    for sale in sales:
        realized[sale.trade_date.year] += sale.realized_pnl
        counts[sale.trade_date.year] += 1
    rows = (
        Transaction.objects.filter(
            portfolio=portfolio,
            kind__in=[TransactionKind.BUY, TransactionKind.SELL, TransactionKind.DIVIDEND],
        )
        .annotate(year=ExtractYear("trade_date"))
        .values("year", "kind")
        .annotate(fee=Sum("fee"), tax=Sum("tax"), amount=Sum("amount"))
    )
    books: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        book = books[row["year"]]
        if row["kind"] == TransactionKind.DIVIDEND:
            book["dividend_income"] += row["amount"] or ZERO
            book["dividend_taxes"] += row["tax"] or ZERO
        else:
            book["fees"] += row["fee"] or ZERO
            if row["kind"] == TransactionKind.SELL:
                book["sell_taxes"] += row["tax"] or ZERO
    return [
        YearTotals(
            year=year,
            sales_count=counts.get(year, 0),
            realized_pnl=realized.get(year, ZERO),
            fees=money(books[year]["fees"]),
            sell_taxes=money(books[year]["sell_taxes"]),
            dividend_income=money(books[year]["dividend_income"]),
            dividend_taxes=money(books[year]["dividend_taxes"]),
        )
        for year in sorted(set(books) | set(realized), reverse=True)
    ]


CSV_HEADER = (
    "date",
    "kind",
    "symbol",
    "name",
    "quantity",
    "price",
    "gross",
    "fee",
    "tax",
    "proceeds",
    "cost",
    "realized_pnl",
    "realized_pnl_pct",
)


def year_end_csv(*, portfolio: Portfolio, year: int | None = None) -> bytes:
    """The year's (or every year's) sales and cash dividends as CSV for Excel: UTF-8 with a BOM
    (Excel then reads Vietnamese names right), comma-separated, one row per SELL (what it
    realized) and per DIVIDEND (gross in ``gross``, the tax withheld in ``tax``, the net in
    ``proceeds``), oldest first. Numbers are plain whole VND; text that a spreadsheet would run
    as a formula gets a leading quote."""
    from portfolio.transfer import neutralise_cell

    names = dict(
        Transaction.objects.filter(portfolio=portfolio, instrument__isnull=False)
        .values_list("instrument__symbol", "instrument__name")
        .distinct()
    )
    rows: list[tuple[date, int, list[str]]] = []
    for sale in sale_list(portfolio=portfolio, year=year):
        pct = "" if sale.realized_pnl_pct is None else str(sale.realized_pnl_pct)
        rows.append(
            (
                sale.trade_date,
                sale.transaction_id,
                [
                    sale.trade_date.isoformat(),
                    "SELL",
                    sale.symbol,
                    neutralise_cell(names.get(sale.symbol, "")),
                    str(sale.quantity),
                    *(str(v) for v in (sale.price, sale.gross, sale.fee, sale.tax, sale.proceeds)),
                    str(sale.cost),
                    str(sale.realized_pnl),
                    pct,
                ],
            )
        )
    dividends = Transaction.objects.filter(
        portfolio=portfolio, kind=TransactionKind.DIVIDEND
    ).select_related("instrument")
    if year is not None:
        dividends = dividends.filter(trade_date__year=year)
    for row in dividends:
        gross, tax = money(row.amount or ZERO), money(row.tax)
        symbol = row.instrument.symbol if row.instrument else ""
        rows.append(
            (
                row.trade_date,
                row.pk,
                [
                    row.trade_date.isoformat(),
                    "DIVIDEND",
                    symbol,
                    neutralise_cell(names.get(symbol, "")),
                    str(row.quantity or ""),
                    "",
                    str(gross),
                    "0",
                    str(tax),
                    str(gross - tax),
                    "",
                    "",
                    "",
                ],
            )
        )
    rows.sort(key=lambda r: (r[0], r[1]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(cells for *_, cells in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
