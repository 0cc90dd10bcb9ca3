"""The performance series and the closed positions with their realized P&L."""

from __future__ import annotations

from rest_framework import serializers

from portfolio.serializers.fields import QuantityOutputField, pct_field, ratio_field, vnd_field


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
    twr = ratio_field(
        help_text=(
            "Time-weighted return over the range, a ratio: prod(1 + r_t) - 1 with "
            "r_t = (V_t + O_t) / (V_{t-1} + I_t) - 1, inflows I_t at the start of day t and "
            "outflows O_t at its end; a day whose base is zero or less contributes nothing."
        )
    )
    xirr = ratio_field(
        help_text=(
            "Money-weighted annual rate x in (-1, +inf) with sum CF_i / (1 + x)^(days_i / 365) = 0 "
            "(start value and flows paid in, end value paid out); null with xirr_note when no "
            "rate exists."
        )
    )
    xirr_note = serializers.CharField(read_only=True, allow_null=True)
    annualised_return = ratio_field()
    volatility = ratio_field()
    max_drawdown = ratio_field()
    benchmark_return = ratio_field()
    series = PerformancePointSerializer(many=True, read_only=True)


class ClosedPositionSerializer(serializers.Serializer):
    symbol = serializers.CharField(read_only=True)
    first_trade_date = serializers.DateField(read_only=True)
    last_trade_date = serializers.DateField(read_only=True, help_text="The sale that sold out.")
    quantity = QuantityOutputField(
        read_only=True, help_text="Shares sold (shares bought plus bonus shares)."
    )
    proceeds = vnd_field(help_text="Sale proceeds after sell fees and taxes.")
    cost = vnd_field(help_text="Cost basis of the shares sold, buy fees included.")
    realized_pnl = vnd_field(help_text="proceeds - cost.")
    realized_pnl_pct = pct_field(help_text="realized_pnl / cost in percent; null when cost is 0.")
    fees = vnd_field(help_text="Buy and sell fees.")
    taxes = vnd_field(help_text="Sell taxes.")


class SaleLineSerializer(serializers.Serializer):
    transaction_id = serializers.IntegerField(read_only=True)
    trade_date = serializers.DateField(read_only=True)
    symbol = serializers.CharField(read_only=True)
    quantity = QuantityOutputField(read_only=True)
    price = vnd_field()
    gross = vnd_field(help_text="quantity x price.")
    fee = vnd_field()
    tax = vnd_field(help_text="Sell tax withheld.")
    proceeds = vnd_field(help_text="gross - fee - tax.")
    cost = vnd_field(help_text="Cost basis of the shares sold, buy fees included.")
    realized_pnl = vnd_field(help_text="proceeds - cost.")
    realized_pnl_pct = pct_field(help_text="realized_pnl / cost in percent; null when cost is 0.")


class YearTotalsSerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True)
    sales_count = serializers.IntegerField(read_only=True)
    realized_pnl = vnd_field(help_text="The sum of the year's sales' realized_pnl.")
    fees = vnd_field(help_text="Brokerage fees of the year's BUYs and SELLs.")
    sell_taxes = vnd_field(help_text="Tax withheld on the year's sales (0.1 % of gross).")
    dividend_income = vnd_field(help_text="Gross cash dividends booked in the year.")
    dividend_taxes = vnd_field(help_text="Tax withheld on those dividends (5 %).")


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
