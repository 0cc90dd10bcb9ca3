"""Portfolio, transaction, watchlist and alert endpoints (thin: parse, call one service or selector,
shape the output). Owner-only: another user's objects answer 404 exactly like missing ones."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import idempotency, realized, selectors, services, transfer
from portfolio.idempotency import idempotent
from portfolio.models import Alert, Portfolio, Transaction, TransactionKind, WatchlistItem
from portfolio.serializers import (
    AlertInputSerializer,
    AlertSerializer,
    AllocationSerializer,
    ClosedPositionsSerializer,
    HoldingsSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
    PerformanceSerializer,
    PortfolioSerializer,
    PortfolioSummarySerializer,
    TransactionInputSerializer,
    TransactionSerializer,
    WatchlistAddSerializer,
    WatchlistItemSerializer,
)
from portfolio_site.errors import DomainError
from portfolio_site.json_input import JSONParser
from portfolio_site.openapi import error_response

# --- shared pieces ------------------------------------------------------------------------------


NOT_FOUND = error_response(
    "Not yours, or no such object.", code="not_found", message="Portfolio not found."
)
INVALID = error_response(
    "The input has the wrong shape or type.",
    code="invalid",
    message="price: Must be a whole number of VND (VND has no minor unit).",
    fields={"price": ["Must be a whole number of VND (VND has no minor unit)."]},
)
RULE = error_response(
    "A business rule refuses the change; nothing was written.",
    code="oversell",
    message="New transaction (2025-03-10 SELL FPT): cannot sell 1,200 shares; only 1,000 held on that date",
    fields={"transaction_id": None, "kind": "SELL", "symbol": "FPT", "available": "1000"},
)
CONFLICT = error_response(
    "Clashes with stored data.",
    code="duplicate_name",
    message="You already have a portfolio named 'Main'.",
)

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
        "created_at": "2026-01-05T02:00:00Z",
        "updated_at": "2026-03-02T08:15:00Z",
    },
    response_only=True,
)
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
IDEMPOTENCY_HEADER = OpenApiParameter(
    idempotency.HEADER,
    idempotency.KEY_SCHEMA,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Retry-safe POST: the same key with the same request replays the first response "
        "(header Idempotent-Replayed: true) without a second row; with another request: 422 "
        "idempotency_key_reused. Keys live 24 hours. 1-255 printable ASCII characters "
        "(surrounding spaces are trimmed); any other key: 400 invalid_idempotency_key."
    ),
)


_IMPORT_ROWS = {
    "type": "array",
    "minItems": 1,
    "maxItems": transfer.MAX_IMPORT_ROWS,
    "items": {
        "type": "object",
        "additionalProperties": True,
        "description": "A transaction, as in an export (keys it does not know are ignored).",
    },
}
IMPORT_JSON_BODY = {
    "description": (
        'An export of this API ({"transactions": [...]}; its other keys are ignored) or a bare '
        f"list of transactions; 1 to {transfer.MAX_IMPORT_ROWS:,} of them, else 400."
    ),
    "oneOf": [
        {
            "type": "object",
            "properties": {"transactions": _IMPORT_ROWS},
            "required": ["transactions"],
            "additionalProperties": True,
        },
        _IMPORT_ROWS,
    ],
}


class CsvRenderer(BaseRenderer):
    """Lets ``?format=csv`` through content negotiation; the export view writes the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else str(data).encode()


def _portfolio_fake(view: Any) -> bool:
    return bool(getattr(view, "swagger_fake_view", False))


# --- portfolios -----------------------------------------------------------------------------------


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
class PortfolioViewSet(viewsets.GenericViewSet):
    serializer_class = PortfolioSerializer
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []

    @property
    def throttle_scope(self) -> str:
        return "import" if getattr(self, "action", None) == "import_file" else "portfolio_read"

    def get_queryset(self) -> QuerySet[Portfolio]:
        if _portfolio_fake(self):
            return Portfolio.objects.none()
        return selectors.portfolio_list(user=self.request.user).select_related("owner")

    def get_object(self) -> Portfolio:
        return selectors.portfolio_get(user=self.request.user, portfolio_id=self.kwargs["pk"])

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if not force and getattr(self, "action", None) == "export":
            chosen = request.query_params.get("format", "json")
            if chosen not in ("csv", "json"):
                raise DomainError(
                    f"Unknown export format {chosen!r}; use csv or json.",
                    code="invalid_format",
                    fields={"format": ["Use csv or json."]},
                )
        return super().perform_content_negotiation(request, force)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        """An error of ``/export/?format=csv`` is the JSON error body, not its repr as text/csv."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and isinstance(response.accepted_renderer, CsvRenderer)
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

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
        return Response(PortfolioSerializer(self.get_object()).data)

    def _update(self, request: Request, *, partial: bool) -> Response:
        portfolio = self.get_object()
        serializer = PortfolioSerializer(portfolio, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        updated = services.portfolio_update(portfolio=portfolio, changes=serializer.validated_data)
        return Response(PortfolioSerializer(updated).data)

    @extend_schema(
        summary="Replace a portfolio's name and settings",
        responses={
            200: PortfolioSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
            422: RULE,
        },
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=False)

    @extend_schema(
        summary="Change a portfolio's name or settings",
        description=(
            "Switching on settlement or cash checks, or changing the cost method, re-checks the "
            "whole ledger: 422 if a stored transaction would break the new rules."
        ),
        responses={
            200: PortfolioSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
            422: RULE,
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(request, partial=True)

    @extend_schema(
        summary="Delete a portfolio and its transactions", responses={204: None, 404: NOT_FOUND}
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.portfolio_delete(portfolio=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Open positions valued at the latest quotes",
        responses={200: HoldingsSerializer, 404: NOT_FOUND},
        examples=[
            OpenApiExample(
                "holdings",
                value={
                    "as_of": "2026-03-02T07:45:00Z",
                    "results": [
                        {
                            "symbol": "FPT",
                            "name": "FPT Corp",
                            "exchange": "HOSE",
                            "industry": "Technology",
                            "type": "stock",
                            "quantity": "1000",
                            "settled_quantity": "1000",
                            "avg_cost": "95143",
                            "cost_basis": "95142500",
                            "last_price": "98000.00",
                            "price_source": "quote",
                            "price_as_of": "2026-03-02T07:45:00Z",
                            "market_value": "98000000",
                            "unrealized_pnl": "2857500",
                            "unrealized_pnl_pct": "3.00",
                            "realized_pnl": "0",
                            "day_change": "1000000",
                            "weight": "49.00",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["get"])
    def holdings(self, request: Request, pk: str) -> Response:
        holdings, as_of = selectors.portfolio_holdings(portfolio=self.get_object())
        return Response(HoldingsSerializer({"as_of": as_of, "results": holdings}).data)

    @extend_schema(
        summary="Cash, value, P&L, dividends, fees and taxes",
        description=(
            "total_return = realized + unrealized + dividends (net) + interest - FEE rows "
            "(= total_value - net_flows when cash is tracked); total_return_pct is the return "
            "since the first transaction by Modified Dietz, linked wherever no shares were held."
        ),
        responses={200: PortfolioSummarySerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def summary(self, request: Request, pk: str) -> Response:
        return Response(
            PortfolioSummarySerializer(
                selectors.portfolio_summary(portfolio=self.get_object())
            ).data
        )

    @extend_schema(
        summary="Value series, TWR, XIRR, volatility, drawdown and a benchmark",
        parameters=[
            OpenApiParameter(
                "range",
                OpenApiTypes.STR,
                enum=["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "ALL"],
                default="1Y",
            ),
            OpenApiParameter(
                "benchmark",
                OpenApiTypes.STR,
                default="VNINDEX",
                pattern=r"^ *([A-Za-z0-9]{1,20})? *$",
                description=(
                    "VNINDEX, VN30 or any instrument's symbol; 'none' or empty for no benchmark. "
                    "Not a symbol, or unknown: 400 unknown_benchmark."
                ),
            ),
        ],
        responses={
            200: PerformanceSerializer,
            400: error_response(
                "Unknown range or benchmark.", code="invalid_range", message="Unknown range '2W'."
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"])
    def performance(self, request: Request, pk: str) -> Response:
        result = selectors.portfolio_performance(
            portfolio=self.get_object(),
            range_code=request.query_params.get("range", "1Y"),
            benchmark=request.query_params.get("benchmark", selectors.DEFAULT_BENCHMARK),
        )
        return Response(PerformanceSerializer(result).data)

    @extend_schema(
        summary="Market value by symbol, industry, exchange or type, plus cash",
        parameters=[
            OpenApiParameter(
                "by", OpenApiTypes.STR, enum=[*selectors.ALLOCATION_KEYS], default="symbol"
            )
        ],
        responses={
            200: AllocationSerializer,
            400: error_response(
                "Unknown grouping.", code="invalid_allocation", message="Unknown allocation 'x'."
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"])
    def allocation(self, request: Request, pk: str) -> Response:
        result = selectors.portfolio_allocation(
            portfolio=self.get_object(), by=request.query_params.get("by", "symbol")
        )
        return Response(AllocationSerializer(result).data)

    @extend_schema(
        summary="Positions sold out: what each realized",
        description=(
            "One row per holding taken from zero back to zero (a rebuy after selling out starts "
            "a new one), most recently closed first, under the portfolio's cost method. "
            "proceeds = sale proceeds after sell fees and taxes; cost = cost basis of the shares "
            "sold, buy fees included; realized_pnl = proceeds - cost; fees = buy and sell fees; "
            "taxes = sell taxes. Cash dividends are in the summary."
        ),
        responses={200: ClosedPositionsSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="closed-positions")
    def closed_positions(self, request: Request, pk: str) -> Response:
        rows = realized.closed_position_list(portfolio=self.get_object())
        return Response(ClosedPositionsSerializer({"results": rows}).data)

    @extend_schema(
        summary="Import transactions (CSV or JSON), all or nothing",
        description=(
            "Multipart `file` (CSV or JSON export) or a JSON body (an export document or a list "
            "of transactions). Any bad row: 422 `import_rejected` listing every bad row with its "
            "number (CSV line, header = 1) and reason; nothing is written. `?dry_run=1` only "
            "validates. Rows already present (same external_id, or same content when it has "
            "none) are skipped, so importing a file twice adds nothing."
        ),
        parameters=[
            IDEMPOTENCY_HEADER,
            OpenApiParameter("dry_run", OpenApiTypes.BOOL, default=False),
        ],
        request={
            "multipart/form-data": ImportUploadSerializer,
            "application/json": IMPORT_JSON_BODY,
        },
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            400: error_response(
                "The file cannot be read.", code="invalid_file", message="The header lacks date."
            ),
            404: NOT_FOUND,
            413: error_response(
                f"The file is larger than {transfer.MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
                code="file_too_large",
                message="The file is too large.",
            ),
            422: error_response(
                "Some rows are bad; nothing was written.",
                code="import_rejected",
                message="3 of 50 rows cannot be imported; nothing was written.",
                fields={
                    "errors": [
                        {"row": 7, "code": "unknown_symbol", "message": "Unknown symbol 'XYZ'."},
                        {
                            "row": 19,
                            "code": "oversell",
                            "message": "cannot sell 500 shares; only 300 held on that date",
                        },
                    ]
                },
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, JSONParser],
    )
    @idempotent
    def import_file(self, request: Request, pk: str) -> Response:
        portfolio = self.get_object()
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        parsed = self._parse_import(request)
        result = services.transactions_import(
            portfolio=portfolio, rows=parsed.rows, parse_errors=parsed.errors, dry_run=dry_run
        )
        body = ImportResultSerializer(
            {
                "dry_run": result.dry_run,
                "rows": result.rows,
                "created": result.created,
                "skipped": result.skipped,
                "ignored_columns": parsed.ignored_columns,
            }
        ).data
        created = not dry_run and result.created > 0
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @staticmethod
    def _parse_import(request: Request) -> transfer.ParsedFile:
        upload = request.FILES.get("file") if request.FILES else None
        if upload is not None:
            extra = sorted(set(request.data) - {"file"})
            if extra:
                raise DomainError(
                    f"Unknown fields: {', '.join(extra)}.",
                    code="invalid",
                    fields={name: ["Unknown field."] for name in extra},
                )
            if upload.size and upload.size > transfer.MAX_IMPORT_BYTES:
                raise DomainError("The file is too large.", code="file_too_large", status=413)
            return transfer.parse_upload(
                data=upload.read(),
                filename=upload.name or "",
                content_type=upload.content_type or "",
            )
        if request.content_type.startswith("application/json"):
            return transfer.parse_json(request.data)
        raise DomainError(
            "Send a multipart `file` (CSV or JSON) or a JSON body.",
            code="invalid",
            fields={"file": ["No file was submitted."]},
        )

    @extend_schema(
        summary="Export transactions as CSV or JSON",
        parameters=[
            OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "json"], default="json")
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            400: error_response(
                "Unknown format.", code="invalid_format", message="Unknown export format 'xml'."
            ),
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, CsvRenderer])
    def export(self, request: Request, pk: str) -> HttpResponse:
        portfolio = self.get_object()
        if request.query_params.get("format", "json") == "csv":
            response = HttpResponse(
                transfer.export_csv(portfolio=portfolio), content_type="text/csv; charset=utf-8"
            )
            name = transfer.export_filename(portfolio, "csv")
        else:
            response = Response(transfer.export_json(portfolio=portfolio))
            name = transfer.export_filename(portfolio, "json")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# --- transactions -------------------------------------------------------------------------------


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
        if _portfolio_fake(self):
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
        """A row just written: the portfolio's ledger stamp moved, so read it again first."""
        self.get_portfolio().refresh_from_db(fields=["updated_at"])
        return self._shown(row)

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
        if _portfolio_fake(self):
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
        if _portfolio_fake(self):
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
