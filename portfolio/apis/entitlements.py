"""A portfolio's corporate-action entitlements ("quyền chờ về"): list, apply / confirm one, exercise
a right; and its dividend calendar. Owner-only (404 for anyone else's portfolio)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio import dividends, selectors
from portfolio.apis.schema import CONFLICT, INVALID, NOT_FOUND, RULE
from portfolio.models import Entitlement, EntitlementStatus, Portfolio
from portfolio.serializers import QuantityField, QuantityOutputField, vnd_field
from portfolio.services import market_today
from portfolio.services.entitlements import entitlement_apply, entitlement_exercise
from portfolio_site.api_serializers import StrictSerializer
from portfolio_site.errors import DomainError, NotFound

# --- serializers ---------------------------------------------------------------------------------


class EntitlementSerializer(serializers.Serializer):
    """What the portfolio receives from one corporate event."""

    id = serializers.IntegerField(read_only=True)
    event = serializers.IntegerField(source="event_id", read_only=True)
    symbol = serializers.CharField(source="event.instrument.symbol", read_only=True)
    kind = serializers.CharField(
        source="event.kind",
        read_only=True,
        help_text="cash_dividend, stock_dividend, bonus_shares, rights_issue, split.",
    )
    status = serializers.ChoiceField(
        choices=EntitlementStatus.choices,
        read_only=True,
        help_text=(
            "pending from the ex-date until the payment / listing date (rights: until the "
            "window opens), then due; applied once booked (rights: exercised); lapsed: a right "
            "not exercised by the end of its window."
        ),
    )
    ex_date = serializers.DateField(source="event.ex_date", read_only=True)
    record_date = serializers.DateField(source="event.record_date", read_only=True, allow_null=True)
    payment_date = serializers.DateField(
        source="event.payment_date",
        read_only=True,
        allow_null=True,
        help_text="Payment or listing date.",
    )
    shares_held = QuantityOutputField(
        read_only=True, help_text="Shares held at the close before the ex-date."
    )
    cash_gross = vnd_field("shares_held x cash per share.", allow_null=True)
    cash_tax = vnd_field(
        "Withheld at source (the portfolio's dividend rate, 5 %).", allow_null=True
    )
    cash_net = vnd_field("cash_gross - cash_tax.", allow_null=True)
    new_shares = QuantityOutputField(
        read_only=True,
        help_text="floor(shares_held x ratio); a split: the extra shares; a reverse split: minus"
        " the shares it takes away (shares_held - floor(shares_held x new / old)).",
    )
    rights = QuantityOutputField(read_only=True, help_text="floor(shares_held x ratio).")
    exercised = QuantityOutputField(read_only=True)
    ratio = serializers.CharField(source="event.ratio", read_only=True, help_text='"100:20"')
    subscription_price = vnd_field(source="event.subscription_price", allow_null=True)
    subscription_start = serializers.DateField(
        source="event.subscription_start", read_only=True, allow_null=True
    )
    subscription_end = serializers.DateField(
        source="event.subscription_end", read_only=True, allow_null=True
    )
    applied_at = serializers.DateTimeField(read_only=True, allow_null=True)
    transactions = serializers.SerializerMethodField(
        help_text="Ids of the ledger rows that book it."
    )
    last_change = serializers.JSONField(
        read_only=True,
        help_text=(
            "What the last correction of the event changed: terms {field: [old, new]} and, "
            "once applied, the rows rewritten; an error when the ledger refused the change."
        ),
    )

    def get_transactions(self, entitlement: Entitlement) -> list[int]:
        booked: dict[int, list[int]] = self.context.get("booked", {})
        return booked.get(entitlement.pk, [])


class EntitlementListSerializer(serializers.Serializer):
    results = EntitlementSerializer(many=True, read_only=True)


class EntitlementActionSerializer(serializers.Serializer):
    booked = serializers.BooleanField(
        read_only=True, help_text="False when it had already been applied (nothing new written)."
    )
    entitlement = EntitlementSerializer(read_only=True)


class ApplyInputSerializer(StrictSerializer):
    trade_date = serializers.DateField(
        required=False,
        help_text=(
            "The day it arrived; defaults to the payment / listing date (required when the "
            "event has none). From the ex-date to today."
        ),
    )


class ExerciseInputSerializer(StrictSerializer):
    quantity = QuantityField(
        min_value=1, help_text="Rights to exercise: 1 to the entitled rights (whole shares)."
    )


class CalendarEventSerializer(serializers.Serializer):
    event = serializers.IntegerField(source="event.pk", read_only=True)
    symbol = serializers.CharField(source="event.instrument.symbol", read_only=True)
    kind = serializers.CharField(source="event.kind", read_only=True)
    title = serializers.CharField(source="event.title", read_only=True)
    ex_date = serializers.DateField(source="event.ex_date", read_only=True)
    record_date = serializers.DateField(source="event.record_date", read_only=True, allow_null=True)
    payment_date = serializers.DateField(
        source="event.payment_date", read_only=True, allow_null=True
    )
    cash_per_share = vnd_field(source="event.cash_per_share", allow_null=True)
    ratio = serializers.CharField(source="event.ratio", read_only=True)
    subscription_price = vnd_field(source="event.subscription_price", allow_null=True)
    held = serializers.BooleanField(read_only=True, help_text="The portfolio holds or held it.")
    watched = serializers.BooleanField(read_only=True, help_text="On the owner's watchlist.")
    entitlement = EntitlementSerializer(read_only=True, allow_null=True)


class IncomeYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True)
    gross = vnd_field()
    tax = vnd_field()
    net = vnd_field()


class DividendCalendarSerializer(serializers.Serializer):
    as_of = serializers.DateField(read_only=True, help_text="Today in Vietnam.")
    upcoming = CalendarEventSerializer(many=True, read_only=True)
    income_by_year = IncomeYearSerializer(
        many=True, read_only=True, help_text="Booked cash dividends by payment year."
    )
    pending_cash = vnd_field("Net cash of the pending and due dividends, not booked yet.")


# --- views ---------------------------------------------------------------------------------------

ENTITLEMENT_EXAMPLE = {
    "id": 3,
    "event": 12,
    "symbol": "FPT",
    "kind": "cash_dividend",
    "status": "pending",
    "ex_date": "2026-06-15",
    "record_date": "2026-06-16",
    "payment_date": "2026-07-10",
    "shares_held": "1000",
    "cash_gross": "2000000",
    "cash_tax": "100000",
    "cash_net": "1900000",
    "new_shares": "0",
    "rights": "0",
    "exercised": "0",
    "ratio": "",
    "subscription_price": None,
    "subscription_start": None,
    "subscription_end": None,
    "applied_at": None,
    "transactions": [],
    "last_change": {},
}


@extend_schema(tags=["entitlements"])
class EntitlementViewSet(viewsets.GenericViewSet):
    serializer_class = EntitlementSerializer
    queryset = Entitlement.objects.none()  # the path parameters' types, for the schema
    pagination_class = None  # one portfolio's entitlements: a short list, answered whole
    throttle_scope = "portfolio_read"  # writes (POST) count as portfolio_write
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

    def _entitlement_id(self, pk: str) -> int:
        """404 for an entitlement that is not this portfolio's, before looking at the body."""
        if not Entitlement.objects.filter(pk=int(pk), portfolio=self.get_portfolio()).exists():
            raise NotFound("Entitlement not found.")
        return int(pk)

    def _shown(self, entitlements: list[Entitlement]) -> dict[str, Any]:
        return {"booked": dividends.booked_transaction_ids(entitlements)}

    @extend_schema(
        summary="The portfolio's entitlements (quyền chờ về), recomputed first",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=list(EntitlementStatus.values),
                description="Only this status; anything else: 400.",
            )
        ],
        responses={200: EntitlementListSerializer, 400: INVALID, 404: NOT_FOUND},
        examples=[
            OpenApiExample("pending", value={"results": [ENTITLEMENT_EXAMPLE]}, response_only=True)
        ],
    )
    def index(self, request: Request, portfolio_id: str) -> Response:
        # Not named "list": the answer is one object ({"results": [...]}), not a list of rows.
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in EntitlementStatus.values:
            raise DomainError(
                f"Unknown status {wanted!r}; use one of {', '.join(EntitlementStatus.values)}.",
                code="invalid_status",
                fields={"status": [f"Use one of {', '.join(EntitlementStatus.values)}."]},
            )
        rows = dividends.entitlement_list(
            portfolio=self.get_portfolio(), status=wanted, today=market_today()
        )
        return Response(
            EntitlementListSerializer({"results": rows}, context=self._shown(rows)).data
        )

    def _action(self, entitlement: Entitlement, booked: bool) -> Response:
        body = EntitlementActionSerializer(
            {"booked": booked, "entitlement": entitlement}, context=self._shown([entitlement])
        ).data
        return Response(body, status=status.HTTP_201_CREATED if booked else status.HTTP_200_OK)

    @extend_schema(
        summary="Apply (confirm) a due cash dividend or new shares: books the ledger row once",
        description=(
            "Writes the DIVIDEND (tax withheld), STOCK_DIVIDEND or (a reverse split) "
            "SHARE_CONSOLIDATION the entitlement implies, "
            "linked to it; a hand-typed row with the same symbol, date and amount (within 1 VND) "
            "is linked instead. Idempotent: repeating it answers 200 with booked=false. Not due "
            "yet: 422 not_due; a right: 422 use_exercise; the ledger refuses: 422."
        ),
        request=ApplyInputSerializer,
        examples=[OpenApiExample("on the payment date", value={}, request_only=True)],
        responses={
            201: EntitlementActionSerializer,
            200: EntitlementActionSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
            422: RULE,
        },
    )
    def apply(self, request: Request, portfolio_id: str, pk: str) -> Response:
        entitlement_id = self._entitlement_id(pk)
        data = ApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = entitlement_apply(
            portfolio=self.get_portfolio(),
            entitlement_id=entitlement_id,
            trade_date=data.validated_data.get("trade_date"),
            today=market_today(),
        )
        return self._action(result.entitlement, result.booked)

    @extend_schema(
        summary="Exercise a right: subscribe up to the entitled quantity at the subscription price",
        description=(
            "One RIGHTS_SUBSCRIPTION row dated today: the subscription cost joins the cost basis, "
            "no brokerage fee; the shares are tradable from the listing date. Only inside the "
            "subscription window (422 not_due / lapsed). Repeating the same quantity answers 200 "
            "with booked=false; another quantity afterwards: 409 already_exercised."
        ),
        request=ExerciseInputSerializer,
        examples=[OpenApiExample("exercise", value={"quantity": "300"}, request_only=True)],
        responses={
            201: EntitlementActionSerializer,
            200: EntitlementActionSerializer,
            400: INVALID,
            404: NOT_FOUND,
            409: CONFLICT,
            422: RULE,
        },
    )
    def exercise(self, request: Request, portfolio_id: str, pk: str) -> Response:
        entitlement_id = self._entitlement_id(pk)
        data = ExerciseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = entitlement_exercise(
            portfolio=self.get_portfolio(),
            entitlement_id=entitlement_id,
            quantity=data.validated_data["quantity"],
            today=market_today(),
        )
        return self._action(result.entitlement, result.booked)

    @extend_schema(
        summary="Dividend calendar: upcoming ex-dates and payments, and dividend income by year",
        description=(
            "Events of the symbols the portfolio holds or held and of the owner's watchlist "
            "whose ex-date, payment date or subscription window is today or later, each with "
            "this portfolio's entitlement; booked cash dividends by year."
        ),
        responses={200: DividendCalendarSerializer, 404: NOT_FOUND},
    )
    def calendar(self, request: Request, portfolio_id: str) -> Response:
        calendar = dividends.dividend_calendar(portfolio=self.get_portfolio(), today=market_today())
        entitlements = [e.entitlement for e in calendar["upcoming"] if e.entitlement is not None]
        return Response(
            DividendCalendarSerializer(calendar, context=self._shown(entitlements)).data
        )
