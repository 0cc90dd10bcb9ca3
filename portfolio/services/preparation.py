"""Preparing one transaction: its own fields checked (shapes, the bounds of ``portfolio/bounds.py``,
the calendar, the symbol) and its fee, tax and settle date derived; the rest of the ledger is
``transactions.py``'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from market.calendar import add_trading_days, is_trading_day, market_date
from market.models import Instrument, InstrumentType
from portfolio.bounds import FIRST_SESSION, MAX_AMOUNT, MAX_PRICE, MAX_QUANTITY, vnd
from portfolio.ledger import (
    AMOUNT_KINDS,
    PRICED_KINDS,
    SHARE_KINDS,
    SYMBOL_KINDS,
    TRADE_KINDS,
    Kind,
    LedgerEntry,
    derive_fee,
    derive_tax,
)
from portfolio.models import (
    Portfolio,
    Transaction,
)
from portfolio.services.exchange_rules import check_exchange_rules
from portfolio_site.errors import DomainError, RuleViolation

ZERO = Decimal(0)
SETTLEMENT_DAYS = 2
SETTLING_KINDS = TRADE_KINDS
FEE_KINDS = frozenset({Kind.BUY, Kind.SELL})
TAX_KINDS = frozenset({Kind.SELL, Kind.DIVIDEND})
PRICE_KINDS = PRICED_KINDS

# What a transaction says, in the order every form of it lists them (API, admin, CSV).
TRANSACTION_ENTRY_FIELDS = ("kind", "symbol", "quantity", "price", "amount", "fee", "tax")
# The arguments a transaction is recorded or edited with.
TRANSACTION_FIELDS = (*TRANSACTION_ENTRY_FIELDS, "trade_date", "note", "external_id")


def market_today() -> date:
    """Today's date in Vietnam (where trade dates live)."""
    return market_date(timezone.now())


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

    check_exchange_rules(
        kind=kind,
        instrument=instrument,
        price=price,
        trade_date=trade_date,
        today=today,
        previous=previous,
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
