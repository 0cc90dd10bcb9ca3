"""Price alerts: evaluate the user's alerts against fresh quotes, fire each one once, push it live.

``on_quotes_updated`` receives ``market.signals.quotes_updated`` (sent after each quote poll
commits; connected in ``realtime.apps.RealtimeConfig.ready``). For every active alert that has not
fired on a symbol that just moved, it checks the condition:

- ``above``: price >= threshold            - ``below``: price <= threshold
- ``change_pct_above``: change % >= threshold - ``change_pct_below``: change % <= threshold

A met alert is marked with ``UPDATE ... SET triggered_at, triggered_price WHERE id = ... AND
is_active AND triggered_at IS NULL``: when two workers see the same quote, the database lets only
one of them change the row, and only that one publishes ``alert.fired`` (after its commit).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from portfolio.models import Alert, AlertCondition
from portfolio_site.numbers import PERCENT_PLACES, VND_PLACES, half_up
from realtime.broadcast import publish_alert

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QuoteMove:
    symbol: str
    price: Decimal
    change_pct: Decimal | None


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def alert_is_met(*, condition: str, threshold: Decimal, move: QuoteMove) -> bool:
    if condition == AlertCondition.ABOVE:
        return move.price >= threshold
    if condition == AlertCondition.BELOW:
        return move.price <= threshold
    if move.change_pct is None:
        return False
    if condition == AlertCondition.CHANGE_PCT_ABOVE:
        return move.change_pct >= threshold
    if condition == AlertCondition.CHANGE_PCT_BELOW:
        return move.change_pct <= threshold
    return False


PERCENT_CONDITIONS = frozenset({AlertCondition.CHANGE_PCT_ABOVE, AlertCondition.CHANGE_PCT_BELOW})


def threshold_display(condition: str, threshold: Decimal) -> Decimal:
    """A threshold as the API prints it: a percent with two decimals, a price in whole VND."""
    places = PERCENT_PLACES if condition in PERCENT_CONDITIONS else VND_PLACES
    return half_up(Decimal(threshold), places)


def alert_payload(alert: Alert, *, symbol: str, move: QuoteMove) -> dict[str, Any]:
    """What the portfolio stream sends as ``{"type": "alert", ...}`` (REST alert fields + context)."""
    triggered_at: datetime | None = alert.triggered_at
    threshold = threshold_display(alert.condition, alert.threshold)
    return {
        "id": alert.pk,
        "symbol": symbol,
        "condition": alert.condition,
        "threshold": str(threshold),
        "triggered_at": (
            None if triggered_at is None else triggered_at.isoformat().replace("+00:00", "Z")
        ),
        "triggered_price": str(half_up(move.price, VND_PLACES)),
        "change_pct": None if move.change_pct is None else str(move.change_pct),
        "message": f"{symbol} {AlertCondition(alert.condition).label.lower()} {threshold}",
    }


def _moves(quotes: Iterable[Mapping[str, Any]]) -> dict[str, QuoteMove]:
    moves = {}
    for quote in quotes:
        symbol = str(quote.get("symbol", "")).upper()
        price = _decimal(quote.get("price"))
        if not symbol or price is None or price <= 0:
            continue
        moves[symbol] = QuoteMove(symbol, price, _decimal(quote.get("change_pct")))
    return moves


def alerts_evaluate(*, quotes: Iterable[Mapping[str, Any]]) -> list[Alert]:
    """Fire every met, not-yet-fired active alert on ``quotes``; returns the alerts this call fired.

    Each fired alert is published to its user's streams after this call's transaction commits.
    """
    moves = _moves(quotes)
    if not moves:
        return []
    candidates = Alert.objects.filter(
        is_active=True, triggered_at__isnull=True, instrument__symbol__in=list(moves)
    ).select_related("instrument")
    fired: list[Alert] = []
    with transaction.atomic():
        for alert in candidates:
            symbol = alert.instrument.symbol
            move = moves[symbol]
            if not alert_is_met(condition=alert.condition, threshold=alert.threshold, move=move):
                continue
            now = timezone.now()
            won = Alert.objects.filter(
                pk=alert.pk, is_active=True, triggered_at__isnull=True
            ).update(triggered_at=now, triggered_price=move.price)
            if not won:
                continue  # another worker fired it first
            alert.triggered_at, alert.triggered_price = now, move.price
            fired.append(alert)
            payload = alert_payload(alert, symbol=symbol, move=move)
            transaction.on_commit(partial(publish_alert, alert.user_id, payload))
    return fired


def on_quotes_updated(sender: object, quotes: Iterable[Mapping[str, Any]] = (), **_: Any) -> None:
    """Receiver of ``market.signals.quotes_updated``; never breaks the sender's flow."""
    try:
        fired = alerts_evaluate(quotes=quotes)
    except Exception:
        logger.exception("alerts: evaluating %s failed", type(sender).__name__)
        return
    if fired:
        logger.info("alerts: fired %d alert(s)", len(fired))
