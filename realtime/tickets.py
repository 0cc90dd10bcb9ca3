"""Single-use websocket tickets: a short-lived secret that stands in for the JWT in a URL.

``ticket_issue`` stores ``sha256(ticket) -> {user_id, expires_at}`` in Redis with a TTL of
``WS_TICKET_TTL_SECONDS``; ``ticket_redeem`` takes it out with GETDEL, so a ticket opens at most one
connection even when two handshakes race. Only the hash is a Redis key: neither Redis nor any log
ever holds a usable ticket. ``expires_at`` is the expiry of the access token the ticket was bought
with, so a session opened by ticket still closes when that token would have expired.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from portfolio_site.redis_client import get_redis


@dataclass(frozen=True, slots=True)
class TicketGrant:
    user_id: int
    expires_at: datetime  # aware UTC: the access token's expiry


def _key(ticket: str) -> str:
    digest = hashlib.sha256(ticket.encode("utf-8")).hexdigest()
    return f"{settings.REDIS_KEY_PREFIX}:wsticket:{digest}"


def ticket_issue(*, user_id: int, expires_at: datetime) -> str:
    """Create a ticket for ``user_id``; valid for ``WS_TICKET_TTL_SECONDS``, once."""
    ticket = secrets.token_urlsafe(32)
    payload = json.dumps({"user_id": user_id, "expires_at": expires_at.timestamp()})
    get_redis().set(_key(ticket), payload, ex=settings.WS_TICKET_TTL_SECONDS)
    return ticket


def ticket_redeem(*, ticket: str) -> TicketGrant | None:
    """Consume ``ticket``: its grant the first time, ``None`` if unknown, used or expired.

    Redis errors propagate (the caller refuses the connection as "try again later").
    """
    if not ticket or len(ticket) > 128:
        return None
    raw = get_redis().getdel(_key(ticket))
    if raw is None:
        return None
    data = json.loads(raw)
    return TicketGrant(
        user_id=int(data["user_id"]),
        expires_at=datetime.fromtimestamp(float(data["expires_at"]), tz=UTC),
    )
