"""Before 0003 adds the bounds constraints (portfolio/bounds.py): bring stored rows within them.

A fee or tax rate above 10 % is a setting, not history (recorded fees keep their values): it is set
to 10 %. A transaction beyond the bounds cannot be repaired without its owner (which figure was
meant?), so the migration stops and names each one; fix or delete them (e.g. in the admin) and
migrate again. The bounds are copied here, as a migration must not change when the code does.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations
from django.db.models import Q

FIRST_SESSION = date(2000, 7, 28)
MAX_QUANTITY = 10**11
MAX_PRICE = Decimal(10) ** 9
MAX_AMOUNT = Decimal(10) ** 16
MAX_RATE = Decimal("0.1")
RATES = ("fee_rate", "sell_tax_rate", "dividend_tax_rate")


def bring_within_bounds(apps, schema_editor):  # type: ignore[no-untyped-def]
    Portfolio = apps.get_model("portfolio", "Portfolio")
    Transaction = apps.get_model("portfolio", "Transaction")
    for rate in RATES:
        Portfolio.objects.filter(**{f"{rate}__gt": MAX_RATE}).update(**{rate: MAX_RATE})
    beyond = (
        Q(quantity__gt=MAX_QUANTITY)
        | Q(price__gt=MAX_PRICE)
        | Q(amount__gt=MAX_AMOUNT)
        | Q(fee__gt=MAX_AMOUNT)
        | Q(tax__gt=MAX_AMOUNT)
        | Q(trade_date__lt=FIRST_SESSION)
    )
    # Ids only: on SQLite reading such a fee back as a Decimal is what fails.
    rows = list(Transaction.objects.filter(beyond).values_list("portfolio_id", "pk")[:50])
    if rows:
        listed = ", ".join(f"portfolio {portfolio} transaction {pk}" for portfolio, pk in rows)
        raise RuntimeError(
            "Stored transactions are beyond the bounds a real market reaches (quantity 10^11, "
            "price 10^9 VND, amount/fee/tax 10^16 VND, trade date from 2000-07-28): "
            f"{listed}. Correct or delete them, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_initial")]

    operations = [migrations.RunPython(bring_within_bounds, migrations.RunPython.noop)]
