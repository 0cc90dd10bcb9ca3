"""Fold a portfolio's transactions into positions and cash totals: pure Decimal maths, no ORM.

The service layer turns transaction rows into `LedgerEntry` values and calls `fold()`; to check a
change it simply folds the whole list again with the change applied. One linear pass, so tens of
thousands of entries are cheap.

Definitions follow docs/portfolio-maths.md (average cost is the Vietnamese brokers' convention):

- BUY q @ p, fee f: cost += q*p + f; quantity += q; cash -= q*p + f.
- SELL q @ p, fee f, tax t: proceeds = q*p - f - t; realized += proceeds - avg_cost*q;
  cost -= avg_cost*q; quantity -= q; cash += proceeds.
- STOCK_DIVIDEND q: quantity += q, cost unchanged.  DIVIDEND a, tax t: cash += a - t.
- SHARE_CONSOLIDATION q (a reverse split, e.g. 10:1 books 900 of 1,000 shares): quantity -= q,
  cost unchanged (average cost rises); it must leave at least one share. The fraction the
  ratio leaves is cancelled with the rest (floor), its cost kept in the position.
- RIGHTS_SUBSCRIPTION q @ p (an exercised right, paid at the subscription price): like a BUY
  without a brokerage fee: cost += q*p; quantity += q; cash -= q*p.
- FEE a: cash -= a.  INTEREST a: cash += a.  DEPOSIT / WITHDRAWAL a: cash +/- a, net_flows +/- a.

Choices made here (the maths doc leaves them open):

- Order is (trade_date, sequence); entries equal on both keep their input order (stable sort).
- Average cost is never rounded: `cost` holds the exact remaining basis (arithmetic runs at 50
  significant digits); selling the whole position removes exactly the whole cost.
- FIFO: every BUY opens a lot (cost includes its fee); a STOCK_DIVIDEND's shares dilute the open
  lots in proportion, each lot's cost unchanged (`portfolio.ledger_books` has the rounding, and
  the one zero-cost lot of a bonus received while nothing is held). A SHARE_CONSOLIDATION shrinks
  the open lots in proportion, each lot's cost unchanged (``ledger_books``). SELL takes lots from
  the front of the queue; a partly sold lot gives up cost pro rata.
- Settlement (`enforce_settlement`): a SELL dated d may sell only shares whose entry has
  settle_date <= d (bonus shares use the STOCK_DIVIDEND entry's settle_date). The check counts
  shares, not lots, so under FIFO the lot taken first may hold later-settling bonus shares. A
  SHARE_CONSOLIDATION takes settled shares first, then unsettled ones (earliest settlement first).
- Each SELL's realized P&L (`Position.sales`) and each position held from zero back to zero
  (`Position.closed`) are kept exact, so they add up to the realized total.
- Cash (`track_cash`): no entry may take total cash below zero. Total cash includes sale proceeds
  that have not settled yet, because Vietnamese brokers let clients buy with them (cash advance);
  the same total applies to WITHDRAWAL and FEE. Cash paid for a BUY leaves settled cash at once
  (brokers block it on the trade date), while positive amounts stay pending until their entry's
  settle_date, so `settled_cash` may be negative after an advance.
- Without `track_cash`, cash is still computed but never checked, and `total_value()` leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from typing import Literal

from portfolio.ledger_books import LEDGER_PRECISION, ZERO, Position, SymbolBook

# The fold's results, importable from here as before the books moved out.
from portfolio.ledger_books import ClosedPosition as ClosedPosition
from portfolio.ledger_books import Lot as Lot
from portfolio.ledger_books import RealizedLot as RealizedLot
from portfolio.ledger_books import Sale as Sale

WHOLE_VND = Decimal(1)

CostMethod = Literal["average", "fifo"]


class Kind(StrEnum):
    BUY = "BUY"
    SELL = "SELL"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    DIVIDEND = "DIVIDEND"
    STOCK_DIVIDEND = "STOCK_DIVIDEND"
    FEE = "FEE"
    INTEREST = "INTEREST"
    RIGHTS_SUBSCRIPTION = "RIGHTS_SUBSCRIPTION"
    SHARE_CONSOLIDATION = "SHARE_CONSOLIDATION"

    @classmethod
    def _missing_(cls, value: object) -> Kind | None:
        # Accept "buy" or "stock_dividend" from a database column or a form.
        if isinstance(value, str):
            return cls.__members__.get(value.strip().upper())
        return None


TRADE_KINDS = frozenset({Kind.BUY, Kind.SELL})
#: Kinds with a price per share: the trades and an exercised right (paid at its subscription price).
PRICED_KINDS = frozenset({Kind.BUY, Kind.SELL, Kind.RIGHTS_SUBSCRIPTION})
#: How each kind moves the share count (its quantity is always positive).
SHARE_SIGN: dict[Kind, int] = {
    Kind.BUY: 1,
    Kind.STOCK_DIVIDEND: 1,
    Kind.RIGHTS_SUBSCRIPTION: 1,
    Kind.SELL: -1,
    Kind.SHARE_CONSOLIDATION: -1,
}
SHARE_KINDS = frozenset(SHARE_SIGN)
SYMBOL_KINDS = frozenset(
    {
        Kind.BUY,
        Kind.SELL,
        Kind.DIVIDEND,
        Kind.STOCK_DIVIDEND,
        Kind.RIGHTS_SUBSCRIPTION,
        Kind.SHARE_CONSOLIDATION,
    }
)
AMOUNT_KINDS = frozenset({Kind.DEPOSIT, Kind.WITHDRAWAL, Kind.DIVIDEND, Kind.FEE, Kind.INTEREST})


class LedgerErrorCode(StrEnum):
    OVERSELL = "oversell"
    UNSETTLED_SHARES = "unsettled_shares"
    INSUFFICIENT_CASH = "insufficient_cash"
    INVALID_KIND = "invalid_kind"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_PRICE = "invalid_price"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_FEE = "invalid_fee"
    INVALID_TAX = "invalid_tax"
    INVALID_SETTLE_DATE = "invalid_settle_date"
    MISSING_SYMBOL = "missing_symbol"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One transaction as the ledger sees it. `kind` may be given as a string ("BUY", "buy")."""

    id: object
    kind: Kind
    symbol: str
    quantity: int
    price: Decimal
    amount: Decimal
    fee: Decimal
    tax: Decimal
    trade_date: date
    settle_date: date
    sequence: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, Kind):
            try:
                kind = Kind(self.kind)
            except ValueError:
                raise LedgerError(
                    entry=self,
                    code=LedgerErrorCode.INVALID_KIND,
                    detail=f"unknown transaction kind {self.kind!r}",
                ) from None
            object.__setattr__(self, "kind", kind)


class LedgerError(Exception):
    """An entry the ledger refuses. `code` is stable; `message` names the transaction."""

    def __init__(
        self, *, entry: LedgerEntry, code: LedgerErrorCode, detail: str, **context: object
    ) -> None:
        self.entry = entry
        self.entry_id = entry.id
        self.code = code
        self.context = context
        self.message = f"{describe_entry(entry)}: {detail}"
        super().__init__(self.message)


def describe_entry(entry: LedgerEntry) -> str:
    """'Transaction 42 (2024-03-05 SELL FPT)' -- how errors name an entry."""
    what = f"{entry.trade_date.isoformat()} {entry.kind}"
    if entry.symbol:
        what += f" {entry.symbol}"
    name = "New transaction" if entry.id is None else f"Transaction {entry.id}"
    return f"{name} ({what})"


@dataclass(frozen=True)
class LedgerConfig:
    cost_method: CostMethod = "average"
    enforce_settlement: bool = True
    track_cash: bool = True

    def __post_init__(self) -> None:
        if self.cost_method not in ("average", "fifo"):
            raise ValueError(f"cost_method must be 'average' or 'fifo', not {self.cost_method!r}")


@dataclass(frozen=True)
class LedgerState:
    positions: dict[str, Position]
    cash: Decimal
    settled_cash: Decimal
    pending_cash: Decimal
    deposits: Decimal
    withdrawals: Decimal
    net_flows: Decimal
    fees: Decimal
    taxes: Decimal
    dividends: Decimal
    interest: Decimal
    fee_rows: Decimal
    realized: Decimal
    cash_tracked: bool
    cost_method: CostMethod
    as_of: date | None
    entry_count: int

    @property
    def cost_basis(self) -> Decimal:
        with localcontext(prec=LEDGER_PRECISION):
            return sum((p.cost for p in self.positions.values()), ZERO)

    @property
    def open_positions(self) -> dict[str, Position]:
        return {s: p for s, p in self.positions.items() if p.quantity > 0}

    def market_value(self, prices: Mapping[str, Decimal]) -> Decimal:
        """Value of open positions at `prices` (symbol -> close). KeyError if one is missing."""
        missing = sorted(s for s in self.open_positions if s not in prices)
        if missing:
            raise KeyError(f"no price for {', '.join(missing)}")
        with localcontext(prec=LEDGER_PRECISION):
            return sum((prices[s] * p.quantity for s, p in self.open_positions.items()), ZERO)

    def unrealized(self, prices: Mapping[str, Decimal]) -> Decimal:
        with localcontext(prec=LEDGER_PRECISION):
            return self.market_value(prices) - self.cost_basis

    def total_value(self, prices: Mapping[str, Decimal]) -> Decimal:
        """Market value plus cash, or market value alone when cash is not tracked."""
        with localcontext(prec=LEDGER_PRECISION):
            value = self.market_value(prices)
            return value + self.cash if self.cash_tracked else value

    def total_return(self, prices: Mapping[str, Decimal]) -> Decimal:
        """realized + unrealized + dividends + interest - FEE rows.

        With cash tracked this equals total_value - net_flows (the identity in portfolio-maths).
        """
        with localcontext(prec=LEDGER_PRECISION):
            return (
                self.realized
                + self.unrealized(prices)
                + self.dividends
                + self.interest
                - self.fee_rows
            )


def _whole_vnd(value: Decimal) -> Decimal:
    return value.quantize(WHOLE_VND, rounding=ROUND_HALF_UP)


def derive_fee(
    *, kind: Kind | str, quantity: int, price: Decimal, amount: Decimal, fee_rate: Decimal
) -> Decimal:
    """Brokerage fee: fee_rate x gross trade value on BUY and SELL, half-up to whole VND."""
    if Kind(kind) in TRADE_KINDS:
        return _whole_vnd(fee_rate * price * quantity)
    return ZERO


def derive_tax(
    *,
    kind: Kind | str,
    quantity: int,
    price: Decimal,
    amount: Decimal,
    sell_tax_rate: Decimal,
    dividend_tax_rate: Decimal,
) -> Decimal:
    """Tax withheld: sell_tax_rate x gross proceeds on SELL, dividend_tax_rate x amount on DIVIDEND."""
    kind = Kind(kind)
    if kind is Kind.SELL:
        return _whole_vnd(sell_tax_rate * price * quantity)
    if kind is Kind.DIVIDEND:
        return _whole_vnd(dividend_tax_rate * amount)
    return ZERO


def cash_effect(entry: LedgerEntry) -> Decimal:
    """How much the entry changes cash (negative for money going out)."""
    kind = entry.kind
    if kind is Kind.BUY or kind is Kind.RIGHTS_SUBSCRIPTION:
        return -(entry.price * entry.quantity + entry.fee)
    if kind is Kind.SELL:
        return entry.price * entry.quantity - entry.fee - entry.tax
    if kind is Kind.DIVIDEND:
        return entry.amount - entry.tax
    if kind in (Kind.DEPOSIT, Kind.INTEREST):
        return entry.amount
    if kind in (Kind.WITHDRAWAL, Kind.FEE):
        return -entry.amount
    return ZERO


# --- the fold ---------------------------------------------------------------------------------


@dataclass
class _Run:
    config: LedgerConfig
    as_of: date | None
    books: dict[str, SymbolBook] = field(default_factory=dict)
    cash: Decimal = ZERO
    pending_cash: Decimal = ZERO
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    fees: Decimal = ZERO
    taxes: Decimal = ZERO
    dividends: Decimal = ZERO
    interest: Decimal = ZERO
    fee_rows: Decimal = ZERO

    def book(self, symbol: str) -> SymbolBook:
        book = self.books.get(symbol)
        if book is None:
            fifo = self.config.cost_method == "fifo"
            book = self.books[symbol] = SymbolBook(symbol, fifo=fifo)
        return book

    def move_cash(self, entry: LedgerEntry, delta: Decimal) -> None:
        if delta < 0 and self.config.track_cash and self.cash + delta < 0:
            raise LedgerError(
                entry=entry,
                code=LedgerErrorCode.INSUFFICIENT_CASH,
                detail=f"needs {-delta:,} VND but only {self.cash:,} VND cash is available",
                available=self.cash,
                requested=-delta,
            )
        self.cash += delta
        if delta > 0 and self.as_of is not None and entry.settle_date > self.as_of:
            self.pending_cash += delta


def _apply_buy(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    cost = entry.price * quantity + entry.fee
    run.move_cash(entry, -cost)
    run.book(entry.symbol).buy(
        quantity=quantity,
        cost=cost,
        fee=entry.fee,
        trade_date=entry.trade_date,
        settle_date=entry.settle_date,
        entry_id=entry.id,
    )
    run.fees += entry.fee


def _apply_stock_dividend(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    run.book(entry.symbol).bonus(
        quantity=quantity,
        trade_date=entry.trade_date,
        settle_date=entry.settle_date,
        entry_id=entry.id,
    )


def _apply_sell(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    book = run.books.get(entry.symbol)
    held = book.quantity if book is not None else 0
    if book is None or quantity > held:
        raise LedgerError(
            entry=entry,
            code=LedgerErrorCode.OVERSELL,
            detail=f"cannot sell {quantity:,} shares; only {held:,} held on that date",
            available=held,
            requested=quantity,
        )
    book.settle_until(entry.trade_date)
    settled = book.settled_quantity()
    if quantity > settled:
        if run.config.enforce_settlement:
            raise LedgerError(
                entry=entry,
                code=LedgerErrorCode.UNSETTLED_SHARES,
                detail=(
                    f"cannot sell {quantity:,} shares; only {settled:,} of {held:,} "
                    "have settled by that date (T+2)"
                ),
                available=settled,
                requested=quantity,
            )
        book.consume_pending(quantity - settled)
    proceeds = entry.price * quantity - entry.fee - entry.tax
    run.move_cash(entry, proceeds)
    book.sell(
        quantity=quantity,
        price=entry.price,
        fee=entry.fee,
        tax=entry.tax,
        proceeds=proceeds,
        trade_date=entry.trade_date,
        entry_id=entry.id,
    )
    run.fees += entry.fee
    run.taxes += entry.tax


def _apply_share_consolidation(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    # A reverse split: fewer shares, the same cost; at least one share must remain.
    book = run.books.get(entry.symbol)
    held = book.quantity if book is not None else 0
    if book is None or quantity >= held:
        raise LedgerError(
            entry=entry,
            code=LedgerErrorCode.OVERSELL,
            detail=(
                f"a consolidation cannot take {quantity:,} shares away; only {held:,} held on "
                "that date, and at least one must remain"
            ),
            available=max(held - 1, 0),
            requested=quantity,
        )
    book.consolidate(quantity=quantity, trade_date=entry.trade_date)


def _apply_dividend(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    net = entry.amount - entry.tax
    run.move_cash(entry, net)
    run.book(entry.symbol).dividend(net=net, tax=entry.tax)
    run.dividends += net
    run.taxes += entry.tax


def _apply_deposit(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    run.move_cash(entry, entry.amount)
    run.deposits += entry.amount


def _apply_withdrawal(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    run.move_cash(entry, -entry.amount)
    run.withdrawals += entry.amount


def _apply_fee(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    run.move_cash(entry, -entry.amount)
    run.fees += entry.amount
    run.fee_rows += entry.amount


def _apply_interest(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    run.move_cash(entry, entry.amount)
    run.interest += entry.amount


def _apply_rights_subscription(run: _Run, entry: LedgerEntry, quantity: int) -> None:
    # An exercised right: the subscription cost joins the cost basis; no brokerage fee.
    _apply_buy(run, entry, quantity)


_HANDLERS: dict[Kind, Callable[[_Run, LedgerEntry, int], None]] = {
    Kind.BUY: _apply_buy,
    Kind.SELL: _apply_sell,
    Kind.STOCK_DIVIDEND: _apply_stock_dividend,
    Kind.DIVIDEND: _apply_dividend,
    Kind.DEPOSIT: _apply_deposit,
    Kind.WITHDRAWAL: _apply_withdrawal,
    Kind.FEE: _apply_fee,
    Kind.INTEREST: _apply_interest,
    Kind.RIGHTS_SUBSCRIPTION: _apply_rights_subscription,
    Kind.SHARE_CONSOLIDATION: _apply_share_consolidation,
}


def _invalid(entry: LedgerEntry, code: LedgerErrorCode, detail: str) -> LedgerError:
    return LedgerError(entry=entry, code=code, detail=detail)


def _in_range(value: object, *, allow_zero: bool) -> bool:
    """value is a finite Decimal or int that is positive (or zero, if allowed)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return False
    if isinstance(value, Decimal) and not value.is_finite():
        return False
    return value >= 0 if allow_zero else value > 0


def _checked_quantity(entry: LedgerEntry) -> int:
    """The entry's share count as an int (0 for kinds that move no shares); raise if invalid."""
    if entry.kind not in SHARE_KINDS:
        return 0
    quantity: object = entry.quantity
    count: int | None = None
    if isinstance(quantity, int) and not isinstance(quantity, bool):
        count = quantity
    elif (
        isinstance(quantity, Decimal)
        and quantity.is_finite()
        and quantity == quantity.to_integral_value()
    ):
        count = int(quantity)
    if count is None:
        raise _invalid(
            entry,
            LedgerErrorCode.INVALID_QUANTITY,
            f"quantity must be a whole number of shares, not {quantity}",
        )
    if count <= 0:
        raise _invalid(
            entry, LedgerErrorCode.INVALID_QUANTITY, f"quantity must be positive, not {count}"
        )
    return count


def _validate(entry: LedgerEntry) -> int:
    """Check one entry's own fields; return its share count."""
    kind = entry.kind
    if kind in SYMBOL_KINDS and not (entry.symbol and entry.symbol.strip()):
        raise _invalid(entry, LedgerErrorCode.MISSING_SYMBOL, f"a {kind} needs a symbol")
    quantity = _checked_quantity(entry)
    if kind in PRICED_KINDS and not _in_range(entry.price, allow_zero=False):
        raise _invalid(
            entry, LedgerErrorCode.INVALID_PRICE, f"price must be positive, not {entry.price}"
        )
    if kind in AMOUNT_KINDS and not _in_range(entry.amount, allow_zero=False):
        raise _invalid(
            entry, LedgerErrorCode.INVALID_AMOUNT, f"amount must be positive, not {entry.amount}"
        )
    if not _in_range(entry.fee, allow_zero=True):
        raise _invalid(entry, LedgerErrorCode.INVALID_FEE, f"fee must not be negative: {entry.fee}")
    if not _in_range(entry.tax, allow_zero=True):
        raise _invalid(entry, LedgerErrorCode.INVALID_TAX, f"tax must not be negative: {entry.tax}")
    if entry.settle_date < entry.trade_date:
        raise _invalid(
            entry,
            LedgerErrorCode.INVALID_SETTLE_DATE,
            f"settles on {entry.settle_date.isoformat()}, before its trade date",
        )
    return quantity


def trade_order(entry: LedgerEntry) -> tuple[date, int]:
    """Sort key for trade order: (trade_date, sequence)."""
    return (entry.trade_date, entry.sequence)


def fold(
    entries: Iterable[LedgerEntry], *, config: LedgerConfig, as_of: date | None = None
) -> LedgerState:
    """Replay `entries` in trade order; raise LedgerError on the first invalid one.

    `as_of` is the date at which settlement is measured (settled_quantity, settled_cash);
    it defaults to the last trade date and may not precede it -- to see an earlier state,
    pass only the entries up to that date.
    """
    ordered = sorted(entries, key=trade_order)
    if ordered:
        last = ordered[-1].trade_date
        if as_of is None:
            as_of = last
        elif as_of < last:
            raise ValueError(
                f"as_of {as_of.isoformat()} precedes the last entry ({last.isoformat()}); "
                "pass only the entries up to as_of"
            )
    run = _Run(config=config, as_of=as_of)
    with localcontext(prec=LEDGER_PRECISION, rounding=ROUND_HALF_EVEN):
        for entry in ordered:
            quantity = _validate(entry)
            _HANDLERS[entry.kind](run, entry, quantity)
        positions = {symbol: book.freeze(as_of) for symbol, book in run.books.items()}
        realized = sum((p.realized for p in positions.values()), ZERO)
        return LedgerState(
            positions=positions,
            cash=run.cash,
            settled_cash=run.cash - run.pending_cash,
            pending_cash=run.pending_cash,
            deposits=run.deposits,
            withdrawals=run.withdrawals,
            net_flows=run.deposits - run.withdrawals,
            fees=run.fees,
            taxes=run.taxes,
            dividends=run.dividends,
            interest=run.interest,
            fee_rows=run.fee_rows,
            realized=realized,
            cash_tracked=config.track_cash,
            cost_method=config.cost_method,
            as_of=as_of,
            entry_count=len(ordered),
        )
