"""The market API: public (AllowAny), read-only, throttled under the ``market_read`` scope.

Limits: ``/quotes/`` takes at most 100 symbols; ``/bars/`` returns at most 5,000 bars (the most
recent of the range when more match, flagged ``truncated``); lists are paginated with ``?page=``
and ``?page_size=`` (at most 500).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from market import charts, events, selectors
from market.calendar import market_date, vn_midnight_utc
from market.models import CorporateEvent, CorporateEventKind, Instrument, InstrumentType, Tick
from market.serializers import (
    INDEX_LEVELS,
    MOMENT_MAX_LENGTH,
    SEARCH_MAX_LENGTH,
    SYMBOL_PATTERN,
    SYMBOLS_MAX,
    BarSerializer,
    BarsQuery,
    BarsResponseSerializer,
    CorporateEventSerializer,
    EventsQuery,
    InstrumentDetailSerializer,
    InstrumentQuery,
    InstrumentSerializer,
    QuoteSerializer,
    QuotesQuery,
    SummarySerializer,
    TickSerializer,
    TicksQuery,
    utc_iso,
)
from portfolio_site.openapi import error_response
from portfolio_site.pagination import (
    PAGE_DESCRIPTION,
    page_schema,
    page_size_description,
    page_size_schema,
)
from portfolio_site.replica_reads import ReplicaReadsMixin

TAGS = ["market"]
BAD_REQUEST = error_response(
    "A query parameter is unknown or invalid.",
    code="invalid",
    message='exchange: "XX" is not one of HOSE, HNX, UPCOM.',
    fields={"exchange": ['exchange: "XX" is not one of HOSE, HNX, UPCOM.']},
)
UNKNOWN_SYMBOL = error_response(
    "Unknown symbol.",
    code="not_found",
    message="Unknown symbol 'XYZ'.",
    fields={"symbol": ["XYZ"]},
)

_QUOTE_EXAMPLE = {
    "symbol": "FPT",
    "name": "Công ty CP FPT",
    "exchange": "HOSE",
    "type": "stock",
    "price": "96500",
    "reference_price": "95000",
    "ceiling_price": "101600",
    "floor_price": "88400",
    "open": "95200",
    "high": "96800",
    "low": "94900",
    "change": "1500",
    "change_pct": "1.58",
    "volume": 2345600,
    "value": "224875120000",
    "bids": [["96400", 1200], ["96300", 5000], ["96200", 800]],
    "asks": [["96500", 300], ["96600", 2100], ["96700", 4000]],
    "foreign_buy": 120000,
    "foreign_sell": 98000,
    "as_of": "2026-01-05T03:15:02Z",
    "stale": False,
    "age_seconds": 2,
    "source": "simulated",
}


_INSTRUMENT_EXAMPLE = {
    "symbol": "FPT",
    "exchange": "HOSE",
    "type": "stock",
    "name": "Công ty CP FPT",
    "name_en": "FPT Corporation",
    "industry": "Technology",
    "lot_size": 100,
    "listed_shares": 1703681423,
    "is_active": True,
    "groups": ["VN30"],
}
_BAR_EXAMPLE = {
    "start": "2026-01-04T17:00:00Z",
    "date": "2026-01-05",
    "open": "95000",
    "high": "96800",
    "low": "94900",
    "close": "96500",
    "volume": 2345600,
    "value": "224875120000",
}
_TICK_EXAMPLE = {
    "seq": 812,
    "time": "2026-01-05T03:15:02Z",
    "price": "96500",
    "volume": 300,
    "side": "buy",
    "source": "simulated",
}
_BAD_INTERVAL = OpenApiExample(
    "unknown interval",
    status_codes=["400"],
    response_only=True,
    value={
        "error": {
            "code": "invalid",
            "message": 'interval: "2m" is not one of 1m, 5m, 15m, 1h, 1d.',
            "fields": {"interval": ['interval: "2m" is not one of 1m, 5m, 15m, 1h, 1d.']},
        }
    },
)


class MarketAPIView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "market_read"


class MarketListAPIView(GenericAPIView):
    permission_classes = [AllowAny]
    throttle_scope = "market_read"

    def paginated(self, items: Any, serializer: type, **context: Any) -> Response:
        page = self.paginate_queryset(items)
        data = serializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


def _is_index(instrument: Instrument) -> bool:
    """An index's prices are levels (two decimals), anything else's whole VND."""
    return instrument.type == InstrumentType.INDEX


_MOMENT = {"type": "string", "minLength": 1, "maxLength": MOMENT_MAX_LENGTH}
_SYMBOL = SYMBOL_PATTERN.strip("^$")
SYMBOL_LIST_PATTERN = f"^ *{_SYMBOL} *(, *{_SYMBOL} *){{0,{SYMBOLS_MAX - 1}}}$"

# The market lists are APIViews that paginate by hand: the same parameters, declared here.
_PAGE_PARAMS = [
    OpenApiParameter("page", page_schema(), description=PAGE_DESCRIPTION),
    OpenApiParameter("page_size", page_size_schema(), description=page_size_description()),
]


class InstrumentListApi(MarketListAPIView):
    queryset = Instrument.objects.none()  # for the schema only; the selector does the reading

    @extend_schema(
        tags=TAGS,
        summary="List instruments",
        parameters=[
            OpenApiParameter("exchange", str, enum=["HOSE", "HNX", "UPCOM"]),
            OpenApiParameter("type", str, enum=["stock", "etf", "index", "cw", "fund"]),
            OpenApiParameter(
                "group",
                {"type": "string", "pattern": SYMBOL_PATTERN},
                description="Index basket code, e.g. VN30.",
            ),
            OpenApiParameter(
                "search",
                {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": SEARCH_MAX_LENGTH,
                    "pattern": r"\S",
                },
                description="Symbol prefix or part of a name.",
            ),
            *_PAGE_PARAMS,
        ],
        responses={200: InstrumentSerializer(many=True), 400: BAD_REQUEST},
        examples=[OpenApiExample("VN30 member", value=[_INSTRUMENT_EXAMPLE], response_only=True)],
    )
    def get(self, request: Request) -> Response:
        query = InstrumentQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        instruments = selectors.instrument_list(
            exchange=params.get("exchange"),
            type=params.get("type"),
            group=params.get("group"),
            search=params.get("search"),
        )
        return self.paginated(instruments, InstrumentSerializer)


class InstrumentDetailApi(MarketAPIView):
    @extend_schema(
        tags=TAGS,
        summary="One instrument with its latest quote",
        responses={200: InstrumentDetailSerializer, 404: UNKNOWN_SYMBOL},
        examples=[
            OpenApiExample(
                "FPT", value={**_INSTRUMENT_EXAMPLE, "quote": _QUOTE_EXAMPLE}, response_only=True
            ),
        ],
    )
    def get(self, request: Request, symbol: str) -> Response:
        instrument = selectors.instrument_get(symbol=symbol)
        quote = selectors.quote_map(symbols=[instrument.symbol]).get(instrument.symbol)
        data = InstrumentSerializer(instrument).data
        data["quote"] = QuoteSerializer(quote).data if quote is not None else None
        return Response(data)


class QuoteListApi(MarketAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Latest quotes of some symbols",
        description=(
            f"At most {SYMBOLS_MAX} symbols. Quotes come back in the order asked; a known symbol "
            "that has no quote yet is left out. When the provider is down the last stored quote "
            "is served with `stale: true` and its `age_seconds`."
        ),
        parameters=[
            OpenApiParameter(
                "symbols",
                {"type": "string", "pattern": SYMBOL_LIST_PATTERN},
                required=True,
                description=f"Comma-separated symbols (at most {SYMBOLS_MAX}), e.g. FPT,VNM.",
            )
        ],
        responses={200: QuoteSerializer(many=True), 400: BAD_REQUEST, 404: UNKNOWN_SYMBOL},
        examples=[
            OpenApiExample("FPT", value=[_QUOTE_EXAMPLE], response_only=True),
            OpenApiExample(
                "too many symbols",
                status_codes=["400"],
                response_only=True,
                value={
                    "error": {
                        "code": "invalid",
                        "message": "symbols: at most 100 symbols per request (120 given).",
                        "fields": {
                            "symbols": ["symbols: at most 100 symbols per request (120 given)."]
                        },
                    }
                },
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        query = QuotesQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        rows = selectors.quote_list(symbols=query.validated_data["symbols"])
        return Response(QuoteSerializer(rows, many=True).data)


class BarListApi(ReplicaReadsMixin, MarketAPIView):
    replica_reads = True  # history: may read from a replica (portfolio_site/db_router.py)

    @extend_schema(
        tags=TAGS,
        summary="OHLC bars of one instrument",
        description=(
            f"Bars whose start lies in [start, end], oldest first, at most {selectors.BARS_MAX}: "
            "when more match, the most recent ones are returned and `truncated` is true. "
            "Dates are Vietnam trading dates (start = that day's 00:00 ICT, end = the whole day); "
            "datetimes need `Z` or an offset. Defaults: end = now; start = end minus 1 day (1m), "
            "5 days (5m), 10 days (15m), 30 days (1h) or 365 days (1d); an intraday window with "
            "no bar is moved back to end at the latest stored bar (the last session after a "
            "weekend or a restart). 1d: the quote's trading day is a candle built from the "
            "quote (open, high, low, last, volume), so the chart ends at the header's price. "
            "5m/15m/1h: the current bucket is rolled up from the stored 1m bars. Indices "
            "(VNINDEX, VN30, HNXINDEX) work alike, in points."
        ),
        parameters=[
            OpenApiParameter("interval", str, enum=["1m", "5m", "15m", "1h", "1d"], default="1d"),
            OpenApiParameter("start", _MOMENT, description="YYYY-MM-DD or ISO-8601."),
            OpenApiParameter("end", _MOMENT, description="YYYY-MM-DD or ISO-8601."),
            OpenApiParameter(
                "adjusted",
                bool,
                default=False,
                description=(
                    "false (default): as-traded prices. true: scaled for the stock dividends, "
                    "bonus shares and splits since each bar (charts and comparisons)."
                ),
            ),
        ],
        responses={200: BarsResponseSerializer, 400: BAD_REQUEST, 404: UNKNOWN_SYMBOL},
        examples=[
            OpenApiExample(
                "daily bars",
                value={
                    "symbol": "FPT",
                    "interval": "1d",
                    "start": "2026-01-04T17:00:00Z",
                    "end": "2026-01-05T17:00:00Z",
                    "count": 1,
                    "limit": 5000,
                    "truncated": False,
                    "adjusted": False,
                    "results": [_BAR_EXAMPLE],
                },
                response_only=True,
            ),
            _BAD_INTERVAL,
        ],
    )
    def get(self, request: Request, symbol: str) -> Response:
        instrument = selectors.instrument_get(symbol=symbol)
        query = BarsQuery(data=request.query_params.dict(), context={"now": timezone.now()})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "start" not in params:
            params["since"] = charts.anchored_since(
                instrument=instrument,
                interval=params["interval"],
                since=params["since"],
                until=params["until"],
            )
        page = charts.chart_bars(
            instrument=instrument,
            interval=params["interval"],
            since=params["since"],
            until=params["until"],
            limit=selectors.BARS_MAX,
        )
        bars = page.bars
        if params["adjusted"]:
            bars = selectors.bars_adjusted(
                instrument=instrument, bars=bars, today=market_date(timezone.now())
            )
        return Response(
            {
                "symbol": instrument.symbol,
                "interval": params["interval"],
                "start": utc_iso(params["since"]),
                "end": utc_iso(params["until"]),
                "count": len(page.bars),
                "limit": selectors.BARS_MAX,
                "truncated": page.truncated,
                "adjusted": params["adjusted"],
                "results": BarSerializer(
                    bars, many=True, context={INDEX_LEVELS: _is_index(instrument)}
                ).data,
            }
        )


class TickListApi(MarketListAPIView):
    queryset = Tick.objects.none()  # for the schema only; the selector does the reading

    @extend_schema(
        tags=TAGS,
        summary="Ticks (matched trades) of one instrument, oldest first",
        description=(
            "Ticks at or after `since` and/or with a sequence number above `after_seq` (to fill a "
            "gap in the websocket stream). Without either: the ticks of the latest trading day "
            "that has any. Ticks are kept for TICK_RETENTION_DAYS (30 days by default)."
        ),
        parameters=[
            OpenApiParameter("since", _MOMENT, description="YYYY-MM-DD or ISO-8601."),
            OpenApiParameter(
                "after_seq",
                {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**63 - 1},
                description="Only ticks with a larger seq.",
            ),
            *_PAGE_PARAMS,
        ],
        responses={200: TickSerializer(many=True), 400: BAD_REQUEST, 404: UNKNOWN_SYMBOL},
        examples=[OpenApiExample("a tick", value=[_TICK_EXAMPLE], response_only=True)],
    )
    def get(self, request: Request, symbol: str) -> Response:
        instrument = selectors.instrument_get(symbol=symbol)
        query = TicksQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        since = query.validated_data.get("since")
        after_seq = query.validated_data.get("after_seq")
        if since is None and after_seq is None:
            latest = selectors.tick_latest_time(instrument=instrument)
            if latest is not None:
                since = vn_midnight_utc(market_date(latest))
        ticks = selectors.tick_list(instrument=instrument, since=since, after_seq=after_seq)
        return self.paginated(ticks, TickSerializer, **{INDEX_LEVELS: _is_index(instrument)})


class SummaryApi(MarketAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Market summary",
        description=(
            "Index levels, top 10 gainers, losers and most active (by traded value), and "
            "advancers/decliners/unchanged over the latest trading day's quotes. Cached, and "
            "refreshed by the worker after every poll."
        ),
        responses={200: SummarySerializer},
        examples=[
            OpenApiExample(
                "summary",
                value={
                    "indices": [
                        {
                            "symbol": "VNINDEX",
                            "name": "VN-Index",
                            "level": "1262.37",
                            "change": "12.37",
                            "change_pct": "0.99",
                            "as_of": "2026-01-05T03:15:02Z",
                            "stale": False,
                        }
                    ],
                    "gainers": [_QUOTE_EXAMPLE],
                    "losers": [],
                    "most_active": [_QUOTE_EXAMPLE],
                    "breadth": {"advancers": 17, "decliners": 10, "unchanged": 3},
                    "as_of": "2026-01-05T03:15:02Z",
                    "source": "simulated",
                    "last_trading_day": "2026-01-05",
                    "market_status": {
                        "exchange": "HOSE",
                        "session": "continuous",
                        "is_open": True,
                        "always_open": False,
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(SummarySerializer(selectors.market_summary()).data)


_EVENT_EXAMPLE = {
    "id": 12,
    "symbol": "FPT",
    "kind": "cash_dividend",
    "status": "confirmed",
    "title": "FPT: cash dividend 2,000 VND per share",
    "announcement_date": "2026-05-28",
    "ex_date": "2026-06-12",
    "record_date": "2026-06-15",
    "payment_date": "2026-07-03",
    "cash_per_share": "2000",
    "ratio": None,
    "subscription_price": None,
    "subscription_start": None,
    "subscription_end": None,
    "source": "simulated",
    "updated_at": "2026-06-01T11:30:00Z",
}
_DATE = {"type": "string", "format": "date"}


class CorporateEventListApi(MarketListAPIView):
    queryset = CorporateEvent.objects.none()  # for the schema only; the selector does the reading

    @extend_schema(
        tags=TAGS,
        summary="Corporate events (dividends, bonus shares, rights issues, splits)",
        description=(
            "Newest ex-date first. `from`/`to` bound the ex-date (inclusive). Ingested daily for "
            "held or watched instruments; staff correct them in the admin."
        ),
        parameters=[
            OpenApiParameter(
                "symbol",
                {"type": "string", "pattern": SYMBOL_PATTERN},
                description="Only this instrument's events (404 if unknown).",
            ),
            OpenApiParameter("from", _DATE, description="Earliest ex-date, YYYY-MM-DD."),
            OpenApiParameter("to", _DATE, description="Latest ex-date, YYYY-MM-DD."),
            OpenApiParameter("kind", str, enum=CorporateEventKind.values),
            *_PAGE_PARAMS,
        ],
        responses={200: CorporateEventSerializer(many=True), 400: BAD_REQUEST, 404: UNKNOWN_SYMBOL},
        examples=[OpenApiExample("a cash dividend", value=[_EVENT_EXAMPLE], response_only=True)],
    )
    def get(self, request: Request) -> Response:
        query = EventsQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        symbol = params.get("symbol")
        if symbol:
            selectors.instrument_get(symbol=symbol)  # 404 for an unknown symbol
        found = events.corporate_events_list(
            symbol=symbol,
            date_from=params.get("from"),
            date_to=params.get("to"),
            kind=params.get("kind"),
        )
        return self.paginated(found, CorporateEventSerializer)
