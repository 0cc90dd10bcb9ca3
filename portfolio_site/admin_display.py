"""How the admin prints numbers: grouped by thousands in the staff user's language (vi
``1.234.567``, en ``1,234,567``), whole VND for money; ``-`` for nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone

from portfolio_site.numbers import VND_PLACES, half_up


def grouped(value: Any, *, places: int | None = None) -> str:
    """``value`` with the current language's thousands separator (``places`` decimals if given)."""
    if value is None or value == "":
        return "-"
    if isinstance(value, datetime):  # aware: shown in the admin's time zone (Vietnam)
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return str(formats.localize(value))
    if isinstance(value, Decimal) and places is not None:
        value = half_up(value, places)
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def money(value: Decimal | int | None) -> str:
    """Whole VND, grouped: ``1.234.567`` in Vietnamese, ``1,234,567`` in English."""
    if value is None:
        return "-"
    return grouped(Decimal(value), places=VND_PLACES)


def price(value: Decimal | None) -> str:
    """A price or index level: whole VND grouped (``103.500``), two decimals when it has them."""
    if value is None:
        return "-"
    whole = value == value.to_integral_value()
    return grouped(value, places=0 if whole else 2)
