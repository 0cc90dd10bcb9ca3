"""Transaction writes: record, edit, delete and batches, each checked against the whole re-folded
ledger with the portfolio row locked (see the package docstring).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from market.models import Instrument
from portfolio import snapshot_cache
from portfolio.ledger import (
    Kind,
    LedgerConfig,
    LedgerEntry,
    LedgerError,
    LedgerState,
    describe_entry,
    fold,
)
from portfolio.models import (
    Portfolio,
    Transaction,
)
from portfolio.services.preparation import (
    ZERO,
    PreparedTransaction,
    _merge_changes,
    transaction_prepare,
)
from portfolio_site.errors import Conflict, NotFound, RuleViolation

logger = logging.getLogger(__name__)

# New rows sort after every stored row of their trade date (ids only grow).
NEW_SEQUENCE = sys.maxsize


def ledger_config(portfolio: Portfolio) -> LedgerConfig:
    return LedgerConfig(
        cost_method=portfolio.cost_method,  # type: ignore[arg-type]
        enforce_settlement=portfolio.enforce_settlement,
        track_cash=portfolio.track_cash,
    )


# --- the ledger check -------------------------------------------------------------------------


def _whole_if_integral(price: Decimal | None) -> Decimal:
    """Prices are stored with two decimals ("100000.00"); whole VND reads better in messages."""
    if price is None:
        return ZERO
    return price.quantize(Decimal(1)) if price == price.to_integral_value() else price


_KINDS = {kind.value: kind for kind in Kind}


def ledger_entries(*, portfolio: Portfolio) -> list[LedgerEntry]:
    """The portfolio's stored transactions as ledger entries (no model instances, no join)."""
    rows = list(
        Transaction.objects.filter(portfolio_id=portfolio.pk).values_list(
            "id",
            "kind",
            "instrument_id",
            "quantity",
            "price",
            "amount",
            "fee",
            "tax",
            "trade_date",
            "settle_date",
        )
    )
    instrument_ids = {row[2] for row in rows if row[2] is not None}
    symbols = dict(
        Instrument.objects.filter(pk__in=instrument_ids).values_list("pk", "symbol")
        if instrument_ids
        else ()
    )
    return [
        LedgerEntry(
            id=pk,
            kind=_KINDS[kind],
            symbol=symbols.get(instrument_id, "") if instrument_id is not None else "",
            quantity=quantity,
            price=_whole_if_integral(price),
            amount=amount if amount is not None else ZERO,
            fee=fee,
            tax=tax,
            trade_date=trade_date,
            settle_date=settle_date,
            sequence=pk,
        )
        for pk, kind, instrument_id, quantity, price, amount, fee, tax, trade_date, settle_date in rows
    ]


def ledger_violation(exc: LedgerError) -> RuleViolation:
    """The ledger's refusal as a 422 naming the transaction."""
    entry = exc.entry
    fields: dict[str, Any] = {
        "transaction_id": entry.id if isinstance(entry.id, int) else None,
        "trade_date": entry.trade_date.isoformat(),
        "kind": str(entry.kind),
        "symbol": entry.symbol,
    }
    for name, value in exc.context.items():
        fields[name] = str(value)
    return RuleViolation(exc.message, code=str(exc.code), fields=fields)


def ledger_detail(exc: LedgerError) -> str:
    """The error's reason without the 'Transaction N (...)' prefix."""
    prefix = f"{describe_entry(exc.entry)}: "
    return exc.message[len(prefix) :] if exc.message.startswith(prefix) else exc.message


def _fold_or_refuse(entries: Iterable[LedgerEntry], config: LedgerConfig) -> LedgerState:
    try:
        return fold(entries, config=config)
    except LedgerError as exc:
        raise ledger_violation(exc) from exc


def _lock(portfolio: Portfolio) -> Portfolio:
    """Lock the portfolio row for the rest of the transaction (serialises its writers)."""
    try:
        return Portfolio.objects.select_for_update().get(pk=portfolio.pk)
    except Portfolio.DoesNotExist:
        raise NotFound("Portfolio not found.") from None


def _touch_and_announce(portfolio_id: int) -> None:
    """Mark the ledger changed now (cache keys use updated_at) and tell listeners after commit."""
    Portfolio.objects.filter(pk=portfolio_id).update(updated_at=timezone.now())
    transaction.on_commit(lambda: portfolio_changed(portfolio_id))


def portfolio_changed(portfolio_id: int) -> None:
    """After commit: drop cached snapshots and push ``portfolio.changed`` to open streams."""
    snapshot_cache.invalidate_portfolio(portfolio_id)
    try:
        from realtime.broadcast import publish_portfolio_changed
    except ImportError:  # the realtime app is optional for the portfolio app
        return
    try:
        publish_portfolio_changed(portfolio_id)
    except Exception:
        logger.warning("could not publish portfolio.changed for %s", portfolio_id, exc_info=True)


def _check_external_ids(
    portfolio: Portfolio, prepared: Sequence[PreparedTransaction], *, exclude: Iterable[int] = ()
) -> None:
    wanted = [p.external_id for p in prepared if p.external_id]
    if not wanted:
        return
    clash = (
        Transaction.objects.filter(portfolio_id=portfolio.pk, external_id__in=wanted)
        .exclude(pk__in=list(exclude))
        .values_list("external_id", flat=True)
        .first()
    )
    if clash is None and len(set(wanted)) < len(wanted):
        clash = next(e for e in wanted if wanted.count(e) > 1)
    if clash is not None:
        raise Conflict(
            f"external_id {clash!r} is already used in this portfolio.",
            code="duplicate_external_id",
            fields={"external_id": [f"{clash!r} is already used in this portfolio."]},
        )


# --- transactions -----------------------------------------------------------------------------


def transaction_record(
    *,
    portfolio: Portfolio,
    kind: Kind | str,
    trade_date: date,
    symbol: str | None = None,
    quantity: int | None = None,
    price: Decimal | None = None,
    amount: Decimal | None = None,
    fee: Decimal | None = None,
    tax: Decimal | None = None,
    note: str = "",
    external_id: str = "",
) -> Transaction:
    """Record one transaction after checking it against the whole ledger."""
    with transaction.atomic():
        locked = _lock(portfolio)
        prepared = transaction_prepare(
            portfolio=locked,
            kind=kind,
            trade_date=trade_date,
            symbol=symbol,
            quantity=quantity,
            price=price,
            amount=amount,
            fee=fee,
            tax=tax,
            note=note,
            external_id=external_id,
        )
        _check_external_ids(locked, [prepared])
        entries = ledger_entries(portfolio=locked)
        entries.append(prepared.entry(entry_id=None, sequence=NEW_SEQUENCE))
        _fold_or_refuse(entries, ledger_config(locked))
        row = _insert(locked, prepared)
        _touch_and_announce(locked.pk)
    return row


def _insert(portfolio: Portfolio, prepared: PreparedTransaction) -> Transaction:
    try:
        with transaction.atomic():
            return Transaction.objects.create(portfolio=portfolio, **prepared.model_fields())
    except IntegrityError as exc:
        raise Conflict(
            f"The transaction clashes with a stored one: {exc}", code="conflict"
        ) from exc


def transaction_update(*, transaction_row: Transaction, changes: Mapping[str, Any]) -> Transaction:
    """Change some fields of a stored transaction (a PATCH); the whole ledger is re-checked.

    A derived fee or tax is derived again from the new values unless ``changes`` sets it; setting
    it to None asks for derivation.
    """
    with transaction.atomic():
        locked = _lock(transaction_row.portfolio)
        try:
            row = Transaction.objects.select_related("instrument").get(
                pk=transaction_row.pk, portfolio_id=locked.pk
            )
        except Transaction.DoesNotExist:
            raise NotFound("Transaction not found.") from None
        merged = _merge_changes(row, changes)
        prepared = transaction_prepare(portfolio=locked, previous=row, **merged)
        _check_external_ids(locked, [prepared], exclude=[row.pk])
        entries = [
            prepared.entry(entry_id=row.pk, sequence=row.pk) if e.id == row.pk else e
            for e in ledger_entries(portfolio=locked)
        ]
        _fold_or_refuse(entries, ledger_config(locked))
        for name, value in prepared.model_fields().items():
            setattr(row, name, value)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:
            raise Conflict(f"The change clashes with a stored row: {exc}") from exc
        _touch_and_announce(locked.pk)
    return row


def transaction_delete(*, transaction_row: Transaction) -> None:
    """Delete a transaction unless a later one depends on it (e.g. the shares a sell needs)."""
    with transaction.atomic():
        locked = _lock(transaction_row.portfolio)
        entries = [e for e in ledger_entries(portfolio=locked) if e.id != transaction_row.pk]
        _fold_or_refuse(entries, ledger_config(locked))
        deleted, _ = Transaction.objects.filter(
            pk=transaction_row.pk, portfolio_id=locked.pk
        ).delete()
        if not deleted:
            raise NotFound("Transaction not found.")
        _touch_and_announce(locked.pk)


@dataclass(frozen=True)
class TransactionBatch:
    """Several changes to one portfolio checked by one fold and written together (admin, seed)."""

    creates: Sequence[Mapping[str, Any]] = ()
    updates: Sequence[tuple[Transaction, Mapping[str, Any]]] = ()
    deletes: Sequence[Transaction] = ()


def transactions_apply(
    *, portfolio: Portfolio, batch: TransactionBatch, dry_run: bool = False
) -> list[Transaction]:
    """Apply creates, updates and deletes at once, or nothing if any of them breaks the ledger.

    ``dry_run`` validates only (the admin's form validation): it uses the given portfolio's
    in-memory settings (a form may be changing them) and accepts a portfolio not saved yet.
    Returns the created and updated rows (unsaved copies when dry_run).
    """
    with transaction.atomic():
        if portfolio.pk is None:
            if not dry_run:
                raise ValueError("save the portfolio before adding transactions to it")
            base, stored = portfolio, []
        else:
            locked = _lock(portfolio)
            base = portfolio if dry_run else locked
            stored = ledger_entries(portfolio=locked)
        deleted_ids = {row.pk for row in batch.deletes}
        updated: list[tuple[Transaction, PreparedTransaction]] = []
        for row, changes in batch.updates:
            previous = Transaction.objects.select_related("instrument").get(
                pk=row.pk, portfolio_id=portfolio.pk
            )
            merged = _merge_changes(previous, changes)
            updated.append(
                (previous, transaction_prepare(portfolio=base, previous=previous, **merged))
            )
        created = [transaction_prepare(portfolio=base, **dict(c)) for c in batch.creates]
        _check_external_ids(
            base,
            [p for _, p in updated] + created,
            exclude=deleted_ids | {row.pk for row, _ in updated},
        )
        replaced = {row.pk: p for row, p in updated}
        entries = [
            replaced[e.id].entry(entry_id=e.id, sequence=e.sequence) if e.id in replaced else e
            for e in stored
            if e.id not in deleted_ids
        ]
        entries += [
            p.entry(entry_id=None, sequence=NEW_SEQUENCE + i) for i, p in enumerate(created)
        ]
        _fold_or_refuse(entries, ledger_config(base))
        results: list[Transaction] = []
        for row, prepared in updated:
            for name, value in prepared.model_fields().items():
                setattr(row, name, value)
            results.append(row)
        results += [Transaction(portfolio=base, **p.model_fields()) for p in created]
        if dry_run:
            return results
        Transaction.objects.filter(pk__in=deleted_ids, portfolio_id=base.pk).delete()
        try:
            with transaction.atomic():
                for row in results:
                    row.save()
        except IntegrityError as exc:
            raise Conflict(f"The changes clash with stored rows: {exc}") from exc
        _touch_and_announce(base.pk)
    return results
