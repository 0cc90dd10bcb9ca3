"""The portfolio resource."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from portfolio.models import CostMethod, Portfolio
from portfolio.serializers.fields import RATE_HELP
from portfolio_site.api_serializers import StrictModelSerializer


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
