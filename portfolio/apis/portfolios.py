"""Portfolio CRUD; the valuation and import/export actions come from their mixins."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import selectors, services
from portfolio.apis.schema import (
    CONFLICT,
    IDEMPOTENCY_HEADER,
    INVALID,
    NOT_FOUND,
    RULE,
    is_schema_fake_view,
)
from portfolio.apis.transfer import PortfolioTransferMixin
from portfolio.apis.valuation import PortfolioValuationMixin
from portfolio.idempotency import idempotent
from portfolio.models import Portfolio
from portfolio.serializers import PortfolioSerializer
from portfolio_site.api_serializers import represent
from portfolio_site.replica_reads import ReplicaReadsMixin

PORTFOLIO_EXAMPLE = OpenApiExample(
    "portfolio",
    value={
        "id": 7,
        "name": "Main",
        "description": "Long-term VN30 holdings",
        "owner": "demo",
        "base_currency": "VND",
        "fee_rate": "0.001500",
        "sell_tax_rate": "0.001000",
        "dividend_tax_rate": "0.050000",
        "cost_method": "average",
        "enforce_settlement": True,
        "track_cash": True,
        "benchmark": "VNINDEX",
        "created_at": "2026-01-05T02:00:00Z",
        "updated_at": "2026-03-02T08:15:00Z",
    },
    response_only=True,
)
PORTFOLIO_CHANGE_RESPONSES = {
    200: PortfolioSerializer,
    400: INVALID,
    404: NOT_FOUND,
    409: CONFLICT,
    422: RULE,
}


@extend_schema_view(
    list=extend_schema(
        summary="Your portfolios",
        responses={200: PortfolioSerializer(many=True)},
        examples=[PORTFOLIO_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One portfolio", responses={200: PortfolioSerializer, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["portfolios"])
class PortfolioViewSet(
    ReplicaReadsMixin, PortfolioValuationMixin, PortfolioTransferMixin, viewsets.GenericViewSet
):
    # The heavy read-only actions may read from a replica (portfolio_site/db_router.py).
    replica_read_actions = frozenset(
        {"performance", "overview", "closed_positions", "closed_positions_csv", "export"}
    )
    serializer_class = PortfolioSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Portfolio]:
        if is_schema_fake_view(self):
            return Portfolio.objects.none()
        return selectors.portfolio_list(user=self.request.user).select_related("owner")

    def get_object(self) -> Portfolio:
        return selectors.portfolio_get(user=self.request.user, portfolio_id=self.kwargs["pk"])

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PortfolioSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a portfolio",
        parameters=[IDEMPOTENCY_HEADER],
        request=PortfolioSerializer,
        responses={201: PortfolioSerializer, 400: INVALID, 409: CONFLICT},
        examples=[
            OpenApiExample(
                "create", value={"name": "Main", "cost_method": "average"}, request_only=True
            ),
            PORTFOLIO_EXAMPLE,
        ],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = PortfolioSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        portfolio = services.portfolio_create(owner=request.user, **serializer.validated_data)
        return Response(PortfolioSerializer(portfolio).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(represent(PortfolioSerializer, self.get_object()))

    def _update(self, request: Request, *, partial: bool) -> Response:
        portfolio = self.get_object()
        serializer = PortfolioSerializer(portfolio, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        updated = services.portfolio_update(portfolio=portfolio, changes=serializer.validated_data)
        return Response(PortfolioSerializer(updated).data)

    @extend_schema(
        summary="Replace a portfolio's name and settings",
        responses=PORTFOLIO_CHANGE_RESPONSES,
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        summary="Change a portfolio's name or settings",
        description=(
            "Switching on settlement or cash checks, or changing the cost method, re-checks the "
            "whole ledger: 422 if a stored transaction would break the new rules."
        ),
        responses=PORTFOLIO_CHANGE_RESPONSES,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    @extend_schema(
        summary="Delete a portfolio and its transactions", responses={204: None, 404: NOT_FOUND}
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.portfolio_delete(portfolio=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
