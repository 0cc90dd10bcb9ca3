"""All portfolios at once."""

from __future__ import annotations

from rest_framework import serializers

from portfolio.serializers.fields import pct_field, ratio_field, vnd_field
from portfolio.serializers.valuation import AllocationSliceSerializer, PortfolioSummarySerializer


class OverviewTotalsSerializer(serializers.Serializer):
    cash = vnd_field(
        "Summed cash of the portfolios that track it; null when none does.", allow_null=True
    )
    cost_basis = vnd_field()
    market_value = vnd_field()
    total_value = vnd_field()
    receivables = vnd_field("The sum of the portfolios' receivables.total (in total_value).")
    net_flows = vnd_field()
    realized_pnl = vnd_field()
    unrealized_pnl = vnd_field()
    dividends = vnd_field()
    interest = vnd_field()
    fees = vnd_field()
    taxes = vnd_field()
    total_return = vnd_field()
    day_change = vnd_field("The sum of the portfolios' day_change.")
    day_change_pct = pct_field("day_change / the sum of the portfolios' day bases.")
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
    share = pct_field("The portfolio's total_value in percent of the summed total_value.")
    error = OverviewErrorSerializer(
        read_only=True,
        allow_null=True,
        help_text="Set when its ledger no longer folds (its summary answers 409): left out of "
        "the totals.",
    )
    summary = PortfolioSummarySerializer(read_only=True, allow_null=True)


class OverviewPointSerializer(serializers.Serializer):
    date = serializers.CharField(read_only=True)
    value = vnd_field()
    flow = vnd_field()
    twr_index = serializers.CharField(read_only=True)


class OverviewPerformanceSerializer(serializers.Serializer):
    range = serializers.CharField(read_only=True)
    start = serializers.CharField(read_only=True, allow_null=True)
    end = serializers.CharField(read_only=True, allow_null=True)
    start_value = vnd_field()
    end_value = vnd_field()
    net_flows = vnd_field()
    gain = vnd_field()
    twr = ratio_field()
    max_drawdown = ratio_field()
    series = OverviewPointSerializer(many=True, read_only=True)


class OverviewSerializer(serializers.Serializer):
    as_of = serializers.CharField(read_only=True)
    totals = OverviewTotalsSerializer(read_only=True)
    portfolios = OverviewPortfolioSerializer(many=True, read_only=True)
    allocation = AllocationSliceSerializer(many=True, read_only=True)
    performance = OverviewPerformanceSerializer(read_only=True)
