"""A portfolio's transactions: list (filtered, ordered), record, change, delete."""

from __future__ import annotations

import logging
from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import realized, selectors, services
from portfolio.apis.schema import (
    CONFLICT,
    IDEMPOTENCY_HEADER,
    INVALID,
    NOT_FOUND,
    RULE,
    is_schema_fake_view,
)
from portfolio.idempotency import idempotent
from portfolio.models import Portfolio, Transaction, TransactionKind
from portfolio.serializers import (
    TransactionInputSerializer,
    TransactionPreviewInputSerializer,
    TransactionPreviewSerializer,
    TransactionSerializer,
)
from portfolio.services.preview import transaction_preview
from portfolio_site.api_errors import DATABASE_DOWN
from portfolio_site.errors import DomainError, NotFound

logger = logging.getLogger(__name__)

TRANSACTION_REQUEST_EXAMPLES = [
    OpenApiExample(
        "buy (fee derived)",
        value={
            "kind": "BUY",
            "symbol": "FPT",
            "quantity": "1000",
            "price": "95000",
            "trade_date": "2026-03-02",
        },
        request_only=True,
    ),
    OpenApiExample(
        "deposit",
        value={"kind": "DEPOSIT", "amount": "200000000", "trade_date": "2026-03-02"},
        request_only=True,
    ),
    OpenApiExample(
        "cash dividend (tax derived)",
        value={
            "kind": "DIVIDEND",
            "symbol": "VNM",
            "amount": "2500000",
            "trade_date": "2026-06-15",
        },
        request_only=True,
    ),
]
TRANSACTION_EXAMPLE = OpenApiExample(
    "buy",
    value={
        "id": 42,
        "portfolio": 7,
        "kind": "BUY",
        "symbol": "FPT",
        "quantity": "1000",
        "price": "95000",
        "amount": None,
        "fee": "142500",
        "tax": "0",
        "fee_is_derived": True,
        "tax_is_derived": True,
        "trade_date": "2026-03-02",
        "settle_date": "2026-03-04",
        "note": "",
        "external_id": "",
        "created_at": "2026-03-02T03:00:00Z",
        "updated_at": "2026-03-02T03:00:00Z",
    },
    response_only=True,
)


class TransactionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=TransactionKind.choices)
    symbol = django_filters.CharFilter(field_name="instrument__symbol", lookup_expr="iexact")
    date_from = django_filters.DateFilter(field_name="trade_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="trade_date", lookup_expr="lte")

    class Meta:
        model = Transaction
        fields = ["kind", "symbol", "date_from", "date_to"]


TRANSACTION_ERRORS = {400: INVALID, 404: NOT_FOUND, 409: CONFLICT, 422: RULE}


@extend_schema_view(
    list=extend_schema(
        summary="A portfolio's transactions (newest first)",
        responses={200: TransactionSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
        examples=[TRANSACTION_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One transaction", responses={200: TransactionSerializer, 404: NOT_FOUND}
    ),
)
@extend_schema(tags=["transactions"])
class TransactionViewSet(viewsets.GenericViewSet):
    serializer_class = TransactionSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = TransactionFilter
    ordering_fields = ["trade_date", "id", "created_at", "kind"]
    ordering = ["-trade_date", "-id"]
    throttle_scope = "portfolio_read"
    _portfolio: Portfolio | None = None

    def get_portfolio(self) -> Portfolio:
        if self._portfolio is None:
            self._portfolio = selectors.portfolio_get(
                user=self.request.user, portfolio_id=self.kwargs["portfolio_id"]
            )
        return self._portfolio

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.get_portfolio()  # 404 for anyone else's portfolio before looking at the body

    def get_queryset(self) -> QuerySet[Transaction]:
        if is_schema_fake_view(self):
            return Transaction.objects.none()
        return selectors.transaction_list(portfolio=self.get_portfolio())

    def get_object(self) -> Transaction:
        return selectors.transaction_get(
            portfolio=self.get_portfolio(), transaction_id=self.kwargs["pk"]
        )

    def _shown(self, rows: Any, *, many: bool = False) -> Any:
        """Rows serialized with what each SELL among them realized."""
        portfolio = self.get_portfolio()
        ids = [row.pk for row in rows] if many else [rows.pk]
        sales = realized.sale_realized_map(portfolio=portfolio, transaction_ids=ids)
        return TransactionSerializer(rows, many=many, context={"sales": sales}).data

    def _written(self, row: Transaction) -> Any:
        """A row just written (and committed): what a SELL realized from the ledger read again,
        nothing to read for other kinds.

        The write is durable before this runs, so a database that fails now (restarting, say)
        must not turn its 201/200 into an error the client would retry: the SELL's ``realized``
        is then null and the next read of the list has it.
        """
        if row.kind != TransactionKind.SELL:
            return TransactionSerializer(row, context={"sales": {}}).data
        portfolio = self.get_portfolio()
        try:
            portfolio.refresh_from_db(fields=["updated_at"])  # the ledger stamp moved
            sales = realized.sale_realized_map(portfolio=portfolio, transaction_ids=[row.pk])
        except DATABASE_DOWN as exc:
            logger.warning("transaction %s written; its realized P&L not read (%s)", row.pk, exc)
            sales = {}
        return TransactionSerializer(row, context={"sales": sales}).data

    def list(self, request: Request, portfolio_id: str) -> Response:
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self._shown(page, many=True))

    @extend_schema(
        summary="Record a transaction",
        description=(
            "Fee and tax are derived from the portfolio's rates when omitted; settle_date is T+2 "
            "trading days for BUY and SELL, the trade date otherwise. The whole ledger is re-checked: 422 "
            "(oversell, unsettled_shares, insufficient_cash, future_date, non_trading_day, "
            "inactive_symbol) names the transaction that breaks."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=TransactionInputSerializer,
        responses={201: TransactionSerializer, **TRANSACTION_ERRORS},
        examples=[*TRANSACTION_REQUEST_EXAMPLES, TRANSACTION_EXAMPLE],
    )
    @idempotent
    def create(self, request: Request, portfolio_id: str) -> Response:
        serializer = TransactionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.transaction_record(
            portfolio=self.get_portfolio(), **serializer.validated_data
        )
        return Response(self._written(row), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Preview a transaction (nothing is stored)",
        description=(
            "Runs the write's own checks and ledger: the same 400 field errors (price_off_tick_grid, "
            "price_outside_band, unknown_symbol, ...), 404, 409 and 422 (future_date, "
            "non_trading_day, inactive_symbol) as POST (or, with transaction_id, PATCH), and returns "
            "what would be stored (fee, tax, settle date), the gross value, the net cash effect, "
            "the position and cash after it, what a SELL realizes and whether it is an odd lot. "
            "Ledger refusals (insufficient_cash, unsettled_shares with the date they settle, "
            "oversell) are listed in problems with accepted=false instead of a 422."
        ),
        request=TransactionPreviewInputSerializer,
        responses={200: TransactionPreviewSerializer, **TRANSACTION_ERRORS},
        examples=[TRANSACTION_REQUEST_EXAMPLES[0]],
    )
    def preview(self, request: Request, portfolio_id: str) -> Response:
        editing = isinstance(request.data, dict) and request.data.get("transaction_id") is not None
        serializer = TransactionPreviewInputSerializer(data=request.data, partial=editing)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        transaction_id = fields.pop("transaction_id", None)
        previous = None
        if transaction_id is not None:
            # a reference in the body, not the path's resource: an unknown one is a field error
            try:
                previous = selectors.transaction_get(
                    portfolio=self.get_portfolio(), transaction_id=transaction_id
                )
            except NotFound:
                raise DomainError(
                    f"transaction_id: no transaction {transaction_id} in this portfolio.",
                    code="invalid",
                    fields={"transaction_id": ["No such transaction in this portfolio."]},
                ) from None
        result = transaction_preview(
            portfolio=self.get_portfolio(), fields=fields, previous=previous
        )
        return Response(TransactionPreviewSerializer(result).data)

    def retrieve(self, request: Request, portfolio_id: str, pk: str) -> Response:
        return Response(self._shown(self.get_object()))

    def _update(self, request: Request, *, partial: bool) -> Response:
        row = self.get_object()
        serializer = TransactionInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if not partial:  # PUT replaces: omitted optional fields are cleared (fee/tax derived)
            for name in services.TRANSACTION_FIELDS:
                changes.setdefault(name, "" if name in ("note", "external_id") else None)
        updated = services.transaction_update(transaction_row=row, changes=changes)
        return Response(self._written(updated))

    @extend_schema(
        summary="Replace a transaction",
        request=TransactionInputSerializer,
        responses={200: TransactionSerializer, **TRANSACTION_ERRORS},
    )
    def update(self, request: Request, portfolio_id: str, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        summary="Change some fields of a transaction",
        description="A derived fee or tax is derived again from the new values.",
        request=TransactionInputSerializer,
        responses={200: TransactionSerializer, **TRANSACTION_ERRORS},
    )
    def partial_update(self, request: Request, portfolio_id: str, pk: str) -> Response:
        return self._update(request, partial=True)

    @extend_schema(
        summary="Delete a transaction",
        description="422 when a later transaction depends on it (e.g. the shares a sell needs).",
        responses={204: None, 404: NOT_FOUND, 422: RULE},
    )
    def destroy(self, request: Request, portfolio_id: str, pk: str) -> Response:
        services.transaction_delete(transaction_row=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
