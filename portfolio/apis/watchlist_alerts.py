"""The user's watchlist (with the latest quotes) and price alerts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import selectors, services
from portfolio.apis.schema import IDEMPOTENCY_HEADER, INVALID, NOT_FOUND, RULE, is_schema_fake_view
from portfolio.idempotency import idempotent
from portfolio.models import Alert, WatchlistItem
from portfolio.serializers import (
    AlertInputSerializer,
    AlertSerializer,
    WatchlistAddSerializer,
    WatchlistItemSerializer,
)
from portfolio_site.openapi import error_response

# --- watchlist ----------------------------------------------------------------------------------


WATCHLIST_EXAMPLE = OpenApiExample(
    "watched symbol",
    value={
        "symbol": "FPT",
        "name": "FPT Corp",
        "exchange": "HOSE",
        "created_at": "2026-03-02T03:00:00Z",
        "quote": {
            "price": "98000.00",
            "change": "1000.00",
            "change_pct": "1.03",
            "as_of": "2026-03-02T07:45:00Z",
            "stale": False,
        },
    },
    response_only=True,
)


def _quotes_for(symbols: list[str]) -> dict[str, Any]:
    from market.selectors import quote_map

    return quote_map(symbols=symbols) if symbols else {}


@extend_schema(tags=["watchlist"])
class WatchlistViewSet(viewsets.GenericViewSet):
    serializer_class = WatchlistItemSerializer
    filter_backends: list[Any] = []
    lookup_field = "symbol"
    lookup_value_regex = r"[A-Za-z0-9]+"
    throttle_scope = "portfolio_read"

    def get_queryset(self) -> QuerySet[WatchlistItem]:
        if is_schema_fake_view(self):
            return WatchlistItem.objects.none()
        return selectors.watchlist_list(user=self.request.user)

    @extend_schema(
        summary="Your watchlist with the latest quotes",
        responses={200: WatchlistItemSerializer(many=True)},
        examples=[WATCHLIST_EXAMPLE],
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        quotes = _quotes_for([item.instrument.symbol for item in page or []])
        data = WatchlistItemSerializer(page, many=True, context={"quotes": quotes}).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Add a symbol (adding it again is harmless)",
        parameters=[IDEMPOTENCY_HEADER],
        request=WatchlistAddSerializer,
        responses={
            201: WatchlistItemSerializer,
            200: WatchlistItemSerializer,
            400: error_response(
                "Unknown symbol.", code="unknown_symbol", message="Unknown symbol 'XYZ'."
            ),
            422: error_response(
                "Watchlist full.",
                code="watchlist_full",
                message="A watchlist holds at most 200 symbols.",
            ),
        },
        examples=[OpenApiExample("add", value={"symbol": "FPT"}, request_only=True)],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = WatchlistAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item, created = services.watchlist_add(
            user=request.user, symbol=serializer.validated_data["symbol"]
        )
        quotes = _quotes_for([item.instrument.symbol])
        data = WatchlistItemSerializer(item, context={"quotes": quotes}).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Remove a symbol", responses={204: None, 404: NOT_FOUND})
    def destroy(self, request: Request, symbol: str) -> Response:
        services.watchlist_remove(user=request.user, symbol=symbol)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- alerts -------------------------------------------------------------------------------------

ALERT_EXAMPLE = OpenApiExample(
    "alert",
    value={
        "id": 3,
        "symbol": "FPT",
        "condition": "above",
        "threshold": "100000.00",
        "is_active": True,
        "triggered_at": None,
        "triggered_price": None,
        "created_at": "2026-03-02T03:00:00Z",
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="Your price alerts",
        responses={200: AlertSerializer(many=True)},
        examples=[ALERT_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One alert", responses={200: AlertSerializer, 404: NOT_FOUND}),
)
@extend_schema(tags=["alerts"])
class AlertViewSet(viewsets.GenericViewSet):
    serializer_class = AlertSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"
    throttle_scope = "portfolio_read"

    def get_queryset(self) -> QuerySet[Alert]:
        if is_schema_fake_view(self):
            return Alert.objects.none()
        return selectors.alert_list(user=self.request.user)

    def get_object(self) -> Alert:
        return selectors.alert_get(user=self.request.user, alert_id=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AlertSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a price alert",
        description="Fired once by the realtime worker when the condition is met.",
        parameters=[IDEMPOTENCY_HEADER],
        request=AlertInputSerializer,
        responses={201: AlertSerializer, 400: INVALID, 422: RULE},
        examples=[
            OpenApiExample(
                "above",
                value={"symbol": "FPT", "condition": "above", "threshold": "100000"},
                request_only=True,
            ),
            ALERT_EXAMPLE,
        ],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = AlertInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = services.alert_create(user=request.user, **serializer.validated_data)
        return Response(AlertSerializer(alert).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AlertSerializer(self.get_object()).data)

    def _update(self, request: Request, *, partial: bool) -> Response:
        alert = self.get_object()
        serializer = AlertInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        updated = services.alert_update(alert=alert, changes=serializer.validated_data)
        return Response(AlertSerializer(updated).data)

    @extend_schema(
        summary="Replace an alert (re-arms it)",
        request=AlertInputSerializer,
        responses={200: AlertSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        summary="Change an alert",
        description="Changing symbol, condition or threshold, or sending is_active=true, re-arms it.",
        request=AlertInputSerializer,
        responses={200: AlertSerializer, 400: INVALID, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    @extend_schema(summary="Delete an alert", responses={204: None, 404: NOT_FOUND})
    def destroy(self, request: Request, pk: str) -> Response:
        services.alert_delete(alert=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
