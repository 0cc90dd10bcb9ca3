"""``POST /api/auth/ws-ticket/``: trade the access JWT for a single-use websocket ticket."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from realtime.tickets import ticket_issue


class WsTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField(read_only=True)
    expires_in = serializers.IntegerField(
        read_only=True, help_text="Seconds the ticket stays valid"
    )


def _token_expiry(request: Request) -> datetime:
    token = request.auth
    exp = token.get("exp") if token is not None and hasattr(token, "get") else None
    if exp is None:
        return datetime.now(tz=UTC)
    return datetime.fromtimestamp(int(exp), tz=UTC)


class WsTicketView(APIView):
    """Issue a ticket for ``wss://host/ws/...?ticket=<ticket>``: single use, about 30 seconds.

    The websocket session it opens ends when the access token used here expires.
    """

    permission_classes = [IsAuthenticated]
    throttle_scope = "portfolio_read"  # per user; "auth" would eat the login quota on reconnects

    @extend_schema(
        operation_id="auth_ws_ticket_create",
        request=None,
        responses={
            201: WsTicketSerializer,
            401: OpenApiResponse(description="Missing, invalid or expired access token"),
            429: OpenApiResponse(description="Too many requests (Retry-After)"),
            503: OpenApiResponse(description="Redis unavailable (Retry-After)"),
        },
        examples=[
            OpenApiExample(
                "Ticket",
                value={"ticket": "Zk3v...Qw", "expires_in": 30},
                response_only=True,
                status_codes=["201"],
            )
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        user_id = request.user.pk
        assert user_id is not None  # IsAuthenticated
        ticket = ticket_issue(user_id=int(user_id), expires_at=_token_expiry(request))
        body = {"ticket": ticket, "expires_in": settings.WS_TICKET_TTL_SECONDS}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})
