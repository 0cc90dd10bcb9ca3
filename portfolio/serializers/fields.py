"""Fields shared by the portfolio API's serializers: quantities, whole-VND money, percentages, ratios."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portfolio.valuation import money


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


def vnd_field(help_text: str = "", **kwargs: Any) -> VndField:
    return VndField(read_only=True, help_text=f"{help_text} {VND_HELP}".strip(), **kwargs)


def pct_field(help_text: str = "", **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text=f"{help_text} {PCT_HELP}".strip(),
        **kwargs,
    )


def ratio_field(**kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("help_text", RATIO_HELP)
    return serializers.CharField(read_only=True, allow_null=True, **kwargs)


RATE_HELP = "A fraction from 0 to 0.1 (10 %): 0.0015 is 0.15%; outside, 400."


def money_input_field(help_text: str) -> VndField:
    return VndField(required=False, allow_null=True, help_text=help_text)
