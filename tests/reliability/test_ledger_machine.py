"""A Hypothesis state machine over the ledger services, checked against a reference model.

Every step goes through ``portfolio.services`` (record, update, delete) on a real database. The
model below is written independently of ``portfolio.ledger``: a list of transactions replayed in
trade order with exact fractions (average cost, cash tracked). A step the model refuses must be
refused by the service (a RuleViolation) and leave the stored rows unchanged; a step it accepts
must be stored, and after every step the quantities, cash and realized P&L must agree.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from market.calendar import is_trading_day
from portfolio import services
from portfolio.ledger import LedgerConfig, fold
from portfolio.models import Transaction
from portfolio_site.errors import RuleViolation

pytestmark = pytest.mark.reliability

SYMBOLS = ("FPT", "VNM")
# ten trading days in the past: backdating moves a transaction among them
DAYS = [d for d in (date(2025, 3, 3) + timedelta(days=n) for n in range(20)) if is_trading_day(d)]
DAYS = DAYS[:10]
_names = itertools.count()


@dataclass(frozen=True)
class Row:
    """The model's view of one stored transaction."""

    kind: str
    trade_date: date
    symbol: str = ""
    quantity: int = 0
    price: int = 0
    amount: int = 0
    fee: int = 0
    tax: int = 0


@dataclass
class Totals:
    quantities: dict[str, int]
    cash: Fraction
    realized: Fraction


def replay(rows: dict[int, Row]) -> Totals | None:
    """Replay rows in (trade_date, id) order; None when one would oversell or overdraw cash."""
    quantities: dict[str, int] = {}
    costs: dict[str, Fraction] = {}
    cash = Fraction(0)
    realized = Fraction(0)
    for _, row in sorted(rows.items(), key=lambda item: (item[1].trade_date, item[0])):
        held = quantities.get(row.symbol, 0)
        if row.kind == "BUY":
            spent = row.quantity * row.price + row.fee
            if cash < spent:
                return None
            cash -= spent
            quantities[row.symbol] = held + row.quantity
            costs[row.symbol] = costs.get(row.symbol, Fraction(0)) + spent
        elif row.kind == "SELL":
            if row.quantity > held:
                return None
            proceeds = row.quantity * row.price - row.fee - row.tax
            if cash + proceeds < 0:
                return None
            cash += proceeds
            removed = costs[row.symbol] * row.quantity / held
            realized += proceeds - removed
            costs[row.symbol] -= removed
            quantities[row.symbol] = held - row.quantity
        elif row.kind == "STOCK_DIVIDEND":
            quantities[row.symbol] = held + row.quantity
            costs.setdefault(row.symbol, Fraction(0))
        elif row.kind in ("DEPOSIT",):
            cash += row.amount
        elif row.kind == "DIVIDEND":
            cash += row.amount - row.tax
        elif row.kind == "WITHDRAWAL":
            if cash < row.amount:
                return None
            cash -= row.amount
    return Totals(quantities=quantities, cash=cash, realized=realized)


def _service_fields(row: Row) -> dict[str, Any]:
    fields: dict[str, Any] = {"kind": row.kind, "trade_date": row.trade_date}
    if row.kind in ("BUY", "SELL", "STOCK_DIVIDEND", "DIVIDEND"):
        fields["symbol"] = row.symbol
    if row.kind in ("BUY", "SELL", "STOCK_DIVIDEND"):
        fields["quantity"] = row.quantity
    if row.kind in ("BUY", "SELL"):
        fields["price"] = Decimal(row.price)
        fields["fee"] = Decimal(row.fee)
    if row.kind == "SELL":
        fields["tax"] = Decimal(row.tax)
    if row.kind in ("DEPOSIT", "WITHDRAWAL", "DIVIDEND"):
        fields["amount"] = Decimal(row.amount)
    if row.kind == "DIVIDEND":
        fields["tax"] = Decimal(row.tax)
    return fields


days = st.sampled_from(DAYS)
symbols = st.sampled_from(SYMBOLS)
quantities = st.integers(min_value=1, max_value=30).map(lambda n: n * 100)
# HOSE prices off the round thousand but on the tick grid (50 VND steps below 50,000, 100 above)
prices = st.integers(min_value=10, max_value=150).map(lambda n: n * 1000 + (50 if n < 50 else 100))
fees = st.integers(min_value=0, max_value=50_000)
amounts = st.integers(min_value=1, max_value=400).map(lambda n: n * 1_000_000)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.portfolio = services.portfolio_create(
            owner=LedgerMachine.owner,
            name=f"machine {next(_names)}",
            cost_method="average",
            track_cash=True,
            enforce_settlement=False,
        )
        self.rows: dict[int, Row] = {}
        self.refused = 0

    # --- applying a change to both sides ----------------------------------------------------

    def _stored(self) -> list[tuple[Any, ...]]:
        return list(
            Transaction.objects.filter(portfolio_id=self.portfolio.pk)
            .order_by("pk")
            .values_list("pk", "kind", "trade_date", "quantity", "price", "amount", "fee", "tax")
        )

    def _attempt(self, proposed: dict[int, Row], action: Any) -> Any:
        expected_ok = replay(proposed) is not None
        before = self._stored()
        try:
            result = action()
        except RuleViolation:
            assert not expected_ok, "the service refused a change the model accepts"
            assert self._stored() == before, "a refused change altered the stored rows"
            self.refused += 1
            return None
        assert expected_ok, "the service accepted a change the model refuses"
        return result

    def _record(self, row: Row) -> None:
        created = self._attempt(
            {**self.rows, 10**12: row},  # a new row gets the highest id: last on its date
            lambda: services.transaction_record(portfolio=self.portfolio, **_service_fields(row)),
        )
        if created is not None:
            self.rows[created.pk] = row

    @rule(amount=amounts, day=days)
    def deposit(self, amount: int, day: date) -> None:
        self._record(Row("DEPOSIT", day, amount=amount))

    @rule(amount=amounts, day=days)
    def withdraw(self, amount: int, day: date) -> None:
        self._record(Row("WITHDRAWAL", day, amount=amount))

    @rule(symbol=symbols, quantity=quantities, price=prices, fee=fees, day=days)
    def buy(self, symbol: str, quantity: int, price: int, fee: int, day: date) -> None:
        self._record(Row("BUY", day, symbol, quantity, price, fee=fee))

    @rule(
        symbol=symbols,
        quantity=quantities,
        price=prices,
        fee=fees,
        tax=st.integers(min_value=0, max_value=20_000),
        day=days,
    )
    def sell(self, symbol: str, quantity: int, price: int, fee: int, tax: int, day: date) -> None:
        self._record(Row("SELL", day, symbol, quantity, price, fee=fee, tax=tax))

    @rule(symbol=symbols, amount=amounts, day=days, data=st.data())
    def dividend(self, symbol: str, amount: int, day: date, data: st.DataObject) -> None:
        tax = data.draw(st.integers(min_value=0, max_value=amount // 10))
        self._record(Row("DIVIDEND", day, symbol, amount=amount, tax=tax))

    @rule(symbol=symbols, quantity=quantities, day=days)
    def bonus_shares(self, symbol: str, quantity: int, day: date) -> None:
        self._record(Row("STOCK_DIVIDEND", day, symbol, quantity))

    @precondition(lambda self: bool(self.rows))
    @rule(data=st.data(), day=days)
    def backdate(self, data: st.DataObject, day: date) -> None:
        pk = data.draw(st.sampled_from(sorted(self.rows)))
        row = Transaction.objects.get(pk=pk)
        updated = self._attempt(
            {**self.rows, pk: replace(self.rows[pk], trade_date=day)},
            lambda: services.transaction_update(transaction_row=row, changes={"trade_date": day}),
        )
        if updated is not None:
            self.rows[pk] = replace(self.rows[pk], trade_date=day)

    @precondition(lambda self: any(r.kind in ("BUY", "SELL") for r in self.rows.values()))
    @rule(data=st.data(), quantity=quantities)
    def edit_quantity(self, data: st.DataObject, quantity: int) -> None:
        trades = sorted(pk for pk, r in self.rows.items() if r.kind in ("BUY", "SELL"))
        pk = data.draw(st.sampled_from(trades))
        row = Transaction.objects.get(pk=pk)
        updated = self._attempt(
            {**self.rows, pk: replace(self.rows[pk], quantity=quantity)},
            lambda: services.transaction_update(
                transaction_row=row, changes={"quantity": quantity}
            ),
        )
        if updated is not None:
            self.rows[pk] = replace(self.rows[pk], quantity=quantity)

    @precondition(lambda self: bool(self.rows))
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        pk = data.draw(st.sampled_from(sorted(self.rows)))
        row = Transaction.objects.get(pk=pk)
        remaining = {k: v for k, v in self.rows.items() if k != pk}
        if self._attempt(
            remaining, lambda: services.transaction_delete(transaction_row=row) or True
        ):
            self.rows = remaining

    # --- what must hold after every step ----------------------------------------------------

    @invariant()
    def stored_rows_match_the_model(self) -> None:
        stored = {pk: (kind, trade_date) for pk, kind, trade_date, *_ in self._stored()}
        assert stored == {pk: (r.kind, r.trade_date) for pk, r in self.rows.items()}

    @invariant()
    def totals_match_the_model(self) -> None:
        expected = replay(self.rows)
        assert expected is not None, "the model holds an invalid ledger"
        state = fold(
            services.ledger_entries(portfolio=self.portfolio),
            config=LedgerConfig(cost_method="average", enforce_settlement=False, track_cash=True),
        )
        held = {s: p.quantity for s, p in state.positions.items() if p.quantity}
        assert held == {s: q for s, q in expected.quantities.items() if q}
        assert Fraction(state.cash) == expected.cash
        assert abs(Fraction(state.realized) - expected.realized) < Fraction(1, 10**20)


@pytest.mark.django_db
def test_ledger_services_agree_with_the_reference_model(user: Any, instruments: Any) -> None:
    LedgerMachine.owner = user
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


def test_the_reference_model_refuses_an_oversell() -> None:
    given = {1: Row("DEPOSIT", DAYS[0], amount=10_000_000), 2: Row("SELL", DAYS[1], "FPT", 100, 1)}
    assert replay(given) is None
    assert replay({1: given[1]}) is not None
