"""Writes of the portfolio app: portfolios, transactions, the watchlist and price alerts.

Every transaction write runs in one database transaction with the portfolio row locked
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers itself), re-folds the whole
ledger with the change applied and refuses with a ``RuleViolation`` (HTTP 422) naming the
transaction when the fold fails -- a backdated insert, edit or delete that would invalidate a later
sell is refused and nothing is written. On commit the portfolio's cached snapshots are invalidated
and ``realtime.broadcast.publish_portfolio_changed`` tells open streams.

Field rules (checked here, so the API, the admin and the importer agree):

- BUY/SELL need symbol, quantity, price; STOCK_DIVIDEND symbol and quantity; DIVIDEND symbol and
  amount; DEPOSIT, WITHDRAWAL, FEE, INTEREST an amount. Fields a kind does not use are refused.
- ``fee`` (BUY, SELL) and ``tax`` (SELL, DIVIDEND) are derived from the portfolio's rates when
  omitted (``ledger.derive_fee`` / ``derive_tax``, half-up to whole VND) and re-derived when an edit
  changes the trade; an explicit value is kept as given. Changing a portfolio's rates does not
  rewrite fees already recorded (the broker charged them at the time).
- ``settle_date``: BUY and SELL settle T+2 trading days after the trade date (shares bought on T
  can be sold from T+2; sale cash settles T+2). Every other kind settles on its trade date: bonus
  shares (STOCK_DIVIDEND) are tradable from the day they are credited to the account, which is the
  date to record; cash kinds move cash that day.
- Refused with clear codes: unknown symbol (400 ``unknown_symbol``), inactive symbol (422
  ``inactive_symbol``), an index as a holding (422 ``not_tradable``), a trade date after today in
  Vietnam (422 ``future_date``), BUY or SELL on a weekend or exchange holiday (422
  ``non_trading_day``), fractional VND (400), values beyond the bounds of ``portfolio/bounds.py``
  (400 naming the field: quantity, price, amount, fee, tax, a trade's gross value, a trade date
  before the first HOSE session, a fee or tax rate above 10 %), a reused ``external_id`` (409
  ``duplicate_external_id``), and every ledger rule (422 with the ledger's code, e.g. ``oversell``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from market.calendar import add_trading_days, is_trading_day, market_date
from market.models import Instrument, InstrumentType
from portfolio import snapshot_cache
from portfolio.bounds import FIRST_SESSION, MAX_AMOUNT, MAX_PRICE, MAX_QUANTITY, MAX_RATE, vnd
from portfolio.ledger import (
    AMOUNT_KINDS,
    SHARE_KINDS,
    SYMBOL_KINDS,
    TRADE_KINDS,
    Kind,
    LedgerConfig,
    LedgerEntry,
    LedgerError,
    LedgerState,
    derive_fee,
    derive_tax,
    describe_entry,
    fold,
)
from portfolio.models import (
    Alert,
    AlertCondition,
    CostMethod,
    Portfolio,
    Transaction,
    WatchlistItem,
)
from portfolio_site.errors import Conflict, DomainError, NotFound, RuleViolation

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
SETTLEMENT_DAYS = 2
SETTLING_KINDS = TRADE_KINDS
FEE_KINDS = frozenset({Kind.BUY, Kind.SELL})
TAX_KINDS = frozenset({Kind.SELL, Kind.DIVIDEND})
PRICE_KINDS = TRADE_KINDS
MAX_WATCHLIST = 200
MAX_ALERTS = 200
# New rows sort after every stored row of their trade date (ids only grow).
NEW_SEQUENCE = sys.maxsize

# What a transaction says, in the order every form of it lists them (API, admin, CSV).
TRANSACTION_ENTRY_FIELDS = ("kind", "symbol", "quantity", "price", "amount", "fee", "tax")
# The arguments a transaction is recorded or edited with.
TRANSACTION_FIELDS = (*TRANSACTION_ENTRY_FIELDS, "trade_date", "note", "external_id")


def market_today() -> date:
    """Today's date in Vietnam (where trade dates live)."""
    return market_date(timezone.now())


def ledger_config(portfolio: Portfolio) -> LedgerConfig:
    return LedgerConfig(
        cost_method=portfolio.cost_method,  # type: ignore[arg-type]
        enforce_settlement=portfolio.enforce_settlement,
        track_cash=portfolio.track_cash,
    )


# --- preparing one transaction --------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedTransaction:
    """A transaction's fields after validation and derivation, ready to fold and to save."""

    kind: Kind
    instrument: Instrument | None
    quantity: int
    price: Decimal | None
    amount: Decimal | None
    fee: Decimal
    tax: Decimal
    fee_is_derived: bool
    tax_is_derived: bool
    trade_date: date
    settle_date: date
    note: str
    external_id: str

    @property
    def symbol(self) -> str:
        return self.instrument.symbol if self.instrument is not None else ""

    def entry(self, *, entry_id: object, sequence: int) -> LedgerEntry:
        return LedgerEntry(
            id=entry_id,
            kind=self.kind,
            symbol=self.symbol,
            quantity=self.quantity,
            price=self.price if self.price is not None else ZERO,
            amount=self.amount if self.amount is not None else ZERO,
            fee=self.fee,
            tax=self.tax,
            trade_date=self.trade_date,
            settle_date=self.settle_date,
            sequence=sequence,
        )

    def model_fields(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "instrument": self.instrument,
            "quantity": self.quantity,
            "price": self.price,
            "amount": self.amount,
            "fee": self.fee,
            "tax": self.tax,
            "fee_is_derived": self.fee_is_derived,
            "tax_is_derived": self.tax_is_derived,
            "trade_date": self.trade_date,
            "settle_date": self.settle_date,
            "note": self.note,
            "external_id": self.external_id,
        }

    def fingerprint(self) -> tuple[object, ...]:
        """What makes two rows "the same transaction" for import without an external_id."""
        return transaction_fingerprint(
            kind=self.kind.value,
            symbol=self.symbol,
            quantity=self.quantity,
            price=self.price,
            amount=self.amount,
            fee=self.fee,
            tax=self.tax,
            trade_date=self.trade_date,
            note=self.note,
        )


def transaction_fingerprint(
    *,
    kind: str,
    symbol: str,
    quantity: int,
    price: Decimal | None,
    amount: Decimal | None,
    fee: Decimal,
    tax: Decimal,
    trade_date: date,
    note: str,
) -> tuple[object, ...]:
    def number(value: Decimal | None) -> str:
        return "" if value is None else format(value.normalize(), "f")

    return (
        kind,
        symbol,
        quantity,
        number(price),
        number(amount),
        number(fee),
        number(tax),
        trade_date.isoformat(),
        note,
    )


class FieldErrors:
    """Collects per-field messages and raises one 400 with all of them."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.items()))
            raise DomainError(f"{first[0]}: {first[1][0]}", code="invalid", fields=self.fields)


def _whole(
    errors: FieldErrors,
    name: str,
    value: Decimal | None,
    *,
    minimum: Decimal,
    maximum: Decimal,
    strict: bool,
) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        errors.add(name, "Must be a number.")
        return None
    if value != value.to_integral_value():
        errors.add(name, "Must be a whole number of VND (VND has no minor unit).")
        return None
    if value < minimum or (strict and value == minimum):
        errors.add(name, "Must be positive." if strict else "Must not be negative.")
        return None
    if value > maximum:
        errors.add(name, f"Must be at most {vnd(maximum)} VND.")
        return None
    return value.quantize(Decimal(1))


def _check_gross_value(
    errors: FieldErrors, kind: Kind, quantity: int | None, price: Decimal | None
) -> None:
    """A trade's gross value (quantity x price) is one amount: at most MAX_AMOUNT."""
    if kind not in PRICE_KINDS or "quantity" in errors.fields or "price" in errors.fields:
        return
    if not isinstance(quantity, int) or price is None:
        return
    if quantity * price > MAX_AMOUNT:
        message = f"quantity x price must be at most {vnd(MAX_AMOUNT)} VND."
        errors.add("quantity", message)
        errors.add("price", message)


def _parse_kind(value: object, errors: FieldErrors) -> Kind | None:
    try:
        return Kind(str(value))
    except ValueError:
        errors.add("kind", f"Unknown kind {value!r}; use one of {', '.join(Kind)}.")
        return None


def transaction_prepare(
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
    instruments: Mapping[str, Instrument] | None = None,
    previous: Transaction | None = None,
    today: date | None = None,
) -> PreparedTransaction:
    """Validate one transaction's own fields, resolve its symbol, derive fee, tax and settle date.

    Does not look at the rest of the ledger (``fold`` does that). ``instruments`` (symbol ->
    Instrument) saves a query per row when preparing many; ``previous`` is the stored row being
    edited: an unchanged instrument may be inactive and an unchanged trade may stay on a day the
    calendar later marked as a holiday. Raises DomainError (400) or RuleViolation (422).
    """
    errors = FieldErrors()
    parsed_kind = _parse_kind(kind, errors)
    errors.raise_if_any()
    assert parsed_kind is not None
    kind = parsed_kind
    symbol = (symbol or "").strip().upper()
    note = (note or "").strip()
    external_id = (external_id or "").strip()

    if kind in SYMBOL_KINDS and not symbol:
        errors.add("symbol", f"A {kind} needs a symbol.")
    if kind not in SYMBOL_KINDS and symbol:
        errors.add("symbol", f"A {kind} has no symbol.")
    if kind in SHARE_KINDS:
        if quantity is None:
            errors.add("quantity", f"A {kind} needs a quantity.")
        elif isinstance(quantity, bool) or not isinstance(quantity, int):
            errors.add("quantity", "Must be a whole number of shares.")
        elif quantity <= 0:
            errors.add("quantity", "Must be positive.")
        elif quantity > MAX_QUANTITY:
            errors.add("quantity", f"Must be at most {vnd(MAX_QUANTITY)} shares.")
    elif quantity not in (None, 0):
        errors.add("quantity", f"A {kind} has no quantity.")
    if kind in PRICE_KINDS and price is None:
        errors.add("price", f"A {kind} needs a price.")
    elif kind not in PRICE_KINDS and price is not None:
        errors.add("price", f"A {kind} has no price.")
    if kind in AMOUNT_KINDS and amount is None:
        errors.add("amount", f"A {kind} needs an amount.")
    elif kind not in AMOUNT_KINDS and amount is not None:
        errors.add("amount", f"A {kind} has no amount (use quantity and price).")
    if kind not in FEE_KINDS and fee not in (None, ZERO):
        errors.add("fee", f"A {kind} carries no fee (record a FEE transaction instead).")
    if kind not in TAX_KINDS and tax not in (None, ZERO):
        errors.add("tax", f"A {kind} carries no tax.")
    price = _whole(errors, "price", price, minimum=ZERO, maximum=MAX_PRICE, strict=True)
    amount = _whole(errors, "amount", amount, minimum=ZERO, maximum=MAX_AMOUNT, strict=True)
    fee = _whole(errors, "fee", fee, minimum=ZERO, maximum=MAX_AMOUNT, strict=False)
    tax = _whole(errors, "tax", tax, minimum=ZERO, maximum=MAX_AMOUNT, strict=False)
    _check_gross_value(errors, kind, quantity, price)
    if not isinstance(trade_date, date) or trade_date < FIRST_SESSION:
        errors.add(
            "trade_date",
            f"Must not be before {FIRST_SESSION.isoformat()} (the first HOSE session).",
        )
    if len(note) > 500:
        errors.add("note", "At most 500 characters.")
    if len(external_id) > 100:
        errors.add("external_id", "At most 100 characters.")
    errors.raise_if_any()

    instrument = _resolve_instrument(
        symbol=symbol, kind=kind, instruments=instruments, previous=previous
    )
    today = today or market_today()
    if trade_date > today:
        raise RuleViolation(
            f"Trade date {trade_date.isoformat()} is in the future (today is {today.isoformat()}).",
            code="future_date",
            fields={"trade_date": [f"Must not be after {today.isoformat()}."]},
        )
    unchanged_trade = (
        previous is not None and previous.trade_date == trade_date and previous.kind == kind.value
    )
    if kind in TRADE_KINDS and not is_trading_day(trade_date) and not unchanged_trade:
        raise RuleViolation(
            f"{trade_date.isoformat()} is not a trading day (weekend or exchange holiday); "
            f"a {kind} must be dated on a trading day.",
            code="non_trading_day",
            fields={"trade_date": ["Not a trading day."]},
        )

    quantity = quantity if kind in SHARE_KINDS else 0
    assert quantity is not None
    gross_price = price if price is not None else ZERO
    gross_amount = amount if amount is not None else ZERO
    fee_is_derived = fee is None
    tax_is_derived = tax is None
    if fee is None:
        fee = derive_fee(
            kind=kind,
            quantity=quantity,
            price=gross_price,
            amount=gross_amount,
            fee_rate=portfolio.fee_rate,
        )
    if tax is None:
        tax = derive_tax(
            kind=kind,
            quantity=quantity,
            price=gross_price,
            amount=gross_amount,
            sell_tax_rate=portfolio.sell_tax_rate,
            dividend_tax_rate=portfolio.dividend_tax_rate,
        )
    settle_date = (
        add_trading_days(trade_date, SETTLEMENT_DAYS) if kind in SETTLING_KINDS else trade_date
    )
    return PreparedTransaction(
        kind=kind,
        instrument=instrument,
        quantity=quantity,
        price=price,
        amount=amount,
        fee=fee,
        tax=tax,
        fee_is_derived=fee_is_derived,
        tax_is_derived=tax_is_derived,
        trade_date=trade_date,
        settle_date=settle_date,
        note=note,
        external_id=external_id,
    )


def _resolve_instrument(
    *,
    symbol: str,
    kind: Kind,
    instruments: Mapping[str, Instrument] | None,
    previous: Transaction | None,
) -> Instrument | None:
    if not symbol:
        return None
    if instruments is not None:
        instrument = instruments.get(symbol)
    else:
        instrument = Instrument.objects.filter(symbol=symbol).first()
    if instrument is None:
        raise DomainError(
            f"Unknown symbol {symbol!r}.",
            code="unknown_symbol",
            fields={"symbol": [f"No instrument {symbol!r}."]},
        )
    unchanged = previous is not None and previous.instrument_id == instrument.pk
    if not instrument.is_active and not unchanged:
        raise RuleViolation(
            f"{symbol} is not an active instrument (delisted or suspended).",
            code="inactive_symbol",
            fields={"symbol": [f"{symbol} is not active."]},
        )
    if instrument.type == InstrumentType.INDEX:
        raise RuleViolation(
            f"{symbol} is an index; a {kind} needs a tradable instrument.",
            code="not_tradable",
            fields={"symbol": [f"{symbol} is an index."]},
        )
    return instrument


def _existing_raw_fields(row: Transaction) -> dict[str, Any]:
    """A stored row as the raw input that would recreate it (derived fee/tax as None)."""
    kind = Kind(row.kind)
    return {
        "kind": kind,
        "symbol": row.instrument.symbol if row.instrument_id and row.instrument else "",
        "quantity": row.quantity if kind in SHARE_KINDS else None,
        "price": row.price,
        "amount": row.amount,
        "fee": None if row.fee_is_derived else row.fee,
        "tax": None if row.tax_is_derived else row.tax,
        "trade_date": row.trade_date,
        "note": row.note,
        "external_id": row.external_id,
    }


def _merge_changes(row: Transaction, changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(TRANSACTION_FIELDS))
    if unknown:
        raise DomainError(
            f"Unknown fields: {', '.join(unknown)}.",
            code="invalid",
            fields={name: ["Unknown or read-only field."] for name in unknown},
        )
    merged = _existing_raw_fields(row)
    merged.update(changes)
    if "kind" in changes and Kind(merged["kind"]) not in SHARE_KINDS and "quantity" not in changes:
        merged["quantity"] = None
    return merged


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


# --- portfolios -------------------------------------------------------------------------------

PORTFOLIO_FIELDS = (
    "name",
    "description",
    "fee_rate",
    "sell_tax_rate",
    "dividend_tax_rate",
    "cost_method",
    "enforce_settlement",
    "track_cash",
)
LEDGER_SETTINGS = ("cost_method", "enforce_settlement", "track_cash")


def _check_portfolio_fields(fields: Mapping[str, Any]) -> None:
    errors = FieldErrors()
    unknown = sorted(set(fields) - set(PORTFOLIO_FIELDS))
    for name in unknown:
        errors.add(name, "Unknown or read-only field.")
    if "name" in fields and not str(fields["name"] or "").strip():
        errors.add("name", "Must not be blank.")
    for name in ("fee_rate", "sell_tax_rate", "dividend_tax_rate"):
        value = fields.get(name)
        if value is not None and not (ZERO <= Decimal(value) <= MAX_RATE):
            errors.add(name, f"Must be a fraction from 0 to {MAX_RATE} (0.0015 = 0.15%).")
    if "cost_method" in fields and fields["cost_method"] not in CostMethod.values:
        errors.add("cost_method", f"Use one of {', '.join(CostMethod.values)}.")
    errors.raise_if_any()


def _name_taken(owner_id: int, name: str, *, exclude: int | None = None) -> bool:
    same = Portfolio.objects.filter(owner_id=owner_id, name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    return same.exists()


def _name_conflict(name: str) -> Conflict:
    return Conflict(
        f"You already have a portfolio named {name!r}.",
        code="duplicate_name",
        fields={"name": ["You already have a portfolio with this name."]},
    )


def portfolio_create(*, owner: Any, name: str, **settings: Any) -> Portfolio:
    """Create a portfolio; ``settings`` are any of the rates, cost_method and the two switches."""
    fields = {"name": name, **{k: v for k, v in settings.items() if v is not None}}
    _check_portfolio_fields(fields)
    fields["name"] = name.strip()
    with transaction.atomic():
        if _name_taken(owner.pk, fields["name"]):
            raise _name_conflict(fields["name"])
        try:
            with transaction.atomic():
                return Portfolio.objects.create(owner=owner, **fields)
        except IntegrityError as exc:
            raise _name_conflict(fields["name"]) from exc


def portfolio_check_settings(*, portfolio: Portfolio, changes: Mapping[str, Any]) -> None:
    """Refuse ledger settings (cost method, settlement, cash) the stored ledger would break."""
    if not any(k in changes and changes[k] != getattr(portfolio, k) for k in LEDGER_SETTINGS):
        return
    config = LedgerConfig(
        cost_method=changes.get("cost_method", portfolio.cost_method),
        enforce_settlement=changes.get("enforce_settlement", portfolio.enforce_settlement),
        track_cash=changes.get("track_cash", portfolio.track_cash),
    )
    _fold_or_refuse(ledger_entries(portfolio=portfolio), config)


def portfolio_update(*, portfolio: Portfolio, changes: Mapping[str, Any]) -> Portfolio:
    """Rename or change settings; switching on settlement or cash checks re-checks the ledger."""
    _check_portfolio_fields(changes)
    if not changes:
        return portfolio
    with transaction.atomic():
        locked = _lock(portfolio)
        if "name" in changes:
            changes = {**changes, "name": str(changes["name"]).strip()}
            if _name_taken(locked.owner_id, changes["name"], exclude=locked.pk):
                raise _name_conflict(changes["name"])
        portfolio_check_settings(portfolio=locked, changes=changes)
        for name, value in changes.items():
            setattr(locked, name, value)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as exc:
            raise _name_conflict(str(changes.get("name", locked.name))) from exc
        transaction.on_commit(lambda: portfolio_changed(locked.pk))
    return locked


def portfolio_delete(*, portfolio: Portfolio) -> None:
    portfolio_id = portfolio.pk
    with transaction.atomic():
        Portfolio.objects.filter(pk=portfolio_id).delete()
        transaction.on_commit(lambda: portfolio_changed(portfolio_id))


# --- watchlist and alerts ---------------------------------------------------------------------


def _instrument_for(symbol: str) -> Instrument:
    symbol = (symbol or "").strip().upper()
    instrument = Instrument.objects.filter(symbol=symbol).first() if symbol else None
    if instrument is None:
        raise DomainError(
            f"Unknown symbol {symbol!r}.",
            code="unknown_symbol",
            fields={"symbol": [f"No instrument {symbol!r}."]},
        )
    return instrument


def watchlist_add(*, user: Any, symbol: str) -> tuple[WatchlistItem, bool]:
    """Add a symbol to the user's watchlist; (item, created). Adding twice is harmless."""
    instrument = _instrument_for(symbol)
    with transaction.atomic():
        existing = WatchlistItem.objects.filter(user=user, instrument=instrument).first()
        if existing is not None:
            return existing, False
        if WatchlistItem.objects.filter(user=user).count() >= MAX_WATCHLIST:
            raise RuleViolation(
                f"A watchlist holds at most {MAX_WATCHLIST} symbols.", code="watchlist_full"
            )
        try:
            with transaction.atomic():
                return WatchlistItem.objects.create(user=user, instrument=instrument), True
        except IntegrityError:
            return WatchlistItem.objects.get(user=user, instrument=instrument), False


def watchlist_remove(*, user: Any, symbol: str) -> None:
    deleted, _ = WatchlistItem.objects.filter(
        user=user, instrument__symbol=(symbol or "").strip().upper()
    ).delete()
    if not deleted:
        raise NotFound(f"{symbol} is not on your watchlist.")


def _check_alert(condition: str, threshold: Decimal) -> None:
    errors = FieldErrors()
    if condition not in AlertCondition.values:
        errors.add("condition", f"Use one of {', '.join(AlertCondition.values)}.")
    elif condition in (AlertCondition.ABOVE, AlertCondition.BELOW) and threshold <= 0:
        errors.add("threshold", "A price threshold must be positive.")
    elif condition in (AlertCondition.CHANGE_PCT_ABOVE, AlertCondition.CHANGE_PCT_BELOW) and not (
        Decimal(-100) <= threshold <= Decimal(100)
    ):
        errors.add("threshold", "A change threshold is a percentage between -100 and 100.")
    errors.raise_if_any()


def alert_create(
    *, user: Any, symbol: str, condition: str, threshold: Decimal, is_active: bool = True
) -> Alert:
    instrument = _instrument_for(symbol)
    _check_alert(condition, threshold)
    if Alert.objects.filter(user=user).count() >= MAX_ALERTS:
        raise RuleViolation(f"At most {MAX_ALERTS} alerts per user.", code="too_many_alerts")
    return Alert.objects.create(
        user=user,
        instrument=instrument,
        condition=condition,
        threshold=threshold,
        is_active=is_active,
    )


def alert_update(*, alert: Alert, changes: Mapping[str, Any]) -> Alert:
    """Change an alert; changing what it watches, or switching it back on, re-arms it."""
    rearm = False
    if "symbol" in changes:
        alert.instrument = _instrument_for(changes["symbol"])
        rearm = True
    for name in ("condition", "threshold"):
        if name in changes:
            setattr(alert, name, changes[name])
            rearm = True
    if "is_active" in changes:
        rearm = rearm or bool(changes["is_active"])  # switching on (again) re-arms it
        alert.is_active = bool(changes["is_active"])
    _check_alert(alert.condition, Decimal(alert.threshold))
    if rearm:
        alert.triggered_at = None
        alert.triggered_price = None
    alert.save()
    return alert


def alert_delete(*, alert: Alert) -> None:
    alert.delete()


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
