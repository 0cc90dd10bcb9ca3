"""Corporate-action entitlements: what each portfolio receives from each corporate event, and the
ledger rows that book it, exactly once. The terms and statuses are ``portfolio.entitlement_terms``'s
(pure); the background jobs (daily task, event hook, demo) are ``entitlement_jobs``'.

- Recomputed (``entitlements_sync`` for a portfolio, ``entitlements_sync_event`` for an event)
  when the event or the ledger before the ex-date changes. Correcting an applied event rewrites
  its rows (checked against the whole ledger) and stores what changed in ``last_change``; a
  cancelled event, or one nobody is entitled to any more, removes its rows.
- Applying books a DIVIDEND (tax withheld at the portfolio's rate), a STOCK_DIVIDEND or (a
  reverse split) a SHARE_CONSOLIDATION dated on the payment / listing date; exercising a right books a RIGHTS_SUBSCRIPTION at the subscription
  price without fee, tradable from the listing date.
- Exactly once: every write locks the portfolio row, then the entitlement row
  (``select_for_update``), and ``Transaction.entitlement`` is unique per kind in the database.
  A hand-typed row (same symbol, kind and date, amount within 1 VND or the same share count) is
  linked instead of duplicated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from market.models import CorporateEvent, CorporateEventKind
from portfolio.entitlement_terms import (
    ONE_VND,
    SHARE_SIGN,
    TERM_NAMES,
    Holdings,
    change_text,
    entitlement_status,
    entitlement_terms,
)
from portfolio.ledger import Kind
from portfolio.models import Entitlement, EntitlementStatus, Portfolio, Transaction
from portfolio.services.preparation import market_today, transaction_prepare
from portfolio.services.transactions import (
    NEW_SEQUENCE,
    _fold_or_refuse,
    _lock,
    _touch_and_announce,
    ledger_config,
    ledger_entries,
)
from portfolio_site.errors import Conflict, DomainError, RuleViolation

logger = logging.getLogger(__name__)


# --- booking -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    kind: Kind
    trade_date: date
    quantity: int | None = None
    amount: Decimal | None = None
    price: Decimal | None = None
    settle_date: date | None = None


def _rows_for(entitlement: Entitlement, event: CorporateEvent, on: date) -> list[_Row]:
    if entitlement.cash_gross:
        return [_Row(Kind.DIVIDEND, on, amount=entitlement.cash_gross)]
    if entitlement.new_shares > 0:
        return [_Row(Kind.STOCK_DIVIDEND, on, quantity=entitlement.new_shares)]
    if entitlement.new_shares < 0:  # a reverse split takes shares away
        return [_Row(Kind.SHARE_CONSOLIDATION, on, quantity=-entitlement.new_shares)]
    return []


def _note(event: CorporateEvent) -> str:
    return f"{event.get_kind_display()} {event.instrument.symbol} ex {event.ex_date.isoformat()}"


def _hand_typed(portfolio: Portfolio, event: CorporateEvent, row: _Row) -> Transaction | None:
    """A row the user typed before (same symbol, kind and date, amount within 1 VND or the same
    shares) and that no entitlement books yet."""
    candidates = Transaction.objects.filter(
        portfolio_id=portfolio.pk,
        instrument_id=event.instrument_id,
        kind=row.kind.value,
        trade_date=row.trade_date,
        entitlement__isnull=True,
    ).order_by("id")
    for candidate in candidates:
        if row.kind is Kind.DIVIDEND:
            assert row.amount is not None
            if candidate.amount is not None and abs(candidate.amount - row.amount) <= ONE_VND:
                return candidate
        elif candidate.quantity == row.quantity:
            return candidate
    return None


def _book(
    portfolio: Portfolio,
    entitlement: Entitlement,
    event: CorporateEvent,
    rows: list[_Row],
    *,
    today: date,
) -> dict[str, Any]:
    """Make the linked rows of ``entitlement`` exactly ``rows`` (create, link, update, delete),
    checked against the whole ledger. Returns what changed, by kind."""
    stored = {t.kind: t for t in Transaction.objects.filter(entitlement=entitlement)}
    wanted = {row.kind.value: row for row in rows}
    entries = {e.id: e for e in ledger_entries(portfolio=portfolio)}
    changes: dict[str, Any] = {}
    writes: list[tuple[Transaction, dict[str, Any]]] = []
    deletes: list[Transaction] = []
    new_sequence = NEW_SEQUENCE
    for kind, old in stored.items():
        if kind not in wanted:
            deletes.append(old)
            entries.pop(old.pk, None)
            changes[kind] = {"removed": old.pk}
    for kind, row in wanted.items():
        existing = stored.get(kind) or _hand_typed(portfolio, event, row)
        prepared = transaction_prepare(
            portfolio=portfolio,
            kind=row.kind,
            trade_date=row.trade_date,
            symbol=event.instrument.symbol,
            quantity=row.quantity,
            amount=row.amount,
            price=row.price,
            note=existing.note if existing is not None else _note(event),
            external_id=existing.external_id if existing is not None else "",
            previous=existing,
            today=today,
        )
        if row.settle_date is not None and row.settle_date > prepared.settle_date:
            prepared = replace(prepared, settle_date=row.settle_date)
        fields = prepared.model_fields()
        if existing is None:
            entry = prepared.entry(entry_id=None, sequence=new_sequence)
            new_sequence += 1
            entries[("new", kind)] = entry
            writes.append((Transaction(portfolio=portfolio, entitlement=entitlement), fields))
            changes[kind] = {"created": True}
            continue
        entries[existing.pk] = prepared.entry(entry_id=existing.pk, sequence=existing.pk)
        diff = {
            name: [change_text(getattr(existing, name)), change_text(value)]
            for name, value in fields.items()
            if name in ("quantity", "amount", "tax", "price", "trade_date")
            and getattr(existing, name) != value
        }
        if existing.entitlement_id is None:
            changes[kind] = {"matched": existing.pk, **({"changed": diff} if diff else {})}
        elif diff:
            changes[kind] = {"changed": diff}
        if diff or existing.entitlement_id is None:
            writes.append((existing, {**fields, "entitlement": entitlement}))
    if not writes and not deletes:
        return changes
    _fold_or_refuse(entries.values(), ledger_config(portfolio))
    Transaction.objects.filter(pk__in=[t.pk for t in deletes]).delete()
    for row_model, fields in writes:
        for name, value in fields.items():
            setattr(row_model, name, value)
        try:
            with transaction.atomic():
                row_model.save()
        except IntegrityError as exc:
            raise Conflict("This entitlement is already booked.", code="already_applied") from exc
    _touch_and_announce(portfolio.pk)
    return changes


# --- sync ----------------------------------------------------------------------------------------


def _sync_one(
    portfolio: Portfolio,
    event: CorporateEvent,
    holdings: Holdings,
    today: date,
    existing: Entitlement | None,
) -> Entitlement | None:
    """Bring the entitlement of (``portfolio``, ``event``) up to date; the portfolio is locked."""
    shares = holdings.before(event.instrument.symbol, event.ex_date)
    terms = (
        entitlement_terms(
            event=event, shares_held=shares, dividend_tax_rate=portfolio.dividend_tax_rate
        )
        if event.ex_date <= today
        else None
    )
    if terms is None:
        if existing is not None:
            if existing.status == EntitlementStatus.APPLIED:
                _book(portfolio, existing, event, [], today=today)
            existing.delete()
            _touch_and_announce(portfolio.pk)
        return None
    entitlement = existing or Entitlement(portfolio=portfolio, event=event)
    before = {name: getattr(entitlement, name) for name in TERM_NAMES}
    for name in TERM_NAMES:
        setattr(entitlement, name, getattr(terms, name))
    if entitlement.exercised > entitlement.rights:
        entitlement.exercised = entitlement.rights
    changed = {
        name: [change_text(before[name]), change_text(getattr(terms, name))]
        for name in TERM_NAMES
        if existing is not None and before[name] != getattr(terms, name)
    }
    dirty = existing is None or bool(changed)
    if existing is not None and existing.status == EntitlementStatus.APPLIED:
        booked = Transaction.objects.filter(entitlement=existing).order_by("id").first()
        if event.kind == CorporateEventKind.RIGHTS_ISSUE:
            rows = _rights_rows(entitlement, event, booked.trade_date if booked else today)
        else:
            on = event.payment_date or (booked.trade_date if booked else today)
            rows = _rows_for(entitlement, event, min(on, today))
        moved = booked is None or (rows and booked.trade_date != rows[0].trade_date)
        if changed or moved:
            try:
                booked_changes = _book(portfolio, entitlement, event, rows, today=today)
            except DomainError as exc:
                entitlement.last_change = {
                    "at": timezone.now().isoformat(),
                    "terms": changed,
                    "error": exc.message,
                }
            else:
                entitlement.last_change = {
                    "at": timezone.now().isoformat(),
                    "terms": changed,
                    "transactions": booked_changes,
                }
            dirty = True
    elif changed:
        entitlement.last_change = {"at": timezone.now().isoformat(), "terms": changed}
    status = entitlement_status(event=event, entitlement=entitlement, today=today)
    if status != entitlement.status:
        entitlement.status = status
        dirty = True
    if dirty:
        entitlement.save()
        _touch_and_announce(portfolio.pk)  # the value series counts pending entitlements
    return entitlement


def _rights_rows(entitlement: Entitlement, event: CorporateEvent, on: date) -> list[_Row]:
    if not entitlement.exercised:
        return []
    return [
        _Row(
            Kind.RIGHTS_SUBSCRIPTION,
            on,
            quantity=entitlement.exercised,
            price=event.subscription_price,
            settle_date=event.payment_date,
        )
    ]


def entitlements_sync(*, portfolio: Portfolio, today: date | None = None) -> list[Entitlement]:
    """Recompute every entitlement of ``portfolio`` (events with an ex-date up to ``today`` of
    the symbols it ever held); returns them, newest ex-date first."""
    today = today or market_today()
    with transaction.atomic():
        locked = _lock(portfolio)
        holdings = Holdings(ledger_entries(portfolio=locked))
        existing = {
            e.event_id: e
            for e in Entitlement.objects.select_for_update().filter(portfolio_id=locked.pk)
        }
        events = CorporateEvent.objects.select_related("instrument").filter(
            Q(instrument__symbol__in=holdings.symbols, ex_date__lte=today)
            | Q(pk__in=list(existing))
        )
        for event in events:
            _sync_one(locked, event, holdings, today, existing.get(event.pk))
    return list(
        Entitlement.objects.filter(portfolio_id=portfolio.pk)
        .select_related("event__instrument")
        .order_by("-event__ex_date", "id")
    )


def entitlements_sync_event(*, event: CorporateEvent, today: date | None = None) -> int:
    """Recompute the entitlements of ``event`` in every portfolio that held the symbol before
    the ex-date or has one already; returns how many portfolios were looked at."""
    today = today or market_today()
    holders = set(
        Transaction.objects.filter(
            instrument_id=event.instrument_id,
            kind__in=[k.value for k in SHARE_SIGN],
            trade_date__lt=event.ex_date,
        ).values_list("portfolio_id", flat=True)
    )
    holders.update(Entitlement.objects.filter(event=event).values_list("portfolio_id", flat=True))
    for portfolio_id in sorted(holders):
        with transaction.atomic():
            try:
                locked = Portfolio.objects.select_for_update().get(pk=portfolio_id)
            except Portfolio.DoesNotExist:
                continue
            fresh = CorporateEvent.objects.select_related("instrument").filter(pk=event.pk).first()
            existing = (
                Entitlement.objects.select_for_update()
                .filter(portfolio_id=portfolio_id, event_id=event.pk)
                .first()
            )
            if fresh is None:
                continue
            holdings = Holdings(ledger_entries(portfolio=locked))
            _sync_one(locked, fresh, holdings, today, existing)
    return len(holders)


# --- user actions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementAction:
    entitlement: Entitlement
    booked: bool  # False when it was already applied (an idempotent repeat)


def _locked_entitlement(
    portfolio: Portfolio, entitlement_id: int, today: date
) -> tuple[Portfolio, Entitlement]:
    locked = _lock(portfolio)
    entitlement = (
        Entitlement.objects.select_for_update()
        .filter(pk=entitlement_id, portfolio_id=locked.pk)
        .first()
    )
    if entitlement is None:
        from portfolio_site.errors import NotFound

        raise NotFound("Entitlement not found.")
    event = CorporateEvent.objects.select_related("instrument").get(pk=entitlement.event_id)
    holdings = Holdings(ledger_entries(portfolio=locked))
    synced = _sync_one(locked, event, holdings, today, entitlement)
    if synced is None:
        raise Conflict(
            "Nothing is due any more: the event or the holdings before its ex-date changed.",
            code="entitlement_gone",
        )
    synced.event = event
    return locked, synced


def entitlement_apply(
    *,
    portfolio: Portfolio,
    entitlement_id: int,
    trade_date: date | None = None,
    today: date | None = None,
) -> EntitlementAction:
    """Book a due cash dividend or new shares (idempotent: applying twice books once).

    ``trade_date`` (the day it arrived) defaults to the payment / listing date; it is needed
    when the event has none, and may not precede the ex-date nor follow today."""
    today = today or market_today()
    with transaction.atomic():
        locked, entitlement = _locked_entitlement(portfolio, entitlement_id, today)
        event = entitlement.event
        if entitlement.status == EntitlementStatus.APPLIED:
            return EntitlementAction(entitlement, booked=False)
        if event.kind == CorporateEventKind.RIGHTS_ISSUE:
            raise RuleViolation(
                "A right is exercised (with a quantity), not applied.",
                code="use_exercise",
            )
        on = trade_date or event.payment_date
        if on is None:
            raise DomainError(
                "The event has no payment date yet: give the date it arrived.",
                code="trade_date_required",
                fields={"trade_date": ["Required: the event has no payment date."]},
            )
        if trade_date is None and entitlement.status != EntitlementStatus.DUE:
            raise RuleViolation(
                f"Not due before {on.isoformat()} (the payment / listing date).",
                code="not_due",
            )
        if on < event.ex_date or on > today:
            raise DomainError(
                f"The date must be from the ex-date {event.ex_date.isoformat()} to today.",
                code="invalid_trade_date",
                fields={
                    "trade_date": [f"From {event.ex_date.isoformat()} to {today.isoformat()}."]
                },
            )
        _book(locked, entitlement, event, _rows_for(entitlement, event, on), today=today)
        entitlement.status = EntitlementStatus.APPLIED
        entitlement.applied_at = timezone.now()
        entitlement.save()
    return EntitlementAction(entitlement, booked=True)


def entitlement_exercise(
    *, portfolio: Portfolio, entitlement_id: int, quantity: object, today: date | None = None
) -> EntitlementAction:
    """Exercise ``quantity`` rights (1 .. entitled) inside the subscription window: one
    RIGHTS_SUBSCRIPTION at the subscription price, no fee, shares tradable from the listing date.
    Repeating the same exercise is a no-op; a different quantity afterwards is a 409."""
    today = today or market_today()
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise DomainError(
            "quantity must be a whole number of shares above zero.",
            code="invalid_quantity",
            fields={"quantity": ["A whole number above zero."]},
        )
    with transaction.atomic():
        locked, entitlement = _locked_entitlement(portfolio, entitlement_id, today)
        event = entitlement.event
        if event.kind != CorporateEventKind.RIGHTS_ISSUE:
            raise DomainError(
                "Only a rights issue is exercised.",
                code="not_a_right",
                fields={"entitlement": ["Not a rights issue."]},
            )
        if quantity > entitlement.rights:
            raise DomainError(
                f"At most {entitlement.rights:,} rights are held.",
                code="invalid_quantity",
                fields={"quantity": [f"At most {entitlement.rights}."]},
            )
        if entitlement.status == EntitlementStatus.APPLIED:
            if entitlement.exercised == quantity:
                return EntitlementAction(entitlement, booked=False)
            raise Conflict(
                f"{entitlement.exercised:,} rights are already exercised.",
                code="already_exercised",
            )
        if entitlement.status == EntitlementStatus.LAPSED:
            raise RuleViolation("The subscription window has ended.", code="lapsed")
        if entitlement.status == EntitlementStatus.PENDING:
            raise RuleViolation("The subscription window has not opened.", code="not_due")
        entitlement.exercised = quantity
        _book(locked, entitlement, event, _rights_rows(entitlement, event, today), today=today)
        entitlement.status = EntitlementStatus.APPLIED
        entitlement.applied_at = timezone.now()
        entitlement.save()
    return EntitlementAction(entitlement, booked=True)
