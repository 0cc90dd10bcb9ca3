"""The one rounding of the numbers the APIs show: half-up (a tie away from zero), never -0.

``portfolio.valuation.money`` (whole VND) and ``percent`` (two decimals), the portfolio
serializers' VND fields and the market serializers' prices and index levels all round here, so
every response prints one format per kind of number.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

VND_PLACES = 0  # prices and money: whole VND
LEVEL_PLACES = 2  # index levels and their changes
PERCENT_PLACES = 2  # percentages


_STEPS = {places: Decimal(1).scaleb(-places) for places in range(7)}


def half_up(value: Decimal, places: int) -> Decimal:
    """``value`` with exactly ``places`` decimals, rounded half-up; zero is never negative."""
    step = _STEPS.get(places)
    if step is None:
        step = Decimal(1).scaleb(-places)
    rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)
