"""``GET /api/market/board/?list=...``: the price board's rows (mounted by portfolio_site/urls.py
beside the market API; here because the user's lists need the portfolio app)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from market.board import LIST_NAMES, board_rows
from market.serializers import QuoteSerializer
from portfolio_site.openapi import error_response
from realtime.board import MAX_LIST_NAME, board_resolve


class BoardRowSerializer(QuoteSerializer):
    last_volume = serializers.IntegerField(
        allow_null=True, help_text="Volume of the latest matched trade; null before any."
    )
    seq = serializers.IntegerField(
        allow_null=True, help_text="The latest tick's sequence number (null before any)."
    )


class BoardSerializer(serializers.Serializer):
    list = serializers.CharField(help_text="The list's canonical name.")
    symbols = serializers.ListField(
        child=serializers.CharField(), help_text="Every symbol on the board, sorted."
    )
    count = serializers.IntegerField()
    limit = serializers.IntegerField(help_text="BOARD_MAX_SYMBOLS.")
    results = BoardRowSerializer(
        many=True, help_text="One row per symbol that has a quote, in the order of symbols."
    )


class BoardApi(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "market_read"

    @extend_schema(
        tags=["market"],
        summary="The price board of a list (bảng giá)",
        description=(
            "Rows of every symbol of a list: VN30, HNX30 (index baskets), HOSE, HNX, UPCOM (the "
            "exchange's stocks, ETFs and funds), `watchlist` (yours) or `portfolio:<id>` (the "
            "open positions of one of your portfolios). A row is a `/quotes/` item plus "
            "`last_volume` and `seq`; symbols without a quote yet are in `symbols` but have no "
            "row. Live updates: the `board` action of `/ws/market/` (README, Realtime). Unknown "
            "list: 400 unknown_list; more symbols than BOARD_MAX_SYMBOLS: 400 board_too_large; "
            "your lists without a login: 401; another user's portfolio: 404; an empty "
            "watchlist or portfolio: no rows (200)."
        ),
        parameters=[
            OpenApiParameter(
                "list",
                {"type": "string", "minLength": 1, "maxLength": MAX_LIST_NAME, "example": "VN30"},
                required=True,
                description=f"One of {', '.join(LIST_NAMES)}.",
            )
        ],
        responses={
            200: BoardSerializer,
            400: error_response(
                "Unknown list, or too many symbols.",
                code="unknown_list",
                message="Unknown board list 'VN31'; use one of VN30, HNX30, HOSE, HNX, UPCOM, "
                "watchlist, portfolio:<id>.",
                fields={"list": ["Use one of VN30, HNX30, HOSE, HNX, UPCOM, watchlist, ..."]},
            ),
            401: error_response(
                "Your lists need a login.",
                code="not_authenticated",
                message="Log in to see the board of your watchlist.",
            ),
            404: error_response(
                "Not your portfolio, or no such portfolio.",
                code="not_found",
                message="Portfolio not found.",
            ),
        },
        examples=[
            OpenApiExample(
                "VN30",
                response_only=True,
                value={
                    "list": "VN30",
                    "symbols": ["ACB", "FPT"],
                    "count": 2,
                    "limit": 600,
                    "results": [],
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        board = board_resolve(list_name=request.query_params.get("list"), user=request.user)
        rows = board_rows(symbols=board.symbols)
        return Response(
            {
                "list": board.name,
                "symbols": board.symbols,
                "count": len(board.symbols),
                "limit": int(settings.BOARD_MAX_SYMBOLS),
                "results": rows,
            }
        )
