"""Watchlist items and price alerts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from market.serializers import IndexAwareSerializer, PriceField
from portfolio.alerts import threshold_display
from portfolio.models import Alert, AlertCondition
from portfolio.serializers.fields import pct_field, vnd_field
from portfolio_site.api_serializers import StrictSerializer


class QuoteBriefSerializer(IndexAwareSerializer):
    price = PriceField(read_only=True)
    change = PriceField(read_only=True, help_text="price - reference price.")
    change_pct = pct_field()
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
    triggered_price = vnd_field("The price that fired the alert.", allow_null=True)

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
