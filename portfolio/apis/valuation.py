"""A portfolio's read-only valuation actions: holdings, summary, performance, allocation and
closed positions (each one selector call, shaped by its serializer)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import overview, realized, selectors
from portfolio.apis.schema import NOT_FOUND
from portfolio.apis.transfer import CsvRenderer
from portfolio.models import Portfolio
from portfolio.serializers import (
    AllocationSerializer,
    ClosedPositionsSerializer,
    HoldingsSerializer,
    OverviewSerializer,
    PerformanceSerializer,
    PortfolioSummarySerializer,
)
from portfolio.transfer import export_filename
from portfolio_site.api_serializers import represent
from portfolio_site.openapi import error_response


class PortfolioValuationMixin(viewsets.GenericViewSet):
    # Mixed into PortfolioViewSet, whose get_object finds the caller's portfolio (no docstring:
    # drf-spectacular would publish it as the description of every portfolio operation).

    @extend_schema(
        summary="All your portfolios at once: totals, today's P&L, allocation, performance",
        description=(
            "Each total is the sum of the portfolios' own summary figures (to the đồng); "
            "`share` is a portfolio's total value in percent of the summed total. Allocation: "
            "market value by symbol across portfolios, plus the summed cash. Performance: the "
            "portfolios' value series over `range` summed per trading day, with a TWR of the "
            "sum. A portfolio whose ledger no longer folds is listed with its `error` and left "
            "out of the sums. Only your own portfolios; cached like the single summaries."
        ),
        parameters=[
            OpenApiParameter(
                "range",
                OpenApiTypes.STR,
                enum=["1W", "1M", "3M", "6M", "YTD", "1Y", "3Y", "ALL"],
                default="1Y",
            )
        ],
        responses={
            200: OverviewSerializer,
            400: error_response(
                "Unknown range.", code="invalid_range", message="Unknown range '2W'."
            ),
        },
    )
    @action(detail=False, methods=["get"])
    def overview(self, request: Request) -> Response:
        result = overview.portfolios_overview(
            user=request.user, range_code=request.query_params.get("range", "1Y")
        )
        return Response(OverviewSerializer(result).data)

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
        return Response(represent(HoldingsSerializer, {"as_of": as_of, "results": holdings}))

    @extend_schema(
        summary="Cash, value, P&L, dividends, fees and taxes",
        description=(
            "total_return = realized + unrealized + dividends (net) + interest - FEE rows "
            "+ receivables (= total_value - net_flows when cash is tracked). receivables: the "
            "pending entitlements (from the ex-date until the ledger row lands: cash dividends "
            "net, new shares at their price), counted in total_value like the performance "
            "series; total_return_pct is the return "
            "since the first transaction by Modified Dietz, linked wherever no shares were held."
        ),
        responses={200: PortfolioSummarySerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def summary(self, request: Request, pk: str) -> Response:
        summary = selectors.portfolio_summary(portfolio=self.get_object())
        return Response(represent(PortfolioSummarySerializer, summary))

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
                pattern=r"^ *([A-Za-z0-9]{1,20})? *$",
                description=(
                    "VNINDEX, VN30 or any instrument's symbol; 'none' or empty for no benchmark. "
                    "Not a symbol, or unknown: 400 unknown_benchmark. Absent: the portfolio's "
                    "stored `benchmark` (VNINDEX unless changed with PATCH)."
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
        portfolio = self.get_object()
        result = selectors.portfolio_performance(
            portfolio=portfolio,
            range_code=request.query_params.get("range", "1Y"),
            benchmark=request.query_params.get("benchmark", portfolio.benchmark or "none"),
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
        summary="Positions sold out, every sale's realized P&L, and totals per year",
        description=(
            "One row per holding taken from zero back to zero (a rebuy after selling out starts "
            "a new one), most recently closed first, under the portfolio's cost method. "
            "proceeds = sale proceeds after sell fees and taxes; cost = cost basis of the shares "
            "sold, buy fees included; realized_pnl = proceeds - cost; fees = buy and sell fees; "
            "taxes = sell taxes. `sales` lists every SELL with what it realized; `years` the "
            "year-end totals (realized P&L, fees, sell taxes, dividend income and the tax "
            "withheld on it). `?year=2025` keeps the positions closed, the sales made and the "
            "totals of that year (400 invalid_year for anything but a year from 2000 to this "
            "one). `?format=csv`, or `closed-positions/export.csv`: the sales and cash "
            "dividends as CSV for Excel (UTF-8 with a BOM)."
        ),
        parameters=[
            OpenApiParameter("year", {"type": "integer", "minimum": 2000, "maximum": 9999}),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], default="json"),
        ],
        responses={
            (200, "application/json"): ClosedPositionsSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: error_response("Not a year.", code="invalid_year", message="Unknown year '20x5'."),
            404: NOT_FOUND,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="closed-positions",
        renderer_classes=[JSONRenderer, CsvRenderer],
    )
    def closed_positions(self, request: Request, pk: str) -> HttpResponse:
        portfolio = self.get_object()
        year = realized.parse_year(request.query_params.get("year"))
        if request.query_params.get("format") == "csv":
            return self._year_end_csv(portfolio, year)
        sales = realized.sale_list(portfolio=portfolio)
        years = realized.year_totals(portfolio=portfolio, sales=sales)
        body = {
            "year": year,
            "results": realized.closed_position_list(portfolio=portfolio, year=year),
            "sales": [s for s in sales if year is None or s.trade_date.year == year],
            "years": [y for y in years if year is None or y.year == year],
        }
        return Response(ClosedPositionsSerializer(body).data)

    @extend_schema(
        summary="Sales and cash dividends as CSV for Excel (UTF-8 with a BOM)",
        parameters=[
            OpenApiParameter("year", {"type": "integer", "minimum": 2000, "maximum": 9999})
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            400: error_response("Not a year.", code="invalid_year", message="Unknown year '20x5'."),
            404: NOT_FOUND,
        },
    )
    # Routed by portfolio/urls.py (no trailing slash: a file name), not by the router.
    def closed_positions_csv(self, request: Request, pk: str) -> HttpResponse:
        portfolio = self.get_object()
        return self._year_end_csv(portfolio, realized.parse_year(request.query_params.get("year")))

    @staticmethod
    def _year_end_csv(portfolio: Portfolio, year: int | None) -> HttpResponse:
        response = HttpResponse(
            realized.year_end_csv(portfolio=portfolio, year=year),
            content_type="text/csv; charset=utf-8",
        )
        stem = export_filename(portfolio, "csv").removesuffix(".csv")
        suffix = f"-{year}" if year is not None else ""
        response["Content-Disposition"] = f'attachment; filename="{stem}-realized{suffix}.csv"'
        return response
