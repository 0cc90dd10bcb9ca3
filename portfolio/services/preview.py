"""What a transaction would store, computed by the write's own code and stored nowhere.

``transaction_preview`` prepares the transaction exactly as ``transaction_record`` (or, with
``previous``, ``transaction_update``) does -- the same field checks, exchange rules and derived fee,
tax and settle date, raising the same 400/409/422 errors -- then folds the ledger twice:

- the whole ledger with the portfolio's rules, as the write would: a refusal (insufficient cash,
  unsettled shares, an oversell, a later transaction the change breaks) becomes a *problem*
  rather than an error, with the date unsettled shares settle;
- the ledger up to the transaction with cash and settlement not enforced, for the figures (the
  position after it, its average cost, what a SELL realizes, cash after it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from portfolio.ledger import (
    Kind,
    LedgerConfig,
    LedgerEntry,
    LedgerError,
    LedgerErrorCode,
    LedgerState,
    cash_effect,
    fold,
    trade_order,
)
from portfolio.models import Portfolio, Transaction
from portfolio.services.exchange_rules import is_odd_lot
from portfolio.services.preparation import (
    PreparedTransaction,
    _merge_changes,
    transaction_prepare,
)
from portfolio.services.transactions import (
    NEW_SEQUENCE,
    _check_external_ids,
    ledger_config,
    ledger_detail,
    ledger_entries,
)
from portfolio_site.numbers import VND_PLACES, half_up

ACQUIRING = frozenset({Kind.BUY, Kind.STOCK_DIVIDEND})


@dataclass(frozen=True)
class Problem:
    """Why the write would be refused (``error``) or what deserves a look (``warning``)."""

    code: str
    message: str
    severity: str = "error"
    transaction_id: int | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransactionPreview:
    prepared: PreparedTransaction
    gross: Decimal | None
    net_cash_effect: Decimal
    cash_after: Decimal | None
    quantity_after: int | None
    average_cost_after: Decimal | None
    realized: Decimal | None
    odd_lot: bool
    problems: list[Problem]

    @property
    def accepted(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def transaction_preview(
    *,
    portfolio: Portfolio,
    fields: Mapping[str, Any],
    previous: Transaction | None = None,
) -> TransactionPreview:
    """Preview recording ``fields`` (or, with ``previous``, changing that stored row by them)."""
    if previous is not None:
        prepared = transaction_prepare(
            portfolio=portfolio, previous=previous, **_merge_changes(previous, fields)
        )
        entry_id: int | None = previous.pk
        sequence = previous.pk
    else:
        prepared = transaction_prepare(portfolio=portfolio, **dict(fields))
        entry_id, sequence = None, NEW_SEQUENCE
    _check_external_ids(portfolio, [prepared], exclude=[entry_id] if entry_id else [])
    entry = prepared.entry(entry_id=entry_id, sequence=sequence)
    stored = [e for e in ledger_entries(portfolio=portfolio) if e.id != entry_id]
    config = ledger_config(portfolio)

    problems: list[Problem] = []
    try:
        fold([*stored, entry], config=config)
    except LedgerError as exc:
        problems.append(_problem(exc, entry, stored))

    key = trade_order(entry)
    upto = [e for e in stored if trade_order(e) < key]
    relaxed = LedgerConfig(
        cost_method=config.cost_method, enforce_settlement=False, track_cash=False
    )
    try:
        state: LedgerState | None = fold([*upto, entry], config=relaxed)
    except LedgerError:  # an oversell: no position to show
        state = None

    gross = prepared.price * prepared.quantity if prepared.price is not None else None
    position = state.positions.get(entry.symbol) if state is not None and entry.symbol else None
    realized = None
    if position is not None and prepared.kind is Kind.SELL:
        sale = next((s for s in position.sales if s.entry_id == entry_id), None)
        realized = half_up(sale.realized, VND_PLACES) if sale is not None else None
    return TransactionPreview(
        prepared=prepared,
        gross=gross,
        net_cash_effect=cash_effect(entry),
        cash_after=state.cash if state is not None and portfolio.track_cash else None,
        quantity_after=position.quantity if position is not None else None,
        average_cost_after=(
            half_up(position.avg_cost, VND_PLACES)
            if position is not None and position.quantity
            else None
        ),
        realized=realized,
        odd_lot=is_odd_lot(
            kind=prepared.kind,
            quantity=prepared.quantity,
            lot_size=prepared.instrument.lot_size if prepared.instrument else None,
        ),
        problems=problems,
    )


def _problem(exc: LedgerError, entry: LedgerEntry, stored: Sequence[LedgerEntry]) -> Problem:
    ours = exc.entry.id == entry.id and exc.entry.sequence == entry.sequence
    details = {name: str(value) for name, value in exc.context.items()}
    if ours and exc.code is LedgerErrorCode.UNSETTLED_SHARES:
        settles = settles_on(
            entry, stored, shortfall=entry.quantity - int(str(exc.context["available"]))
        )
        if settles is not None:
            details["settles_on"] = settles.isoformat()
    return Problem(
        code=str(exc.code),
        message=ledger_detail(exc) if ours else exc.message,
        transaction_id=None if ours or not isinstance(exc.entry.id, int) else exc.entry.id,
        details=details,
    )


def settles_on(sell: LedgerEntry, stored: Sequence[LedgerEntry], *, shortfall: int) -> date | None:
    """The first date by which ``shortfall`` more shares of the sell's symbol have settled: the
    settle dates of the acquisitions still pending on the sell's date, earliest first."""
    pending = sorted(
        (e.settle_date, e.quantity)
        for e in stored
        if e.kind in ACQUIRING
        and e.symbol == sell.symbol
        and trade_order(e) < trade_order(sell)
        and e.settle_date > sell.trade_date
    )
    covered = 0
    for settle_date, quantity in pending:
        covered += quantity
        if covered >= shortfall:
            return settle_date
    return None
