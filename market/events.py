"""Corporate events (dividends, bonus shares, rights issues, splits): validation, idempotent
upserts and the reads behind the API and the ingestion task.

Vietnamese rules the terms follow (see README "Corporate actions"):

- the record date closes the shareholder list; under T+2 settlement the ex-date (the first
  trading day a buyer is NOT entitled) is one trading day before it (``market.calendar``). When a
  source gives only the record date, the ex-date is derived that way;
- cash dividends are whole VND per share (a rate on the 10,000 VND par is converted by the
  provider adapter) and 5 % personal income tax is withheld when they are paid;
- stock dividends and bonus shares are a ratio held:new ("100:20"); entitlements round down and
  fractions are cancelled; their 5 % tax is withheld by the broker when the shares are sold;
- a rights issue has a ratio, a subscription price and a subscription window.

Impossible terms raise ``CorporateEventInvalid`` naming the field, before anything is written;
the model's constraints are the last guard. A staff correction in the admin wins over later
re-ingestion of the same event (it is kept, and counted as such).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, QuerySet, Sum, Value, When

from market.calendar import previous_trading_day
from market.models import (
    RATIO_KINDS,
    CorporateEvent,
    CorporateEventKind,
    CorporateEventStatus,
    Instrument,
)
from market.providers.base import (
    CorporateEventData,
    MarketDataProvider,
    ProviderDataError,
    ProviderError,
)
from portfolio_site.errors import DomainError

logger = logging.getLogger(__name__)

#: Fields of ``CorporateEventData`` stored as they are on ``CorporateEvent``.
_TERM_FIELDS = tuple(
    f.name for f in fields(CorporateEventData) if f.name not in ("symbol", "source", "source_id")
)
_SUBSCRIPTION_FIELDS = ("subscription_price", "subscription_start", "subscription_end")


class CorporateEventInvalid(DomainError):
    """The event's terms are impossible; ``fields`` maps each bad field to the reason."""

    status = 422
    code = "invalid_corporate_event"


#: Terms no real Vietnamese event reaches (they would also overflow an entitlement's ledger row):
#: a cash dividend or subscription price above the highest price a share trades at (the portfolio
#: bounds' 10^9 VND), a ratio part above 10^6, more than 100 new shares per share held (a 1:100
#: split is already extreme), or a date before the first HOSE session.
MAX_TERM_PRICE = Decimal(10) ** 9
MAX_RATIO_PART = 10**6
MAX_NEW_PER_OLD = 100
FIRST_SESSION = date(2000, 7, 28)


@dataclass(frozen=True)
class EventUpsert:
    event: CorporateEvent
    created: bool
    changed: bool
    kept_staff_edit: bool = False


def _whole_vnd(value: Decimal | None, name: str, errors: dict[str, str]) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        errors[name] = "must be a decimal amount in VND"
    elif value <= 0:
        errors[name] = "must be greater than zero"
    elif value != value.to_integral_value():
        errors[name] = "must be whole VND (no fraction)"
    elif value > MAX_TERM_PRICE:
        errors[name] = f"must be at most {int(MAX_TERM_PRICE):,} VND per share"


def corporate_event_check(*, data: CorporateEventData) -> CorporateEventData:
    """The terms of ``data`` checked, with the ex-date derived from the record date when absent.

    Raises ``CorporateEventInvalid`` with one reason per bad field."""
    errors: dict[str, str] = {}
    if data.kind not in CorporateEventKind.values:
        errors["kind"] = f"unknown kind {data.kind!r}"
    if data.status not in CorporateEventStatus.values:
        errors["status"] = f"unknown status {data.status!r}"
    if not data.source:
        errors["source"] = "is required"
    ex_date = data.ex_date
    if ex_date is None and data.record_date is not None:
        ex_date = previous_trading_day(data.record_date)
    for name in ("ex_date", "record_date", "payment_date", "announcement_date"):
        day = getattr(data, name, None)
        if isinstance(day, date) and day < FIRST_SESSION:
            errors[name] = f"cannot be before {FIRST_SESSION.isoformat()} (the first HOSE session)"
    if ex_date is None:
        errors["ex_date"] = "an ex-date or a record date is required"
    elif data.record_date is not None and data.record_date < ex_date:
        errors["record_date"] = "the record date cannot be before the ex-date"
    if ex_date is not None and data.payment_date is not None and data.payment_date < ex_date:
        errors["payment_date"] = "the payment or listing date cannot be before the ex-date"

    _whole_vnd(data.cash_per_share, "cash_per_share", errors)
    if data.kind == CorporateEventKind.CASH_DIVIDEND:
        if data.cash_per_share is None:
            errors["cash_per_share"] = "a cash dividend needs the cash per share"
        for name in ("ratio_old", "ratio_new"):
            if getattr(data, name) is not None:
                errors[name] = "a cash dividend has no share ratio"
    elif data.kind in RATIO_KINDS:
        if data.cash_per_share is not None:
            errors["cash_per_share"] = "only a cash dividend has a cash amount"
        for name in ("ratio_old", "ratio_new"):
            part = getattr(data, name)
            if part is None:
                errors[name] = "this kind needs a share ratio (old:new)"
            elif isinstance(part, bool) or not isinstance(part, int) or part <= 0:
                errors[name] = "each part of the ratio must be a whole number above zero"
            elif part > MAX_RATIO_PART:
                errors[name] = f"each part of the ratio must be at most {MAX_RATIO_PART:,}"
        old, new = data.ratio_old, data.ratio_new
        if (
            "ratio_old" not in errors
            and "ratio_new" not in errors
            and isinstance(old, int)
            and isinstance(new, int)
            and new > old * MAX_NEW_PER_OLD
        ):
            errors["ratio_new"] = f"more than {MAX_NEW_PER_OLD} new shares per share held"
    if data.kind == CorporateEventKind.RIGHTS_ISSUE:
        _whole_vnd(data.subscription_price, "subscription_price", errors)
        if data.subscription_price is None:
            errors["subscription_price"] = "a rights issue needs the subscription price"
        start, end = data.subscription_start, data.subscription_end
        if start is not None and end is not None and end < start:
            errors["subscription_end"] = "the subscription window ends before it starts"
    else:
        for name in _SUBSCRIPTION_FIELDS:
            if getattr(data, name) is not None:
                errors[name] = "only a rights issue has subscription terms"
    if errors:
        summary = "; ".join(f"{name}: {reason}" for name, reason in errors.items())
        raise CorporateEventInvalid(
            f"{data.symbol} {data.kind} event rejected: {summary}", fields=errors
        )
    return replace(data, ex_date=ex_date)


def _instrument(symbol: str) -> Instrument:
    instrument = Instrument.objects.filter(symbol=symbol.strip().upper()).first()
    if instrument is None:
        raise CorporateEventInvalid(
            f"unknown symbol {symbol!r}", fields={"symbol": f"unknown symbol {symbol!r}"}
        )
    return instrument


def _apply(event: CorporateEvent, data: CorporateEventData) -> bool:
    changed = False
    for name in _TERM_FIELDS:
        value = getattr(data, name)
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed = True
    return changed


def corporate_event_upsert(*, data: CorporateEventData, changed_by: Any = None) -> EventUpsert:
    """Create or update the event ``data`` describes, exactly once per provider event.

    The key is ``(source, source_id)`` when the provider has an id, else ``(source, instrument,
    kind, ex_date)``. Re-ingesting identical terms writes nothing; changed terms update the row
    (and its history). An event a staff member has edited keeps the staff's terms: ingestion
    does not overwrite it. ``changed_by`` (a user) is recorded in the history."""
    checked = corporate_event_check(data=data)
    instrument = _instrument(checked.symbol)
    if checked.source_id:
        key: dict[str, Any] = {"source": checked.source, "source_id": checked.source_id}
    else:
        key = {
            "source": checked.source,
            "source_id": "",
            "instrument": instrument,
            "kind": checked.kind,
            "ex_date": checked.ex_date,
        }
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                event = CorporateEvent.objects.select_for_update().filter(**key).first()
                if event is None:
                    event = CorporateEvent(
                        instrument=instrument,
                        source=checked.source,
                        source_id=checked.source_id,
                    )
                    _apply(event, checked)
                    event._history_user = changed_by  # type: ignore[attr-defined]
                    event.save()
                    return EventUpsert(event=event, created=True, changed=True)
                if changed_by is None and event.history.filter(history_user__isnull=False).exists():
                    return EventUpsert(
                        event=event, created=False, changed=False, kept_staff_edit=True
                    )
                if event.instrument_id != instrument.pk:
                    event.instrument = instrument
                    changed = True
                else:
                    changed = False
                changed = _apply(event, checked) or changed
                if changed:
                    event._history_user = changed_by  # type: ignore[attr-defined]
                    event.save()
                return EventUpsert(event=event, created=False, changed=changed)
        except IntegrityError:
            if attempt == 2:
                raise
            # A concurrent ingestion created the same event between our read and insert.
    raise AssertionError("unreachable")


def corporate_event_update(
    *, event: CorporateEvent, data: CorporateEventData, changed_by: Any = None
) -> CorporateEvent:
    """Save staff corrections to ``event`` (the admin): the same checks as ingestion."""
    checked = corporate_event_check(data=data)
    instrument = _instrument(checked.symbol)
    with transaction.atomic():
        locked = CorporateEvent.objects.select_for_update().get(pk=event.pk)
        locked.instrument = instrument
        _apply(locked, checked)
        locked._history_user = changed_by  # type: ignore[attr-defined]
        locked.save()
    return locked


# --- reads ---------------------------------------------------------------------------------------


def corporate_events_list(
    *,
    symbol: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str | None = None,
) -> QuerySet[CorporateEvent]:
    """Events by ex-date, newest first, filtered by symbol, kind and an ex-date range."""
    events = CorporateEvent.objects.select_related("instrument")
    if symbol:
        events = events.filter(instrument__symbol=symbol.strip().upper())
    if kind:
        events = events.filter(kind=kind)
    if date_from:
        events = events.filter(ex_date__gte=date_from)
    if date_to:
        events = events.filter(ex_date__lte=date_to)
    return events.order_by("-ex_date", "instrument__symbol", "kind", "id")


def symbols_held_or_watched() -> list[str]:
    """Active instruments with an open position in any portfolio (bought + stock dividends -
    sold > 0) or on anyone's watchlist. The portfolio models are looked up by name, as in
    ``market.selectors.symbols_of_interest``, so the market app does not import the portfolio
    app."""
    wanted: set[int] = set()
    try:
        transaction_model = apps.get_model("portfolio", "Transaction")
    except LookupError:
        transaction_model = None
    if transaction_model is not None:
        signed = Case(
            When(kind__in=("BUY", "STOCK_DIVIDEND", "RIGHTS_SUBSCRIPTION"), then="quantity"),
            When(kind__in=("SELL", "SHARE_CONSOLIDATION"), then=-F("quantity")),
            default=Value(0),
            output_field=IntegerField(),
        )
        wanted.update(
            transaction_model.objects.filter(instrument__isnull=False)
            .values("portfolio_id", "instrument_id")
            .annotate(held=Sum(signed))
            .filter(held__gt=0)
            .values_list("instrument_id", flat=True)
        )
    try:
        watch_model = apps.get_model("portfolio", "WatchlistItem")
    except LookupError:
        watch_model = None
    if watch_model is not None:
        wanted.update(watch_model.objects.values_list("instrument_id", flat=True))
    return list(
        Instrument.objects.filter(id__in=wanted, is_active=True)
        .order_by("symbol")
        .values_list("symbol", flat=True)
    )


@dataclass
class EventsIngest:
    """What one ingestion run did. ``retry`` lists the symbols whose source was unavailable or
    rate-limited (worth another try); ``failed`` maps symbols whose source answered garbage to
    the reason; ``rejected`` holds the reason of each event with impossible terms."""

    symbols: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    retry: list[str] = field(default_factory=list)


def corporate_events_store(
    *, events: Iterable[CorporateEventData], report: EventsIngest | None = None
) -> EventsIngest:
    """Upsert each event; a bad one is logged with its reason and skipped, never stopping the
    rest."""
    report = report if report is not None else EventsIngest()
    for data in events:
        try:
            result = corporate_event_upsert(data=data)
        except CorporateEventInvalid as exc:
            logger.warning("corporate event rejected: %s", exc.message)
            report.rejected.append(exc.message)
            continue
        if result.created:
            report.created += 1
        elif result.changed:
            report.updated += 1
        else:
            report.unchanged += 1
    return report


#: The ingestion window around today: past events (for later phases' history) and announced ones.
INGEST_DAYS_BACK = 400
INGEST_DAYS_AHEAD = 180


def corporate_events_ingest(
    *, provider: MarketDataProvider, symbols: list[str] | None = None, today: date
) -> EventsIngest:
    """Ask ``provider`` for the events of ``symbols`` (default: held or watched) with an ex-date
    from ``INGEST_DAYS_BACK`` days before ``today`` to ``INGEST_DAYS_AHEAD`` after, and store them.
    A symbol whose source fails is logged with the reason and never stops the others."""
    wanted = symbols if symbols is not None else symbols_held_or_watched()
    report = EventsIngest(symbols=len(wanted))
    if not wanted:
        return report
    answers = provider.corporate_events(
        wanted,
        start=today - timedelta(days=INGEST_DAYS_BACK),
        end=today + timedelta(days=INGEST_DAYS_AHEAD),
    )
    for symbol in wanted:
        answer = answers.get(symbol)
        if answer is None:
            answer = ProviderDataError(f"no answer for {symbol}")
        if isinstance(answer, ProviderError):
            logger.warning("corporate events of %s not ingested: %s", symbol, answer)
            if isinstance(answer, ProviderDataError):
                report.failed[symbol] = str(answer)
            else:
                report.retry.append(symbol)
            continue
        corporate_events_store(events=answer, report=report)
    return report
