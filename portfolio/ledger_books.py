"""One symbol's books during a fold: shares pending settlement, FIFO lots, bonus-share dilution,
and what each sale and each closed position realized. Pure Decimal maths, no ORM.

`portfolio.ledger.fold()` checks every entry (cash, overselling, settlement) and then moves shares
and cost here; the frozen results (`Position`, `Lot`, `Sale`, `ClosedPosition`) are re-exported by
`portfolio.ledger`.

- FIFO lots: every BUY opens a lot (cost includes its fee). A STOCK_DIVIDEND opens no lot of its
  own: its shares dilute the open lots (docs/portfolio-maths.md). Each lot grows by
  floor(bonus x lot quantity / shares held), each lot's cost unchanged; the shares left over go one
  at a time to the oldest lots. With nothing held there is nothing to dilute, and the shares form
  one zero-cost lot (the same zero basis average cost gives them).
- A SHARE_CONSOLIDATION (reverse split) takes shares away, each lot's cost unchanged: each lot
  loses floor(removed x lot quantity / shares held), the shares left over one at a time from the
  largest lots (the oldest first on a tie). A lot left with no share (only when every lot held
  one) passes its cost to the next open lot (the last one's to the one before).
- Settlement counts shares, not lots: bonus shares are pending until the STOCK_DIVIDEND's
  settle_date whichever lots they joined, and a lot keeps its own settle_date.
- A sale (`Sale`) records its proceeds (gross - fee - tax), the cost it removed (average cost x
  quantity, or the FIFO lots taken) and realized = proceeds - cost, so the sales of a symbol add up
  to its realized P&L exactly.
- A closed position (`ClosedPosition`) runs from the entry that took the holding above zero to the
  sale that brought it back to zero: shares sold, proceeds, cost, realized, and the trade fees
  (buys and sells) and sell taxes paid on the way. A holding sold out and bought again starts a
  new one.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from itertools import islice
from typing import NamedTuple

from portfolio.pickle_fields import pickle_by_fields
from portfolio_site.numbers import VND_PLACES, half_up

ZERO = Decimal(0)
# Enough digits that average-cost division never loses anything a VND amount could show.
LEDGER_PRECISION = 50


@pickle_by_fields
@dataclass(frozen=True, slots=True)
class Lot:
    """An open FIFO lot: what is left of one BUY, grown by any bonus shares it received."""

    quantity: int
    cost: Decimal
    trade_date: date
    settle_date: date
    entry_id: object


@pickle_by_fields
@dataclass(frozen=True, slots=True)
class RealizedLot:
    """The part of one SELL matched against one FIFO lot. Proceeds are shared pro rata."""

    sell_entry_id: object
    sell_date: date
    lot_entry_id: object
    lot_date: date
    quantity: int
    cost: Decimal
    proceeds: Decimal

    @property
    def realized(self) -> Decimal:
        with localcontext(prec=LEDGER_PRECISION):
            return self.proceeds - self.cost


class Sale(NamedTuple):
    """What one SELL realized (exact; round at the edge). The fold keeps each as a plain tuple of
    the entry's own values and the cost removed (`SaleRow`: a fifth of a 100,000-entry fold's
    time when it kept its computed amounts too); `Position.sales` names them."""

    entry_id: object
    symbol: str
    trade_date: date
    quantity: int
    price: Decimal
    fee: Decimal
    tax: Decimal
    cost: Decimal  # the cost basis the sale removed

    @property
    def gross(self) -> Decimal:
        with localcontext(prec=LEDGER_PRECISION, rounding=ROUND_HALF_EVEN):
            return self.price * self.quantity

    @property
    def proceeds(self) -> Decimal:
        """gross - fee - tax, as the fold computed it."""
        with localcontext(prec=LEDGER_PRECISION, rounding=ROUND_HALF_EVEN):
            return self.price * self.quantity - self.fee - self.tax

    @property
    def realized(self) -> Decimal:
        proceeds = self.proceeds
        with localcontext(prec=LEDGER_PRECISION, rounding=ROUND_HALF_EVEN):
            return proceeds - self.cost


@pickle_by_fields
@dataclass(frozen=True, slots=True)
class ClosedPosition:
    """A holding from its first acquisition to the sale that sold it out (exact)."""

    symbol: str
    opened: date
    closed: date
    quantity: int  # shares sold (= shares bought plus bonus shares received)
    proceeds: Decimal
    cost: Decimal
    fees: Decimal  # buy and sell fees
    taxes: Decimal  # sell taxes
    realized_vnd: Decimal  # its sales' realized P&L, each rounded half-up to whole VND, summed

    @property
    def realized(self) -> Decimal:
        with localcontext(prec=LEDGER_PRECISION):
            return self.proceeds - self.cost


# Sale's fields as the fold records them.
SaleRow = tuple[object, str, date, int, Decimal, Decimal, Decimal, Decimal]


class SoldOut(NamedTuple):
    """Where a closed position's sales are in `Position.sales`, and the fees it paid."""

    opened: date
    closed: date
    first_sale: int
    end_sale: int  # exclusive
    fees: Decimal  # buy and sell fees


@pickle_by_fields
@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    quantity: int
    settled_quantity: int
    cost: Decimal
    realized: Decimal
    # What every view shows as realized P&L: each sale's realized P&L rounded half-up to whole VND,
    # summed, so the sales add up to the position and the positions to the summary.
    realized_vnd: Decimal
    dividends: Decimal
    fees: Decimal
    taxes: Decimal
    lots: tuple[Lot, ...] = ()
    realized_lots: tuple[RealizedLot, ...] = ()
    sale_rows: tuple[SaleRow, ...] = ()
    sold_out: tuple[SoldOut, ...] = ()

    @property
    def sales(self) -> tuple[Sale, ...]:
        """What each SELL of the symbol realized, in trade order."""
        return tuple(Sale._make(row) for row in self.sale_rows)

    @property
    def closed(self) -> tuple[ClosedPosition, ...]:
        """Each position held from zero back to zero, oldest first (summed from its sales)."""
        sales = self.sales
        closed = []
        with localcontext(prec=LEDGER_PRECISION):
            for out in self.sold_out:
                own = sales[out.first_sale : out.end_sale]
                closed.append(
                    ClosedPosition(
                        symbol=self.symbol,
                        opened=out.opened,
                        closed=out.closed,
                        quantity=sum(s.quantity for s in own),
                        proceeds=sum((s.proceeds for s in own), ZERO),
                        cost=sum((s.cost for s in own), ZERO),
                        fees=out.fees,
                        taxes=sum((s.tax for s in own), ZERO),
                        realized_vnd=sum((half_up(s.realized, VND_PLACES) for s in own), ZERO),
                    )
                )
        return tuple(closed)

    @property
    def avg_cost(self) -> Decimal:
        if self.quantity == 0:
            return ZERO
        with localcontext(prec=LEDGER_PRECISION):
            return self.cost / self.quantity

    @property
    def is_open(self) -> bool:
        return self.quantity > 0

    def market_value(self, close: Decimal) -> Decimal:
        with localcontext(prec=LEDGER_PRECISION):
            return close * self.quantity

    def unrealized(self, close: Decimal) -> Decimal:
        with localcontext(prec=LEDGER_PRECISION):
            return self.market_value(close) - self.cost


class _OpenLot:
    __slots__ = ("cost", "entry_id", "quantity", "settle_date", "trade_date")

    def __init__(
        self, quantity: int, cost: Decimal, trade_date: date, settle_date: date, entry_id: object
    ) -> None:
        self.quantity = quantity
        self.cost = cost
        self.trade_date = trade_date
        self.settle_date = settle_date
        self.entry_id = entry_id


class SymbolBook:
    """Mutable per-symbol accumulator used during one fold (called inside the fold's context)."""

    __slots__ = (
        "cost",
        "dividends",
        "fees",
        "fifo",
        "lots",
        "opened",
        "pending",
        "pending_quantity",
        "quantity",
        "realized",
        "realized_lots",
        "realized_vnd",
        "round_fees",
        "round_sales",
        "sales",
        "sold_out",
        "symbol",
        "taxes",
    )

    def __init__(self, symbol: str, *, fifo: bool) -> None:
        self.symbol = symbol
        self.fifo = fifo
        self.quantity = 0
        self.cost = ZERO
        self.realized = ZERO
        self.realized_vnd = ZERO
        self.dividends = ZERO
        self.fees = ZERO
        self.taxes = ZERO
        self.lots: deque[_OpenLot] = deque()
        self.realized_lots: list[RealizedLot] = []
        self.sales: list[SaleRow] = []
        self.sold_out: list[SoldOut] = []
        # The position open now: since when, its first sale's index, the symbol's fees before it.
        self.opened: date | None = None
        self.round_sales = 0
        self.round_fees = ZERO
        # Unsettled acquisitions as a min-heap of (settle_date, quantity).
        self.pending: list[tuple[date, int]] = []
        self.pending_quantity = 0

    # --- shares in ---------------------------------------------------------------------------

    def _acquire(self, quantity: int, trade_date: date, settle_date: date) -> None:
        if self.opened is None:
            self.opened = trade_date
            self.round_sales = len(self.sales)
            self.round_fees = self.fees
        self.quantity += quantity
        heapq.heappush(self.pending, (settle_date, quantity))
        self.pending_quantity += quantity

    def buy(
        self,
        *,
        quantity: int,
        cost: Decimal,
        fee: Decimal,
        trade_date: date,
        settle_date: date,
        entry_id: object,
    ) -> None:
        """`cost` is quantity x price + fee."""
        self._acquire(quantity, trade_date, settle_date)
        self.cost += cost
        self.fees += fee
        if self.fifo:
            self.lots.append(_OpenLot(quantity, cost, trade_date, settle_date, entry_id))

    def bonus(
        self, *, quantity: int, trade_date: date, settle_date: date, entry_id: object
    ) -> None:
        """Bonus shares: quantity up, cost unchanged; under FIFO they dilute the open lots."""
        if self.fifo:
            if self.lots:
                self._dilute(quantity)
            else:
                self.lots.append(_OpenLot(quantity, ZERO, trade_date, settle_date, entry_id))
        self._acquire(quantity, trade_date, settle_date)

    def _dilute(self, bonus: int) -> None:
        held = self.quantity  # under FIFO the lots hold exactly the position's shares
        left = bonus
        for lot in self.lots:
            share = bonus * lot.quantity // held
            lot.quantity += share
            left -= share
        for lot in islice(self.lots, left):  # fewer left over than there are lots
            lot.quantity += 1

    # --- shares consolidated -------------------------------------------------------------------

    def consolidate(self, *, quantity: int, trade_date: date) -> None:
        """A reverse split takes ``quantity`` shares away (fewer than held; the caller checked):
        cost unchanged; settled shares go first, then pending ones (earliest settlement first);
        under FIFO the lots shrink in proportion."""
        self.settle_until(trade_date)
        settled = self.settled_quantity()
        if quantity > settled:
            self.consume_pending(quantity - settled)
        if self.fifo:
            self._shrink(quantity)
        self.quantity -= quantity

    def _shrink(self, removed: int) -> None:
        held = self.quantity  # under FIFO the lots hold exactly the position's shares
        left = removed
        for lot in self.lots:
            share = removed * lot.quantity // held
            lot.quantity -= share
            left -= share
        # Fewer left over than there are lots; sorted() is stable: the oldest first on a tie.
        largest = sorted(self.lots, key=lambda lot: -lot.quantity)
        for lot in largest[:left]:
            lot.quantity -= 1
        if all(lot.quantity for lot in self.lots):
            return
        kept: deque[_OpenLot] = deque()
        carry = ZERO
        for lot in self.lots:
            if lot.quantity == 0:
                carry += lot.cost
                continue
            lot.cost += carry
            carry = ZERO
            kept.append(lot)
        kept[-1].cost += carry
        self.lots = kept

    def dividend(self, *, net: Decimal, tax: Decimal) -> None:
        self.dividends += net
        self.taxes += tax

    # --- settlement --------------------------------------------------------------------------

    def settle_until(self, day: date) -> None:
        while self.pending and self.pending[0][0] <= day:
            self.pending_quantity -= heapq.heappop(self.pending)[1]

    def consume_pending(self, quantity: int) -> None:
        """Sell shares that have not settled (only when settlement is not enforced)."""
        while quantity:
            settle_date, pending = heapq.heappop(self.pending)
            take = min(quantity, pending)
            if take < pending:
                heapq.heappush(self.pending, (settle_date, pending - take))
            self.pending_quantity -= take
            quantity -= take

    def settled_quantity(self) -> int:
        return self.quantity - self.pending_quantity

    # --- shares out --------------------------------------------------------------------------

    def sell(
        self,
        *,
        quantity: int,
        price: Decimal,
        fee: Decimal,
        tax: Decimal,
        proceeds: Decimal,
        trade_date: date,
        entry_id: object,
    ) -> None:
        """Remove `quantity` shares (the caller checked they are held and settled)."""
        if self.fifo:
            removed = self._take_lots(quantity, proceeds, trade_date, entry_id)
        else:
            removed = self.cost * quantity / self.quantity
        self.quantity -= quantity
        if self.quantity == 0:
            removed = self.cost  # selling out removes the whole basis, with no rounding residue
        self.cost -= removed
        gain = proceeds - removed
        self.realized += gain
        self.realized_vnd += half_up(gain, VND_PLACES)
        self.fees += fee
        self.taxes += tax
        self.sales.append((entry_id, self.symbol, trade_date, quantity, price, fee, tax, removed))
        if self.quantity == 0 and self.opened is not None:
            self.sold_out.append(
                SoldOut(
                    self.opened,
                    trade_date,
                    self.round_sales,
                    len(self.sales),
                    self.fees - self.round_fees,
                )
            )
            self.opened = None

    def _take_lots(
        self, quantity: int, proceeds: Decimal, trade_date: date, entry_id: object
    ) -> Decimal:
        """Consume FIFO lots for a sale; return the cost removed and record each lot's share."""
        remaining = quantity
        removed = ZERO
        proceeds_left = proceeds
        while remaining:
            lot = self.lots[0]
            take = min(remaining, lot.quantity)
            if take == lot.quantity:
                part_cost = lot.cost
                self.lots.popleft()
            else:
                part_cost = lot.cost * take / lot.quantity
                lot.cost -= part_cost
                lot.quantity -= take
            remaining -= take
            part_proceeds = proceeds_left if remaining == 0 else proceeds * take / quantity
            proceeds_left -= part_proceeds
            removed += part_cost
            self.realized_lots.append(
                RealizedLot(
                    sell_entry_id=entry_id,
                    sell_date=trade_date,
                    lot_entry_id=lot.entry_id,
                    lot_date=lot.trade_date,
                    quantity=take,
                    cost=part_cost,
                    proceeds=part_proceeds,
                )
            )
        return removed

    def freeze(self, as_of: date | None) -> Position:
        if as_of is not None:
            self.settle_until(as_of)
        return Position(
            symbol=self.symbol,
            quantity=self.quantity,
            settled_quantity=self.settled_quantity(),
            cost=self.cost,
            realized=self.realized,
            realized_vnd=self.realized_vnd,
            dividends=self.dividends,
            fees=self.fees,
            taxes=self.taxes,
            lots=tuple(
                Lot(lot.quantity, lot.cost, lot.trade_date, lot.settle_date, lot.entry_id)
                for lot in self.lots
            ),
            realized_lots=tuple(self.realized_lots),
            sale_rows=tuple(self.sales),
            sold_out=tuple(self.sold_out),
        )
