"""The entitlements' background jobs: the daily beat task (statuses move to due or lapsed; due
dividends and new shares applied where the portfolio asked for it; rights never exercised), the
hook that recomputes an event's entitlements after it is saved, and the demo's pending dividend.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from market.calendar import add_trading_days, is_trading_day, previous_trading_day
from market.models import CorporateEvent, CorporateEventKind
from portfolio.entitlement_terms import Holdings
from portfolio.models import Entitlement, EntitlementStatus, Portfolio
from portfolio.services.entitlements import (
    entitlement_apply,
    entitlements_sync,
    entitlements_sync_event,
)
from portfolio.services.preparation import market_today
from portfolio.services.transactions import ledger_entries
from portfolio_site.errors import DomainError

logger = logging.getLogger(__name__)

#: Events whose payment or window ended longer ago than this are left alone by the daily task.
SYNC_DAYS_BACK = 60


def entitlements_daily(*, today: date | None = None) -> dict[str, int]:
    """The beat task's work: recompute recent events' entitlements (statuses move to due or
    lapsed), then apply the due cash dividends and new shares of the portfolios that asked for
    it. Rights are never exercised here."""
    today = today or market_today()
    since = today - timedelta(days=SYNC_DAYS_BACK)
    events = CorporateEvent.objects.filter(ex_date__lte=today).filter(
        Q(payment_date__isnull=True)
        | Q(payment_date__gte=since)
        | Q(subscription_end__gte=since)
        | Q(ex_date__gte=since)
    )
    synced = 0
    for event in events:
        entitlements_sync_event(event=event, today=today)
        synced += 1
    applied = failed = 0
    due = Entitlement.objects.filter(
        status=EntitlementStatus.DUE, portfolio__auto_apply_entitlements=True
    ).exclude(event__kind=CorporateEventKind.RIGHTS_ISSUE)
    for entitlement_id, portfolio_id in due.values_list("id", "portfolio_id"):
        portfolio = Portfolio.objects.get(pk=portfolio_id)
        try:
            if entitlement_apply(
                portfolio=portfolio, entitlement_id=entitlement_id, today=today
            ).booked:
                applied += 1
        except DomainError as exc:
            failed += 1
            logger.warning("entitlement %s not applied: %s", entitlement_id, exc.message)
    return {"events": synced, "applied": applied, "failed": failed}


def on_corporate_event_saved(sender: Any, instance: CorporateEvent, **kwargs: Any) -> None:
    """An event was ingested, corrected in the admin or cancelled: after commit, recompute its
    entitlements in the worker (an event with an ex-date still ahead has none yet). Without a
    broker, the daily task and every read of the entitlements catch up."""
    if instance.ex_date > market_today():
        return
    event_id = instance.pk

    def enqueue() -> None:
        from portfolio.tasks import entitlements_sync_event as task

        try:
            task.delay(event_id)
        except Exception:
            logger.warning("could not queue the entitlements of event %s", event_id, exc_info=True)

    transaction.on_commit(enqueue)


#: The demo's pending dividend: 15 % of par, ex five trading days ago, paid in fifteen.
DEMO_CASH_PER_SHARE = Decimal(1_500)


def demo_pending_dividend(*, portfolio: Portfolio, today: date | None = None) -> Entitlement | None:
    """Make sure the (simulated) demo portfolio shows a pending cash dividend: recompute its
    entitlements and, when none is pending, announce one on its largest holding (a simulated
    event, ``source_id`` ``SYMBOL-demo-EXDATE``), idempotent per day. Returns the pending one."""
    from market.events import corporate_event_upsert
    from market.providers.base import CorporateEventData

    today = today or market_today()
    for entitlement in entitlements_sync(portfolio=portfolio, today=today):
        if entitlement.status == EntitlementStatus.PENDING and entitlement.cash_gross:
            return entitlement
    session = today if is_trading_day(today) else previous_trading_day(today)
    ex_date = add_trading_days(session, -5)
    holdings = Holdings(ledger_entries(portfolio=portfolio))
    held = {symbol: holdings.before(symbol, ex_date) for symbol in holdings.symbols}
    held = {symbol: shares for symbol, shares in held.items() if shares > 0}
    if not held:
        return None
    symbol = max(sorted(held), key=lambda s: held[s])
    corporate_event_upsert(
        data=CorporateEventData(
            symbol=symbol,
            kind="cash_dividend",
            source="simulated",
            source_id=f"{symbol}-demo-{ex_date.isoformat()}",
            title=f"{symbol}: cash dividend 15 % of par (demo)",
            announcement_date=ex_date - timedelta(days=14),
            ex_date=ex_date,
            record_date=add_trading_days(ex_date, 1),
            payment_date=add_trading_days(ex_date, 20),
            cash_per_share=DEMO_CASH_PER_SHARE,
        )
    )
    for entitlement in entitlements_sync(portfolio=portfolio, today=today):
        if entitlement.status == EntitlementStatus.PENDING and entitlement.cash_gross:
            return entitlement
    return None
