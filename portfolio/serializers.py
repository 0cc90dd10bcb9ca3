"""Shapes of the portfolio API: input serializers check types only (services check the rules);
output serializers render money, prices and quantities as strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from market.serializers import IndexAwareSerializer, PriceField
from portfolio.alerts import threshold_display
from portfolio.ledger import Kind
from portfolio.models import Alert, AlertCondition, CostMethod, Portfolio, Transaction
from portfolio.services import TRANSACTION_ENTRY_FIELDS
from portfolio.services.exchange_rules import is_odd_lot
from portfolio.valuation import money
from portfolio_site.api_serializers import StrictModelSerializer, StrictSerializer


class QuantityField(serializers.IntegerField):
    """Whole shares: accepts 100 or "100", renders "100"."""

    def to_representation(self, value: Any) -> Any:
        return str(int(value))


@extend_schema_field({"type": "string", "pattern": r"^-?\d+$", "example": "100"})
class QuantityOutputField(QuantityField):
    """A quantity in a response: the string it renders, as the schema says (input stays a number)."""


class VndField(serializers.DecimalField):
    """Whole VND: accepts numbers or strings (fractions are refused by the services), renders
    "25000" rather than "25000.00"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 26)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        if value is None:
            return None
        return str(money(Decimal(value)))


VND_HELP = 'Whole VND, rounded half-up: a string of digits, e.g. "108600" (never "-0").'
PCT_HELP = 'Percent with exactly two decimals, half-up: "12.34" is 12.34 %.'
RATIO_HELP = 'A fraction with exactly six decimals: "0.123456" is 12.3456 %.'


def _vnd(help_text: str = "", **kwargs: Any) -> VndField:
    return VndField(read_only=True, help_text=f"{help_text} {VND_HELP}".strip(), **kwargs)


def _pct(help_text: str = "", **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=f"{help_text} {PCT_HELP}".strip(),
        **kwargs,
    )


def _ratio(**kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("help_text", RATIO_HELP)
    return serializers.CharField(read_only=True, allow_null=True, **kwargs)


RATE_HELP = "A fraction from 0 to 0.1 (10 %): 0.0015 is 0.15%; outside, 400."


class PortfolioSerializer(StrictModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    fee_rate = serializers.DecimalField(
        max_digits=7, decimal_places=6, required=False, help_text=RATE_HELP
    )
    sell_tax_rate = serializers.DecimalField(
        max_digits=7, decimal_places=6, required=False, help_text=RATE_HELP
    )
    dividend_tax_rate = serializers.DecimalField(
        max_digits=7, decimal_places=6, required=False, help_text=RATE_HELP
    )
    cost_method = serializers.ChoiceField(choices=CostMethod.choices, required=False)
    benchmark = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text=(
            "The performance chart's benchmark, remembered for the client: VNINDEX (default), "
            'VN30, HNXINDEX or any instrument\'s symbol; "" for none. Unknown: 400 '
            "unknown_benchmark."
        ),
    )

    class Meta:
        model = Portfolio
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "base_currency",
            "fee_rate",
            "sell_tax_rate",
            "dividend_tax_rate",
            "cost_method",
            "enforce_settlement",
            "track_cash",
            "benchmark",
            "auto_apply_entitlements",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "base_currency", "created_at", "updated_at"]
        validators: list[Any] = []  # name uniqueness per owner: the service answers 409


class SaleRealizedSerializer(serializers.Serializer):
    quantity = QuantityOutputField(read_only=True)
    gross = _vnd(help_text="quantity x price.")
    fee = _vnd()
    tax = _vnd()
    proceeds = _vnd(help_text="gross - fee - tax.")
    cost = _vnd(
        help_text="Cost basis of the shares sold (buy fees included), by the portfolio's cost "
        "method: average cost x quantity, or the FIFO lots the sale took."
    )
    realized_pnl = _vnd(help_text="proceeds - cost.")
    realized_pnl_pct = _pct(help_text="realized_pnl / cost in percent; null when cost is 0.")


class TransactionSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True, allow_null=True)
    portfolio = serializers.IntegerField(source="portfolio_id", read_only=True)
    quantity = QuantityOutputField(read_only=True)
    price = _vnd(allow_null=True)
    amount = _vnd(allow_null=True)
    fee = _vnd()
    tax = _vnd()
    odd_lot = serializers.SerializerMethodField(
        help_text="A BUY or SELL of fewer shares than a board lot (1-99): an odd-lot trade."
    )
    realized = serializers.SerializerMethodField(
        help_text=(
            "What a SELL realized (null for other kinds; in the response to a write also null "
            "when the database could not be read right after the write was stored)."
        )
    )

    class Meta:
        model = Transaction
        fields = [
            "id",
            "portfolio",
            *TRANSACTION_ENTRY_FIELDS,
            "fee_is_derived",
            "tax_is_derived",
            "trade_date",
            "settle_date",
            "note",
            "external_id",
            "entitlement",
            "created_at",
            "updated_at",
            "realized",
            "odd_lot",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_odd_lot(self, row: Transaction) -> bool:
        lot_size = row.instrument.lot_size if row.instrument is not None else None
        return is_odd_lot(kind=row.kind, quantity=row.quantity, lot_size=lot_size)

    @extend_schema_field(SaleRealizedSerializer(allow_null=True))
    def get_realized(self, row: Transaction) -> dict[str, Any] | None:
        """From the ``sales`` context (``realized.sale_realized_map``), by transaction id."""
        sale = (self.context.get("sales") or {}).get(row.pk)
        return None if sale is None else SaleRealizedSerializer(sale).data


def _money_input(help_text: str) -> VndField:
    return VndField(required=False, allow_null=True, help_text=help_text)


class TransactionInputSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=[k.value for k in Kind])
    symbol = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Required for BUY, SELL, DIVIDEND, STOCK_DIVIDEND, RIGHTS_SUBSCRIPTION,"
        " SHARE_CONSOLIDATION.",
    )
    quantity = QuantityField(
        required=False,
        allow_null=True,
        help_text="Whole shares (BUY, SELL, STOCK_DIVIDEND, RIGHTS_SUBSCRIPTION; for a"
        " SHARE_CONSOLIDATION, a reverse split, the shares it takes away), at most 10^11.",
    )
    price = _money_input("VND per share (BUY, SELL), at most 10^9; quantity x price at most 10^16.")
    amount = _money_input("Gross cash amount in VND (cash kinds and DIVIDEND), at most 10^16.")
    fee = _money_input("VND; omitted or null: fee_rate x gross trade value, half-up.")
    tax = _money_input("VND; omitted or null: derived from the portfolio's tax rates.")
    trade_date = serializers.DateField(
        help_text="From 2000-07-28 (the first HOSE session) to today in Vietnam."
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your own id, unique per portfolio (import deduplication).",
    )


class TransactionPreviewInputSerializer(TransactionInputSerializer):
    transaction_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Preview a change of this stored transaction (fields omitted keep their value).",
    )


class PreviewProblemSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="insufficient_cash, unsettled_shares, oversell, ... (the write's 422 codes)."
    )
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    transaction_id = serializers.IntegerField(
        allow_null=True, help_text="A stored transaction the change breaks; null for this one."
    )
    details = serializers.DictField(
        child=serializers.CharField(),
        help_text="available / requested amounts; settles_on (ISO date) for unsettled shares.",
    )


class TransactionPreviewSerializer(serializers.Serializer):
    """What the write would store and what it would do to the portfolio."""

    kind = serializers.ChoiceField(choices=[k.value for k in Kind], source="prepared.kind.value")
    symbol = serializers.CharField(source="prepared.symbol")
    quantity = QuantityOutputField(source="prepared.quantity")
    price = VndField(source="prepared.price", allow_null=True)
    amount = VndField(source="prepared.amount", allow_null=True)
    fee = VndField(source="prepared.fee")
    tax = VndField(source="prepared.tax", help_text="The sell tax of a SELL, dividend tax.")
    fee_is_derived = serializers.BooleanField(source="prepared.fee_is_derived")
    tax_is_derived = serializers.BooleanField(source="prepared.tax_is_derived")
    trade_date = serializers.DateField(source="prepared.trade_date")
    settle_date = serializers.DateField(source="prepared.settle_date")
    gross = _vnd("quantity x price; null for cash kinds.", allow_null=True)
    net_cash_effect = _vnd("What the transaction adds to cash (negative: paid out).")
    cash_after = _vnd(
        "Cash after it (at its date); null when cash is not tracked.", allow_null=True
    )
    quantity_after = QuantityOutputField(
        allow_null=True, help_text="Shares of the symbol held after it; null when oversold."
    )
    average_cost_after = _vnd("Average cost per share after it.", allow_null=True)
    realized = _vnd("What a SELL realizes (proceeds - cost), whole VND.", allow_null=True)
    odd_lot = serializers.BooleanField(help_text="Fewer shares than a board lot (1-99).")
    accepted = serializers.BooleanField(help_text="The write would be accepted (no error).")
    problems = PreviewProblemSerializer(many=True)


DAY_CHANGE_HELP = (
    "Today's P&L on trading_day (the Vietnam trading day of the quote): (quantity +"
    " pending_shares) x last price + pending_cash + day_sold_value - day_base_quantity x"
    " reference_price - day_pending_base - day_bought_value; null without a quote's reference."
)


class DayChangeFieldsSerializer(serializers.Serializer):
    """What a line's day change is made of, so a client can move it with ticks exactly."""

    trading_day = serializers.CharField(
        read_only=True, allow_null=True, help_text="The Vietnam trading day of the quote."
    )
    reference_price = _vnd(
        "The quote's reference price (the previous close, adjusted).", allow_null=True
    )
    day_base_quantity = QuantityOutputField(
        read_only=True,
        allow_null=True,
        help_text="Shares held at the close before trading_day, plus bonus shares booked since"
        " and the pending entitlements' shares gone ex before trading_day.",
    )
    day_bought_value = _vnd(
        "Gross value (quantity x price) of the BUYs dated on or after trading_day.", allow_null=True
    )
    day_sold_value = _vnd(
        "Gross value (quantity x price) of the SELLs dated on or after trading_day.",
        allow_null=True,
    )
    day_pending_base = _vnd(
        "The pending entitlements' part of the day's base: the cash of those gone ex before"
        " trading_day and, on an ex-date, the shares held x (the as-traded close before it -"
        " reference_price), the exchange's reference being adjusted for the event. 0 without any.",
        allow_null=True,
    )
    day_change = _vnd(DAY_CHANGE_HELP, allow_null=True)
    day_change_pct = _pct(
        "day_change / (day_base_quantity x reference_price + day_pending_base + day_bought_value)."
    )


class HoldingSerializer(DayChangeFieldsSerializer):
    """An open position valued at its latest price; each VND figure rounded once, half-up, so the
    holdings add up to the summary."""

    symbol = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    exchange = serializers.CharField(read_only=True)
    industry = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    quantity = QuantityOutputField(read_only=True)
    settled_quantity = QuantityOutputField(read_only=True)
    avg_cost = _vnd()
    cost_basis = _vnd()
    last_price = _vnd("Price per share.", allow_null=True)
    price_source = serializers.ChoiceField(choices=["quote", "close", "cost"], read_only=True)
    price_as_of = serializers.CharField(read_only=True, allow_null=True)
    market_value = _vnd()
    unrealized_pnl = _vnd("market_value - cost_basis.")
    unrealized_pnl_pct = _pct()
    realized_pnl = _vnd()
    weight = _pct(
        "market_value / the summary's total_value (cash included when tracked): the by-symbol"
        " allocation's weight."
    )
    pending_shares = QuantityOutputField(
        read_only=True,
        help_text="Shares of pending entitlements (gone ex, not booked yet): new shares of a"
        " stock dividend, bonus issue or split; negative for those a reverse split takes away."
        " Not in quantity nor market_value; in the summary's receivables.",
    )
    pending_cash = _vnd(
        "Pending cash dividends of the symbol (gone ex, not booked yet), net of the tax withheld."
        " In the summary's receivables."
    )


class ClosedDayLineSerializer(DayChangeFieldsSerializer):
    """A symbol sold out on its trading day: no holding any more, still part of day_change."""

    symbol = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    last_price = _vnd("Price per share.")
    price_as_of = serializers.CharField(read_only=True)


class HoldingsSerializer(serializers.Serializer):
    as_of = serializers.CharField(read_only=True)
    results = HoldingSerializer(many=True, read_only=True)


class ReceivablesSerializer(serializers.Serializer):
    """What the pending entitlements ("quyền chờ về") add to the value."""

    cash = _vnd("Pending cash dividends, net of the tax withheld.")
    shares_value = _vnd("Pending new shares at their symbol's price (negative: a reverse split).")
    total = _vnd("cash + shares_value: counted in total_value.")


class PortfolioSummarySerializer(serializers.Serializer):
    cash = _vnd(allow_null=True)
    settled_cash = _vnd(allow_null=True)
    cost_basis = _vnd()
    market_value = _vnd()
    total_value = _vnd(
        "market_value + cash (when tracked) + receivables.total: what the performance series"
        " values the portfolio at."
    )
    receivables = ReceivablesSerializer(
        read_only=True,
        help_text="Pending entitlements: from the ex-date until the ledger row lands, a cash"
        " dividend (net) and new shares count in the value (README 'Valuation across events').",
    )
    net_flows = _vnd()
    realized_pnl = _vnd()
    unrealized_pnl = _vnd()
    dividends = _vnd()
    interest = _vnd()
    fees = _vnd()
    taxes = _vnd()
    total_return = _vnd("realized + unrealized + dividends + interest - FEE rows + receivables.")
    total_return_pct = _pct(
        "Return since the first transaction, in percent: Modified Dietz, linked wherever no "
        "shares were held. Each sub-period's R = (V_end - V_0 - sum F) / (V_0 + sum w F), with "
        "inflows weighted from the start of their day and outflows from its end; null before "
        "anything was invested."
    )
    day_change = _vnd(
        "Today's P&L: the sum of the holdings' and day_closed's day_change (each rounded)."
    )
    day_change_pct = _pct(
        "day_change / the sum of (day_base_quantity x reference_price + day_pending_base +"
        " day_bought_value)."
    )
    holdings_count = serializers.IntegerField(read_only=True)
    transactions_count = serializers.IntegerField(read_only=True)
    cash_tracked = serializers.BooleanField(read_only=True)
    as_of = serializers.CharField(read_only=True)
    day_closed = ClosedDayLineSerializer(
        many=True,
        read_only=True,
        help_text="Symbols sold out on their trading day: no holding any more, still part of"
        " day_change.",
    )


class PerformancePointSerializer(serializers.Serializer):
    date = serializers.CharField(read_only=True)
    value = serializers.CharField(read_only=True)
    flow = serializers.CharField(read_only=True)
    twr_index = serializers.CharField(read_only=True)
    benchmark_index = serializers.CharField(read_only=True, allow_null=True)


class PerformanceSerializer(serializers.Serializer):
    range = serializers.CharField(read_only=True)
    start = serializers.CharField(read_only=True)
    end = serializers.CharField(read_only=True)
    benchmark = serializers.CharField(read_only=True, allow_null=True)
    cash_tracked = serializers.BooleanField(read_only=True)
    as_of = serializers.CharField(read_only=True, allow_null=True)
    computed_at = serializers.CharField(read_only=True)
    start_value = serializers.CharField(read_only=True)
    end_value = serializers.CharField(read_only=True)
    net_flows = serializers.CharField(read_only=True)
    gain = serializers.CharField(read_only=True)
    twr = _ratio(
        help_text=(
            "Time-weighted return over the range, a ratio: prod(1 + r_t) - 1 with "
            "r_t = (V_t + O_t) / (V_{t-1} + I_t) - 1, inflows I_t at the start of day t and "
            "outflows O_t at its end; a day whose base is zero or less contributes nothing."
        )
    )
    xirr = _ratio(
        help_text=(
            "Money-weighted annual rate x in (-1, +inf) with sum CF_i / (1 + x)^(days_i / 365) = 0 "
            "(start value and flows paid in, end value paid out); null with xirr_note when no "
            "rate exists."
        )
    )
    xirr_note = serializers.CharField(read_only=True, allow_null=True)
    annualised_return = _ratio()
    volatility = _ratio()
    max_drawdown = _ratio()
    benchmark_return = _ratio()
    series = PerformancePointSerializer(many=True, read_only=True)


class ClosedPositionSerializer(serializers.Serializer):
    symbol = serializers.CharField(read_only=True)
    first_trade_date = serializers.DateField(read_only=True)
    last_trade_date = serializers.DateField(read_only=True, help_text="The sale that sold out.")
    quantity = QuantityOutputField(
        read_only=True, help_text="Shares sold (shares bought plus bonus shares)."
    )
    proceeds = _vnd(help_text="Sale proceeds after sell fees and taxes.")
    cost = _vnd(help_text="Cost basis of the shares sold, buy fees included.")
    realized_pnl = _vnd(help_text="proceeds - cost.")
    realized_pnl_pct = _pct(help_text="realized_pnl / cost in percent; null when cost is 0.")
    fees = _vnd(help_text="Buy and sell fees.")
    taxes = _vnd(help_text="Sell taxes.")


class SaleLineSerializer(serializers.Serializer):
    transaction_id = serializers.IntegerField(read_only=True)
    trade_date = serializers.DateField(read_only=True)
    symbol = serializers.CharField(read_only=True)
    quantity = QuantityOutputField(read_only=True)
    price = _vnd()
    gross = _vnd(help_text="quantity x price.")
    fee = _vnd()
    tax = _vnd(help_text="Sell tax withheld.")
    proceeds = _vnd(help_text="gross - fee - tax.")
    cost = _vnd(help_text="Cost basis of the shares sold, buy fees included.")
    realized_pnl = _vnd(help_text="proceeds - cost.")
    realized_pnl_pct = _pct(help_text="realized_pnl / cost in percent; null when cost is 0.")


class YearTotalsSerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True)
    sales_count = serializers.IntegerField(read_only=True)
    realized_pnl = _vnd(help_text="The sum of the year's sales' realized_pnl.")
    fees = _vnd(help_text="Brokerage fees of the year's BUYs and SELLs.")
    sell_taxes = _vnd(help_text="Tax withheld on the year's sales (0.1 % of gross).")
    dividend_income = _vnd(help_text="Gross cash dividends booked in the year.")
    dividend_taxes = _vnd(help_text="Tax withheld on those dividends (5 %).")


class ClosedPositionsSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The ?year= filter; null for every year."
    )
    results = ClosedPositionSerializer(
        many=True, read_only=True, help_text="Positions sold out (in the year), newest first."
    )
    sales = SaleLineSerializer(
        many=True, read_only=True, help_text="Every SELL (of the year), newest first."
    )
    years = YearTotalsSerializer(
        many=True,
        read_only=True,
        help_text="Totals of every year with a trade or a dividend (or only the filtered one), "
        "newest first.",
    )


class AllocationSliceSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named label
    market_value = _vnd()
    weight = _pct()


class AllocationSerializer(serializers.Serializer):
    by = serializers.CharField(read_only=True)
    total_value = _vnd()
    as_of = serializers.CharField(read_only=True)
    results = AllocationSliceSerializer(many=True, read_only=True)


class ImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(read_only=True)
    rows = serializers.IntegerField(read_only=True)
    created = serializers.IntegerField(read_only=True)
    skipped = serializers.IntegerField(read_only=True, help_text="Rows already in the portfolio.")
    ignored_columns = serializers.ListField(child=serializers.CharField(), read_only=True)


class ImportUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="CSV or JSON (an export of this API).")


class QuoteBriefSerializer(IndexAwareSerializer):
    price = PriceField(read_only=True)
    change = PriceField(read_only=True, help_text="price - reference price.")
    change_pct = _pct()
    as_of = serializers.DateTimeField(read_only=True)
    stale = serializers.BooleanField(read_only=True)


class WatchlistItemSerializer(serializers.Serializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True)
    name = serializers.CharField(source="instrument.name", read_only=True)
    exchange = serializers.CharField(source="instrument.exchange", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    quote = serializers.SerializerMethodField()

    def get_quote(self, item: Any) -> dict[str, Any] | None:
        quotes = self.context.get("quotes") or {}
        row = quotes.get(item.instrument.symbol)
        return None if row is None else QuoteBriefSerializer(row).data


class WatchlistAddSerializer(StrictSerializer):
    symbol = serializers.CharField(max_length=20)


class AlertSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="instrument.symbol", read_only=True)
    threshold = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        read_only=True,
        help_text="A price in whole VND (above, below) or a percent with two decimals"
        " (change_pct_above, change_pct_below).",
    )
    triggered_price = _vnd("The price that fired the alert.", allow_null=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "symbol",
            "condition",
            "threshold",
            "is_active",
            "triggered_at",
            "triggered_price",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["threshold"] = str(threshold_display(instance.condition, instance.threshold))
        return data


class AlertInputSerializer(StrictSerializer):
    symbol = serializers.CharField(max_length=20)
    condition = serializers.ChoiceField(choices=AlertCondition.choices)
    threshold = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        help_text="A price in VND (above/below) or a day change in percent (change_pct_*).",
    )
    is_active = serializers.BooleanField(required=False, default=True)


class OverviewTotalsSerializer(serializers.Serializer):
    cash = _vnd(
        "Summed cash of the portfolios that track it; null when none does.", allow_null=True
    )
    cost_basis = _vnd()
    market_value = _vnd()
    total_value = _vnd()
    receivables = _vnd("The sum of the portfolios' receivables.total (in total_value).")
    net_flows = _vnd()
    realized_pnl = _vnd()
    unrealized_pnl = _vnd()
    dividends = _vnd()
    interest = _vnd()
    fees = _vnd()
    taxes = _vnd()
    total_return = _vnd()
    day_change = _vnd("The sum of the portfolios' day_change.")
    day_change_pct = _pct("day_change / the sum of the portfolios' day bases.")
    holdings_count = serializers.IntegerField(read_only=True, help_text="Distinct symbols held.")
    portfolios_count = serializers.IntegerField(read_only=True)


class OverviewErrorSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)


class OverviewPortfolioSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    cash_tracked = serializers.BooleanField(read_only=True)
    benchmark = serializers.CharField(read_only=True)
    share = _pct("The portfolio's total_value in percent of the summed total_value.")
    error = OverviewErrorSerializer(
        read_only=True,
        allow_null=True,
        help_text="Set when its ledger no longer folds (its summary answers 409): left out of "
        "the totals.",
    )
    summary = PortfolioSummarySerializer(read_only=True, allow_null=True)


class OverviewPointSerializer(serializers.Serializer):
    date = serializers.CharField(read_only=True)
    value = _vnd()
    flow = _vnd()
    twr_index = serializers.CharField(read_only=True)


class OverviewPerformanceSerializer(serializers.Serializer):
    range = serializers.CharField(read_only=True)
    start = serializers.CharField(read_only=True, allow_null=True)
    end = serializers.CharField(read_only=True, allow_null=True)
    start_value = _vnd()
    end_value = _vnd()
    net_flows = _vnd()
    gain = _vnd()
    twr = _ratio()
    max_drawdown = _ratio()
    series = OverviewPointSerializer(many=True, read_only=True)


class OverviewSerializer(serializers.Serializer):
    as_of = serializers.CharField(read_only=True)
    totals = OverviewTotalsSerializer(read_only=True)
    portfolios = OverviewPortfolioSerializer(many=True, read_only=True)
    allocation = AllocationSliceSerializer(many=True, read_only=True)
    performance = OverviewPerformanceSerializer(read_only=True)
