"""Bounds a real Vietnamese market never reaches (portfolio-maths.md, "Rounding and bounds").

A transaction or portfolio setting beyond them is refused with a 400 naming the field
(``services.transaction_prepare`` and the portfolio services), and the model constraints repeat them
as the last guard, so no stored row can make a read fail. Every maximum is inclusive: a value *above*
it is refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

# The first trading session of the Ho Chi Minh City exchange (HOSE): no trade is older.
FIRST_SESSION = date(2000, 7, 28)
# Shares in one transaction (the largest listed company has about 10^10 shares).
MAX_QUANTITY = 10**11
# VND per share.
MAX_PRICE = Decimal(10) ** 9
# VND in one transaction: an amount, a fee, a tax, and a trade's gross value (quantity x price).
MAX_AMOUNT = Decimal(10) ** 16
# A fee or tax rate as a fraction (0.1 is 10 %).
MAX_RATE = Decimal("0.1")


def vnd(value: Decimal | int) -> str:
    """1000000 -> '1,000,000' for messages."""
    return f"{int(value):,}"
