"""Reads of a portfolio's corporate actions: its entitlements ("quyền chờ về") and the dividend
calendar (upcoming ex-dates and payments of the symbols it holds or its owner watches, and the
dividend income booked by year)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from market.models import CorporateEvent, CorporateEventStatus
from portfolio.ledger import SHARE_KINDS
from portfolio.models import Entitlement, EntitlementStatus, Portfolio, Transaction, WatchlistItem
from portfolio.services.entitlements import entitlements_sync

ZERO = Decimal(0)
ENTITLEMENT_STATUSES = tuple(EntitlementStatus.values)
#: How far back the calendar shows payments still to come (an ex-date passed, not paid yet).
CALENDAR_DAYS_AHEAD = 365


def entitlement_list(
    *, portfolio: Portfolio, status: str | None = None, today: date | None = None
) -> list[Entitlement]:
    """The portfolio's entitlements, recomputed first (the ledger or an event may have changed
    since), newest ex-date first; ``status`` filters (pending, due, applied, lapsed)."""
    entitlements = entitlements_sync(portfolio=portfolio, today=today)
    if status:
        entitlements = [e for e in entitlements if e.status == status]
    return entitlements


def booked_transaction_ids(entitlements: list[Entitlement]) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = {e.pk: [] for e in entitlements}
    for pk, entitlement_id in Transaction.objects.filter(entitlement_id__in=list(ids)).values_list(
        "pk", "entitlement_id"
    ):
        ids[entitlement_id].append(pk)
    return ids


@dataclass(frozen=True)
class CalendarEntry:
    event: CorporateEvent
    held: bool
    watched: bool
    entitlement: Entitlement | None


def _calendar_symbols(portfolio: Portfolio) -> tuple[set[int], set[int]]:
    held = set(
        Transaction.objects.filter(
            portfolio_id=portfolio.pk, kind__in=[k.value for k in SHARE_KINDS]
        ).values_list("instrument_id", flat=True)
    )
    watched = set(
        WatchlistItem.objects.filter(user_id=portfolio.owner_id).values_list(
            "instrument_id", flat=True
        )
    )
    return held, watched


def _upcoming(instrument_ids: set[int], today: date) -> QuerySet[CorporateEvent]:
    return (
        CorporateEvent.objects.filter(instrument_id__in=instrument_ids)
        .exclude(status=CorporateEventStatus.CANCELLED)
        .filter(
            Q(ex_date__gte=today, ex_date__lte=today + timedelta(days=CALENDAR_DAYS_AHEAD))
            | Q(payment_date__gte=today)
            | Q(subscription_end__gte=today)
        )
        .select_related("instrument")
        .order_by("ex_date", "instrument__symbol", "id")
    )


def dividend_calendar(*, portfolio: Portfolio, today: date) -> dict[str, Any]:
    """Upcoming events (an ex-date, a payment or a subscription window from ``today``) of the
    symbols the portfolio holds or held and of its owner's watchlist, each with this portfolio's
    entitlement if it has one; and the booked dividends by year (gross, tax, net) with the net
    still pending."""
    entitlements = {e.event_id: e for e in entitlements_sync(portfolio=portfolio, today=today)}
    held, watched = _calendar_symbols(portfolio)
    upcoming = [
        CalendarEntry(
            event=event,
            held=event.instrument_id in held,
            watched=event.instrument_id in watched,
            entitlement=entitlements.get(event.pk),
        )
        for event in _upcoming(held | watched, today)
    ]
    by_year = (
        Transaction.objects.filter(portfolio_id=portfolio.pk, kind="DIVIDEND")
        .annotate(year=ExtractYear("trade_date"))
        .values("year")
        .annotate(gross=Sum("amount"), tax=Sum("tax"))
        .order_by("year")
    )
    income = [
        {
            "year": row["year"],
            "gross": row["gross"] or ZERO,
            "tax": row["tax"] or ZERO,
            "net": (row["gross"] or ZERO) - (row["tax"] or ZERO),
        }
        for row in by_year
    ]
    pending_cash = sum(
        (
            e.cash_net or ZERO
            for e in entitlements.values()
            if e.status in (EntitlementStatus.PENDING, EntitlementStatus.DUE)
        ),
        ZERO,
    )
    return {
        "as_of": today,
        "upcoming": upcoming,
        "income_by_year": income,
        "pending_cash": pending_cash,
    }
