"""Websocket authentication: who is on the other end of a handshake, and until when.

Browsers cannot set headers on a websocket handshake, and a long-lived token must not sit in a URL
(URLs end up in proxy and server logs). Two ways in, checked in this order:

1. ``?ticket=<ticket>``: a single-use ticket from ``POST /api/auth/ws-ticket/`` (see
   ``realtime/tickets.py``), valid for about 30 seconds.
2. The access JWT in the subprotocol list: ``new WebSocket(url, ["jwt", accessToken])``. The server
   picks and echoes the subprotocol ``jwt``; the token itself is never echoed.

No credentials means anonymous. Bad credentials are not silently downgraded to anonymous: the
consumer accepts and then closes with 4401 so the client can tell "log in again" from a network
error (closing before accept would surface as a bare HTTP 403 without a code).

``WebsocketAuthMiddleware`` puts a ``WebsocketSession`` in ``scope["ws_session"]`` and the user in
``scope["user"]``. Tokens and tickets are never logged or stored in the scope.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import redis
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from realtime.tickets import ticket_redeem

logger = logging.getLogger(__name__)

JWT_SUBPROTOCOL = "jwt"
_MAX_TOKEN_LENGTH = 4096


class AuthError:
    """Why a handshake's credentials were refused (``WebsocketSession.error``)."""

    INVALID_TOKEN = "invalid_token"  # noqa: S105 - an error code, not a secret
    INVALID_TICKET = "invalid_ticket"
    UNAVAILABLE = "unavailable"  # Redis down while redeeming a ticket: try again later


@dataclass(frozen=True, slots=True)
class WebsocketSession:
    user: Any  # AbstractBaseUser | AnonymousUser
    expires_at: datetime | None = None  # when the credential expires (None: anonymous)
    subprotocol: str | None = None  # to echo on accept
    error: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.error is None and bool(getattr(self.user, "is_authenticated", False))


def _query_ticket(scope: dict[str, Any]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("ticket")
    return values[0] if values else None


def _subprotocol_token(scope: dict[str, Any]) -> tuple[bool, str | None]:
    """(offered "jwt", the token offered next to it)."""
    offered = [str(item) for item in scope.get("subprotocols") or []]
    if JWT_SUBPROTOCOL not in offered:
        return False, None
    others = [item for item in offered if item != JWT_SUBPROTOCOL]
    return True, (others[0] if others else None)


def _user_from_access_token(raw: str) -> tuple[AbstractBaseUser, datetime] | None:
    """Validate an access JWT exactly as the REST API does; None if it is not acceptable."""
    if not raw or len(raw) > _MAX_TOKEN_LENGTH:
        return None
    authentication = JWTAuthentication()
    try:
        validated = authentication.get_validated_token(raw.encode("latin-1"))
        user = authentication.get_user(validated)
    except (InvalidToken, TokenError, AuthenticationFailed, UnicodeEncodeError):
        return None
    if not user.is_active:
        return None
    return user, datetime.fromtimestamp(int(validated["exp"]), tz=UTC)


def _active_user(user_id: int) -> AbstractBaseUser | None:
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def user_is_active(user_id: int) -> bool:
    return get_user_model().objects.filter(pk=user_id, is_active=True).exists()


async def session_from_scope(scope: dict[str, Any]) -> WebsocketSession:
    offered_jwt, token = _subprotocol_token(scope)
    subprotocol = JWT_SUBPROTOCOL if offered_jwt else None
    ticket = _query_ticket(scope)
    anonymous = AnonymousUser()

    if ticket is not None:
        try:
            grant = await sync_to_async(ticket_redeem, thread_sensitive=False)(ticket=ticket)
        except redis.RedisError as error:
            logger.warning("realtime: ticket redemption failed, Redis error (%s)", error)
            return WebsocketSession(anonymous, None, subprotocol, AuthError.UNAVAILABLE)
        if grant is None:
            return WebsocketSession(anonymous, None, subprotocol, AuthError.INVALID_TICKET)
        user = await database_sync_to_async(_active_user)(grant.user_id)
        if user is None:
            return WebsocketSession(anonymous, None, subprotocol, AuthError.INVALID_TICKET)
        return WebsocketSession(user, grant.expires_at, subprotocol)

    if offered_jwt:
        found = await database_sync_to_async(_user_from_access_token)(token or "")
        if found is None:
            return WebsocketSession(anonymous, None, subprotocol, AuthError.INVALID_TOKEN)
        user, expires_at = found
        return WebsocketSession(user, expires_at, subprotocol)

    return WebsocketSession(anonymous)


class WebsocketAuthMiddleware:
    """ASGI middleware: resolve the handshake's credentials into ``scope["ws_session"]``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        session = await session_from_scope(scope)
        scope = {**scope, "ws_session": session, "user": session.user}
        return await self.inner(scope, receive, send)
