"""Importing parsed rows (``portfolio/transfer.py`` parses the files): all or nothing, every bad row
reported, rows already present skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from market.models import Instrument
from portfolio.ledger import (
    LedgerError,
    fold,
)
from portfolio.models import (
    Portfolio,
    Transaction,
)
from portfolio.services.preparation import (
    PreparedTransaction,
    market_today,
    transaction_fingerprint,
    transaction_prepare,
)
from portfolio.services.transactions import (
    NEW_SEQUENCE,
    _lock,
    _touch_and_announce,
    ledger_config,
    ledger_detail,
    ledger_entries,
)
from portfolio_site.errors import Conflict, DomainError, RuleViolation

# --- import -----------------------------------------------------------------------------------

MAX_IMPORT_LEDGER_ERRORS = 100


@dataclass(frozen=True)
class ImportRow:
    """One parsed row of an import file: ``fields`` are transaction_prepare's keyword arguments."""

    number: int
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the error is not one row's (e.g. a stored transaction it breaks)
    code: str
    message: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"row": self.row, "code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = dict(self.fields)
        return body


@dataclass(frozen=True)
class ImportResult:
    dry_run: bool
    rows: int
    created: int  # rows written (or that would be, on a dry run)
    skipped: int  # rows already in the portfolio (same external_id, or same content)
    transactions: list[Transaction]


@dataclass(frozen=True)
class _RowRef:
    """Ledger entry id of an imported row, so ledger errors name the row."""

    number: int

    def __str__(self) -> str:
        return f"in row {self.number}"


def import_rejected(errors: Sequence[RowError], *, rows: int) -> RuleViolation:
    listed = sorted(errors, key=lambda e: (e.row is None, e.row or 0))
    return RuleViolation(
        f"{len(listed)} of {rows} rows cannot be imported; nothing was written.",
        code="import_rejected",
        fields={"errors": [e.as_dict() for e in listed]},
    )


def transactions_import(
    *,
    portfolio: Portfolio,
    rows: Sequence[ImportRow],
    parse_errors: Sequence[RowError] = (),
    dry_run: bool = False,
) -> ImportResult:
    """Import parsed rows all-or-nothing; raise ``RuleViolation`` listing every bad row.

    Errors cover the rows' own fields (unknown symbol, future date, ...) and the ledger rules at
    each row's place in trade order (an oversell at row 17). After a row fails the ledger it is
    left out and the fold goes on, so every independent violation is reported (a row that only
    fails because an earlier bad row is missing is reported too).

    Importing the same file again adds nothing: a row whose ``external_id`` is already in the
    portfolio is skipped; a row without one is skipped when a stored transaction has the same
    content (kind, symbol, dates, quantity, price, amount, fee, tax, note), counting duplicates,
    so a file holding two identical rows imports both once. A repeated external_id inside the file
    is an error.
    """
    errors = list(parse_errors)
    with transaction.atomic():
        locked = _lock(portfolio)
        symbols = {str(r.fields.get("symbol") or "").strip().upper() for r in rows} - {""}
        instruments = {i.symbol: i for i in Instrument.objects.filter(symbol__in=symbols)}
        today = market_today()
        stored = Transaction.objects.filter(portfolio_id=locked.pk)
        known_ids = set(stored.exclude(external_id="").values_list("external_id", flat=True))
        known_content: dict[tuple[object, ...], int] = {}
        for values in stored.filter(external_id="").values_list(
            "kind",
            "instrument__symbol",
            "quantity",
            "price",
            "amount",
            "fee",
            "tax",
            "trade_date",
            "note",
        ):
            kind, symbol, quantity, price, amount, fee, tax, trade_date, note = values
            key = transaction_fingerprint(
                kind=kind,
                symbol=symbol or "",
                quantity=quantity,
                price=price,
                amount=amount,
                fee=fee,
                tax=tax,
                trade_date=trade_date,
                note=note,
            )
            known_content[key] = known_content.get(key, 0) + 1

        fresh: list[tuple[int, PreparedTransaction]] = []
        seen_ids: dict[str, int] = {}
        skipped = 0
        for row in rows:
            try:
                prepared = transaction_prepare(
                    portfolio=locked, instruments=instruments, today=today, **dict(row.fields)
                )
            except DomainError as exc:
                errors.append(RowError(row.number, exc.code, exc.message, exc.fields))
                continue
            if prepared.external_id:
                if prepared.external_id in known_ids:
                    skipped += 1
                    continue
                if prepared.external_id in seen_ids:
                    errors.append(
                        RowError(
                            row.number,
                            "duplicate_external_id",
                            f"external_id {prepared.external_id!r} already appears in row "
                            f"{seen_ids[prepared.external_id]}.",
                        )
                    )
                    continue
                seen_ids[prepared.external_id] = row.number
            else:
                key = prepared.fingerprint()
                if known_content.get(key, 0) > 0:
                    known_content[key] -= 1
                    skipped += 1
                    continue
            fresh.append((row.number, prepared))

        errors += _ledger_errors(locked, fresh)
        if errors:
            raise import_rejected(errors, rows=len(rows) + len(parse_errors))
        created = [Transaction(portfolio=locked, **p.model_fields()) for _, p in fresh]
        if not dry_run and created:
            try:
                with transaction.atomic():
                    created = Transaction.objects.bulk_create(created, batch_size=1000)
            except IntegrityError as exc:
                raise Conflict(f"The import clashes with stored rows: {exc}") from exc
            _touch_and_announce(locked.pk)
    return ImportResult(
        dry_run=dry_run,
        rows=len(rows),
        created=len(created),
        skipped=skipped,
        transactions=created,
    )


def _ledger_errors(
    portfolio: Portfolio,
    fresh: list[tuple[int, PreparedTransaction]],
) -> list[RowError]:
    """Fold the stored ledger plus the new rows; collect one error per failing row."""
    if not fresh:
        return []
    config = ledger_config(portfolio)
    stored = ledger_entries(portfolio=portfolio)
    pending = {
        number: prepared.entry(entry_id=_RowRef(number), sequence=NEW_SEQUENCE + index)
        for index, (number, prepared) in enumerate(fresh)
    }
    errors: list[RowError] = []
    while True:
        try:
            fold([*stored, *pending.values()], config=config)
            break
        except LedgerError as exc:
            if not isinstance(exc.entry.id, _RowRef):
                errors.append(
                    RowError(
                        None,
                        str(exc.code),
                        f"The imported rows would break a stored transaction: {exc.message}",
                    )
                )
                break
            errors.append(RowError(exc.entry.id.number, str(exc.code), ledger_detail(exc)))
            del pending[exc.entry.id.number]
            if len(errors) >= MAX_IMPORT_LEDGER_ERRORS:
                errors.append(
                    RowError(None, "too_many_errors", "Stopped checking after 100 ledger errors.")
                )
                break
    return errors
