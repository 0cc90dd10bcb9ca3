"""The reference ledger: portfolio-maths.md's ledger section in exact `Fraction` arithmetic.

Replays entries (the production `LedgerEntry` type is the shared input format) in trade order,
(trade_date, sequence), and keeps every amount exact. It refuses what the document and the
product's rules forbid -- selling more than is held, selling shares that have not settled,
taking cash below zero when cash is tracked -- before changing anything, so a generator can try
an entry and keep the state when it is refused.

Choices the document leaves open, made here (and checked against production by the tests):
- a STOCK_DIVIDEND under FIFO needs open lots to dilute (a bonus issue goes to holders); with
  none, the shares form one zero-cost lot.
- settlement counts shares: a SELL dated d may sell at most the shares acquired with
  settle_date <= d, less every share sold before it.
- a SHARE_CONSOLIDATION (reverse split) of q shares must leave one share at least; the cost
  stays. It takes settled shares first, then unsettled ones (earliest settlement first). Under
  FIFO each lot gives up floor(q x lot / held), the rest one share at a time from the largest
  lots (the oldest first on a tie); a lot left empty passes its cost to the next open lot (the
  last one's to the one before).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Literal

from portfolio.ledger import LedgerEntry

CostMethod = Literal["average", "fifo"]


def half_up(value: Fraction) -> int:
    """Round half-up (away from zero at .5) to a whole number, as brokers do with VND."""
    whole = abs(value)
    rounded = int(whole + Fraction(1, 2))  # floor(|v| + 1/2)
    return rounded if value >= 0 else -rounded


def trade_fee(*, quantity: int, price: Fraction, fee_rate: Fraction) -> int:
    """A BUY or SELL fee: rate x gross value, half-up to whole VND at the transaction."""
    return half_up(fee_rate * price * quantity)


def sell_tax(*, quantity: int, price: Fraction, sell_tax_rate: Fraction) -> int:
    return half_up(sell_tax_rate * price * quantity)


def dividend_tax(*, amount: Fraction, dividend_tax_rate: Fraction) -> int:
    return half_up(dividend_tax_rate * amount)


class Refused(Exception):
    """The reference will not take this entry; `code` uses the production error codes' words."""

    def __init__(self, code: str, entry: LedgerEntry) -> None:
        super().__init__(f"{code}: {entry}")
        self.code = code
        self.entry = entry


@dataclass
class RefLot:
    quantity: int
    cost: Fraction


@dataclass
class RefPosition:
    quantity: int = 0
    cost: Fraction = Fraction(0)
    realized: Fraction = Fraction(0)
    realized_shown: int = 0  # each sale's realized rounded half-up, summed (what every view shows)
    dividends: Fraction = Fraction(0)  # net of tax
    fees: Fraction = Fraction(0)  # trade fees of this symbol
    taxes: Fraction = Fraction(0)  # sell taxes and dividend taxes of this symbol
    lots: list[RefLot] = field(default_factory=list)
    acquired: list[tuple[date, int]] = field(default_factory=list)  # (settle_date, shares)
    sold: int = 0

    def settled_quantity(self, as_of: date) -> int:
        return sum(q for settle, q in self.acquired if settle <= as_of) - self.sold


@dataclass
class ReferenceLedger:
    cost_method: CostMethod = "average"
    track_cash: bool = True
    enforce_settlement: bool = True
    positions: dict[str, RefPosition] = field(default_factory=dict)
    cash: Fraction = Fraction(0)
    deposits: Fraction = Fraction(0)
    withdrawals: Fraction = Fraction(0)
    fees: Fraction = Fraction(0)  # every fee paid: trade fees and FEE rows
    taxes: Fraction = Fraction(0)  # sell taxes and dividend taxes
    dividends: Fraction = Fraction(0)  # net
    interest: Fraction = Fraction(0)
    fee_rows: Fraction = Fraction(0)
    sales: int = 0  # SELL entries applied
    last_date: date | None = None

    # --- derived totals ---------------------------------------------------------------------

    @property
    def net_flows(self) -> Fraction:
        return self.deposits - self.withdrawals

    @property
    def realized(self) -> Fraction:
        return sum((p.realized for p in self.positions.values()), Fraction(0))

    @property
    def cost_basis(self) -> Fraction:
        return sum((p.cost for p in self.positions.values()), Fraction(0))

    def quantity(self, symbol: str) -> int:
        position = self.positions.get(symbol)
        return position.quantity if position else 0

    def market_value(self, prices: dict[str, Fraction]) -> Fraction:
        return sum(
            (prices[s] * p.quantity for s, p in self.positions.items() if p.quantity),
            Fraction(0),
        )

    # --- replay -------------------------------------------------------------------------------

    def copy(self) -> ReferenceLedger:
        return copy.deepcopy(self)

    def apply(self, entry: LedgerEntry) -> None:
        """Apply one entry (entries must come in trade order); raise Refused and change nothing."""
        if self.last_date is not None and entry.trade_date < self.last_date:
            raise ValueError("the reference replays entries in trade order only")
        kind = str(entry.kind)
        price, amount = Fraction(entry.price), Fraction(entry.amount)
        fee, tax, q = Fraction(entry.fee), Fraction(entry.tax), int(entry.quantity)
        position = self.positions.get(entry.symbol) if entry.symbol else None
        if kind == "BUY":
            self._spend(entry, q * price + fee)
            position = self._position(entry.symbol)
            position.quantity += q
            position.cost += q * price + fee
            position.fees += fee
            position.acquired.append((entry.settle_date, q))
            if self.cost_method == "fifo":
                position.lots.append(RefLot(q, q * price + fee))
            self.cash -= q * price + fee
            self.fees += fee
        elif kind == "SELL":
            held = position.quantity if position else 0
            if position is None or q > held:
                raise Refused("oversell", entry)
            if self.enforce_settlement and q > position.settled_quantity(entry.trade_date):
                raise Refused("unsettled_shares", entry)
            proceeds = q * price - fee - tax
            self._spend(entry, -proceeds)
            taken = self._take(position, q)
            position.realized += proceeds - taken
            position.realized_shown += half_up(proceeds - taken)
            self.sales += 1
            position.cost -= taken
            position.quantity -= q
            position.sold += q
            position.fees += fee
            position.taxes += tax
            self.cash += proceeds
            self.fees += fee
            self.taxes += tax
        elif kind == "STOCK_DIVIDEND":
            position = self._position(entry.symbol)
            if self.cost_method == "fifo":
                self._dilute(position, q)
            position.quantity += q
            position.acquired.append((entry.settle_date, q))
        elif kind == "SHARE_CONSOLIDATION":
            if position is None or q >= position.quantity:
                raise Refused("oversell", entry)
            if self.cost_method == "fifo":
                self._shrink(position, q)
            self._consolidate_settlement(position, q, entry.trade_date)
            position.quantity -= q
        elif kind == "DIVIDEND":
            position = self._position(entry.symbol)
            position.dividends += amount - tax
            position.taxes += tax
            self.cash += amount - tax
            self.dividends += amount - tax
            self.taxes += tax
        elif kind == "FEE":
            self._spend(entry, amount)
            self.cash -= amount
            self.fees += amount
            self.fee_rows += amount
        elif kind == "INTEREST":
            self.cash += amount
            self.interest += amount
        elif kind == "DEPOSIT":
            self.cash += amount
            self.deposits += amount
        elif kind == "WITHDRAWAL":
            self._spend(entry, amount)
            self.cash -= amount
            self.withdrawals += amount
        else:  # pragma: no cover - the generators make only the kinds above
            raise ValueError(kind)
        self.last_date = entry.trade_date

    def _position(self, symbol: str) -> RefPosition:
        return self.positions.setdefault(symbol, RefPosition())

    def _spend(self, entry: LedgerEntry, outgo: Fraction) -> None:
        if self.track_cash and outgo > 0 and self.cash - outgo < 0:
            raise Refused("insufficient_cash", entry)

    def _take(self, position: RefPosition, quantity: int) -> Fraction:
        """The cost basis given up by selling `quantity` shares."""
        if self.cost_method == "average":
            return position.cost * quantity / position.quantity
        taken = Fraction(0)
        remaining = quantity
        while remaining:
            lot = position.lots[0]
            part = min(remaining, lot.quantity)
            share = lot.cost * part / lot.quantity
            taken += share
            lot.cost -= share
            lot.quantity -= part
            remaining -= part
            if lot.quantity == 0:
                position.lots.pop(0)
        return taken

    @staticmethod
    def _dilute(position: RefPosition, bonus: int) -> None:
        """Spread bonus shares over the open lots in proportion; costs stay."""
        lots = position.lots
        if not lots:
            lots.append(RefLot(bonus, Fraction(0)))
            return
        held = sum(lot.quantity for lot in lots)
        given = [bonus * lot.quantity // held for lot in lots]
        remainder = bonus - sum(given)
        for i in range(remainder):  # one share at a time to the oldest lots
            given[i % len(lots)] += 1
        for lot, extra in zip(lots, given, strict=True):
            lot.quantity += extra

    @staticmethod
    def _consolidate_settlement(position: RefPosition, quantity: int, day: date) -> None:
        """Settled shares go first (counted as gone, like sold ones), then unsettled ones."""
        taken = min(quantity, max(position.settled_quantity(day), 0))
        position.sold += taken
        rest = quantity - taken
        pending = sorted(
            (i for i, (settle, _) in enumerate(position.acquired) if settle > day),
            key=lambda i: position.acquired[i][0],
        )
        for i in pending:
            settle, shares = position.acquired[i]
            cut = min(shares, rest)
            position.acquired[i] = (settle, shares - cut)
            rest -= cut

    @staticmethod
    def _shrink(position: RefPosition, removed: int) -> None:
        """Take ``removed`` shares from the open lots in proportion; costs stay."""
        lots = position.lots
        held = sum(lot.quantity for lot in lots)
        after = [lot.quantity - removed * lot.quantity // held for lot in lots]
        remainder = sum(after) - (held - removed)
        for i in sorted(range(len(lots)), key=lambda i: (-after[i], i))[:remainder]:
            after[i] -= 1
        carry = Fraction(0)
        kept: list[RefLot] = []
        for lot, quantity in zip(lots, after, strict=True):
            if quantity == 0:
                carry += lot.cost
                continue
            kept.append(RefLot(quantity, lot.cost + carry))
            carry = Fraction(0)
        kept[-1].cost += carry
        position.lots = kept


def replay(
    entries: Iterable[LedgerEntry],
    *,
    cost_method: CostMethod = "average",
    track_cash: bool = True,
    enforce_settlement: bool = True,
) -> ReferenceLedger:
    """Fold `entries` in trade order (stable on equal (trade_date, sequence))."""
    ledger = ReferenceLedger(
        cost_method=cost_method, track_cash=track_cash, enforce_settlement=enforce_settlement
    )
    for entry in sorted(entries, key=lambda e: (e.trade_date, e.sequence)):
        ledger.apply(entry)
    return ledger
