"""The user's watchlist and price alerts (alerts fire in ``portfolio/alerts.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from market.models import Instrument
from portfolio.models import (
    Alert,
    AlertCondition,
    WatchlistItem,
)
from portfolio.services.preparation import (
    FieldErrors,
)
from portfolio_site.errors import DomainError, NotFound, RuleViolation

MAX_WATCHLIST = 200
MAX_ALERTS = 200


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
