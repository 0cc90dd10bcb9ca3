# Reverse splits booked: the SHARE_CONSOLIDATION kind, an entitlement's negative new_shares (the
# shares a reverse split takes away, one at least remaining), and the rights and consolidation
# rows needing a symbol like the other share kinds.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0005_merge_0004_entitlements_0004_portfolio_benchmark'),
    ]

    operations = [
        migrations.AlterField(
            model_name='transaction',
            name='kind',
            field=models.CharField(choices=[('BUY', 'Buy'), ('SELL', 'Sell'), ('DEPOSIT', 'Deposit'), ('WITHDRAWAL', 'Withdrawal'), ('DIVIDEND', 'Cash dividend'), ('STOCK_DIVIDEND', 'Stock dividend / bonus shares'), ('FEE', 'Fee'), ('INTEREST', 'Interest'), ('RIGHTS_SUBSCRIPTION', 'Rights subscription (exercised right)'), ('SHARE_CONSOLIDATION', 'Reverse split (share consolidation)')], max_length=24),
        ),
        migrations.RemoveConstraint(
            model_name='transaction',
            name='transaction_symbol_required',
        ),
        migrations.AddConstraint(
            model_name='transaction',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ['BUY', 'SELL', 'DIVIDEND', 'STOCK_DIVIDEND', 'RIGHTS_SUBSCRIPTION', 'SHARE_CONSOLIDATION']), _negated=True), ('instrument__isnull', False), _connector='OR'), name='transaction_symbol_required'),
        ),
        migrations.RemoveConstraint(
            model_name='entitlement',
            name='entitlement_counts_valid',
        ),
        migrations.AddConstraint(
            model_name='entitlement',
            constraint=models.CheckConstraint(condition=models.Q(('rights__gte', 0), ('shares_held__gt', 0), ('new_shares__gt', -models.F('shares_held')), ('exercised__gte', 0), ('exercised__lte', models.F('rights'))), name='entitlement_counts_valid'),
        ),
    ]
