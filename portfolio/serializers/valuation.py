"""Holdings, summary (with receivables and today's closed lines) and allocation."""

from __future__ import annotations

from rest_framework import serializers

from portfolio.serializers.fields import QuantityOutputField, pct_field, vnd_field

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
    reference_price = vnd_field(
        "The quote's reference price (the previous close, adjusted).", allow_null=True
    )
    day_base_quantity = QuantityOutputField(
        read_only=True,
        allow_null=True,
        help_text="Shares held at the close before trading_day, plus bonus shares booked since"
        " and the pending entitlements' shares gone ex before trading_day.",
    )
    day_bought_value = vnd_field(
        "Gross value (quantity x price) of the BUYs dated on or after trading_day.", allow_null=True
    )
    day_sold_value = vnd_field(
        "Gross value (quantity x price) of the SELLs dated on or after trading_day.",
        allow_null=True,
    )
    day_pending_base = vnd_field(
        "The pending entitlements' part of the day's base: the cash of those gone ex before"
        " trading_day and, on an ex-date, the shares held x (the as-traded close before it -"
        " reference_price), the exchange's reference being adjusted for the event. 0 without any.",
        allow_null=True,
    )
    day_change = vnd_field(DAY_CHANGE_HELP, allow_null=True)
    day_change_pct = pct_field(
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
    avg_cost = vnd_field()
    cost_basis = vnd_field()
    last_price = vnd_field("Price per share.", allow_null=True)
    price_source = serializers.ChoiceField(choices=["quote", "close", "cost"], read_only=True)
    price_as_of = serializers.CharField(read_only=True, allow_null=True)
    market_value = vnd_field()
    unrealized_pnl = vnd_field("market_value - cost_basis.")
    unrealized_pnl_pct = pct_field()
    realized_pnl = vnd_field()
    weight = pct_field(
        "market_value / the summary's total_value (cash included when tracked): the by-symbol"
        " allocation's weight."
    )
    pending_shares = QuantityOutputField(
        read_only=True,
        help_text="Shares of pending entitlements (gone ex, not booked yet): new shares of a"
        " stock dividend, bonus issue or split; negative for those a reverse split takes away."
        " Not in quantity nor market_value; in the summary's receivables.",
    )
    pending_cash = vnd_field(
        "Pending cash dividends of the symbol (gone ex, not booked yet), net of the tax withheld."
        " In the summary's receivables."
    )


class ClosedDayLineSerializer(DayChangeFieldsSerializer):
    """A symbol sold out on its trading day: no holding any more, still part of day_change."""

    symbol = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    last_price = vnd_field("Price per share.")
    price_as_of = serializers.CharField(read_only=True)


class HoldingsSerializer(serializers.Serializer):
    as_of = serializers.CharField(read_only=True)
    results = HoldingSerializer(many=True, read_only=True)


class ReceivablesSerializer(serializers.Serializer):
    """What the pending entitlements ("quyền chờ về") add to the value."""

    cash = vnd_field("Pending cash dividends, net of the tax withheld.")
    shares_value = vnd_field(
        "Pending new shares at their symbol's price (negative: a reverse split)."
    )
    total = vnd_field("cash + shares_value: counted in total_value.")


class PortfolioSummarySerializer(serializers.Serializer):
    cash = vnd_field(allow_null=True)
    settled_cash = vnd_field(allow_null=True)
    cost_basis = vnd_field()
    market_value = vnd_field()
    total_value = vnd_field(
        "market_value + cash (when tracked) + receivables.total: what the performance series"
        " values the portfolio at."
    )
    receivables = ReceivablesSerializer(
        read_only=True,
        help_text="Pending entitlements: from the ex-date until the ledger row lands, a cash"
        " dividend (net) and new shares count in the value (README 'Valuation across events').",
    )
    net_flows = vnd_field()
    realized_pnl = vnd_field()
    unrealized_pnl = vnd_field()
    dividends = vnd_field()
    interest = vnd_field()
    fees = vnd_field()
    taxes = vnd_field()
    total_return = vnd_field(
        "realized + unrealized + dividends + interest - FEE rows + receivables."
    )
    total_return_pct = pct_field(
        "Return since the first transaction, in percent: Modified Dietz, linked wherever no "
        "shares were held. Each sub-period's R = (V_end - V_0 - sum F) / (V_0 + sum w F), with "
        "inflows weighted from the start of their day and outflows from its end; null before "
        "anything was invested."
    )
    day_change = vnd_field(
        "Today's P&L: the sum of the holdings' and day_closed's day_change (each rounded)."
    )
    day_change_pct = pct_field(
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


class AllocationSliceSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named label
    market_value = vnd_field()
    weight = pct_field()


class AllocationSerializer(serializers.Serializer):
    by = serializers.CharField(read_only=True)
    total_value = vnd_field()
    as_of = serializers.CharField(read_only=True)
    results = AllocationSliceSerializer(many=True, read_only=True)
