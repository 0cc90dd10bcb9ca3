"""Portfolios, their transactions, the user's watchlist and price alerts, and idempotency keys.

Rows hold what the user recorded (plus derived fee/tax and settle date); positions, cash and P&L are
never stored: ``portfolio/ledger.py`` folds them from the transactions.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from market.models import Instrument, money_field, price_field
from portfolio.bounds import FIRST_SESSION, MAX_AMOUNT, MAX_PRICE, MAX_QUANTITY, MAX_RATE, vnd
from portfolio.ledger import Kind


class CostMethod(models.TextChoices):
    AVERAGE = "average", "Average cost (Vietnamese brokers' convention)"
    FIFO = "fifo", "First in, first out"


class TransactionKind(models.TextChoices):
    BUY = Kind.BUY.value, "Buy"
    SELL = Kind.SELL.value, "Sell"
    DEPOSIT = Kind.DEPOSIT.value, "Deposit"
    WITHDRAWAL = Kind.WITHDRAWAL.value, "Withdrawal"
    DIVIDEND = Kind.DIVIDEND.value, "Cash dividend"
    STOCK_DIVIDEND = Kind.STOCK_DIVIDEND.value, "Stock dividend / bonus shares"
    FEE = Kind.FEE.value, "Fee"
    INTEREST = Kind.INTEREST.value, "Interest"
    RIGHTS_SUBSCRIPTION = Kind.RIGHTS_SUBSCRIPTION.value, "Rights subscription (exercised right)"
    SHARE_CONSOLIDATION = Kind.SHARE_CONSOLIDATION.value, "Reverse split (share consolidation)"


def rate_field(default: str, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=7, decimal_places=6, default=Decimal(default), help_text=help_text
    )


class Portfolio(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolios"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    base_currency = models.CharField(max_length=3, default="VND", editable=False)
    fee_rate = rate_field("0.0015", "Brokerage fee as a fraction of gross trade value")
    sell_tax_rate = rate_field("0.001", "Personal income tax on gross sale proceeds")
    dividend_tax_rate = rate_field("0.05", "Tax withheld on cash dividends")
    cost_method = models.CharField(
        max_length=8, choices=CostMethod.choices, default=CostMethod.AVERAGE
    )
    enforce_settlement = models.BooleanField(
        default=True, help_text="Refuse selling shares before they settle (T+2)"
    )
    track_cash = models.BooleanField(
        default=True, help_text="Track a cash balance and refuse spending more than it"
    )
    benchmark = models.CharField(
        max_length=20,
        default="VNINDEX",
        blank=True,
        help_text="The performance chart's benchmark symbol (blank: none); the client's choice",
    )
    auto_apply_entitlements = models.BooleanField(
        default=False,
        help_text="Book cash dividends and new shares on their payment / listing date by "
        "themselves (rights are never exercised automatically)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["owner", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="portfolio_unique_name_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(fee_rate__gte=0, fee_rate__lte=MAX_RATE)
                & Q(sell_tax_rate__gte=0, sell_tax_rate__lte=MAX_RATE)
                & Q(dividend_tax_rate__gte=0, dividend_tax_rate__lte=MAX_RATE),
                name="portfolio_rates_within_bounds",
                violation_error_message=f"Fee and tax rates are fractions from 0 to {MAX_RATE}.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Transaction(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(max_length=24, choices=TransactionKind.choices)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    quantity = models.BigIntegerField(default=0, help_text="Whole shares")
    price = price_field(null=True, blank=True, help_text="VND per share")
    amount = money_field(
        null=True, blank=True, help_text="Gross cash amount (cash kinds, DIVIDEND)"
    )
    fee = money_field(default=0)
    tax = money_field(default=0)
    fee_is_derived = models.BooleanField(default=True, editable=False)
    tax_is_derived = models.BooleanField(default=True, editable=False)
    trade_date = models.DateField()
    settle_date = models.DateField(help_text="T+2 trading days for trades; the trade date for cash")
    note = models.CharField(max_length=500, blank=True)
    external_id = models.CharField(max_length=100, blank=True, help_text="Unique per portfolio")
    entitlement = models.ForeignKey(
        "Entitlement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transactions",
        help_text="The corporate-action entitlement this row books (at most one row per kind)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["portfolio", "trade_date", "id"]
        indexes = [
            models.Index(fields=["portfolio", "trade_date", "id"]),
            models.Index(fields=["portfolio", "instrument"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "external_id"],
                condition=~Q(external_id=""),
                name="transaction_unique_external_id",
            ),
            # Exactly once: an entitlement is booked by at most one row of each kind.
            models.UniqueConstraint(
                fields=["entitlement", "kind"],
                condition=Q(entitlement__isnull=False),
                name="transaction_unique_entitlement_kind",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="transaction_quantity_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(fee__gte=0, tax__gte=0), name="transaction_fee_tax_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gt=0), name="transaction_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="transaction_amount_positive",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[
                        "BUY",
                        "SELL",
                        "DIVIDEND",
                        "STOCK_DIVIDEND",
                        "RIGHTS_SUBSCRIPTION",
                        "SHARE_CONSOLIDATION",
                    ]
                )
                | Q(instrument__isnull=False),
                name="transaction_symbol_required",
            ),
            models.CheckConstraint(
                condition=Q(settle_date__gte=models.F("trade_date")),
                name="transaction_settles_after_trade",
            ),
            # The bounds of portfolio/bounds.py: a row beyond them could not be read back.
            models.CheckConstraint(
                condition=Q(quantity__lte=MAX_QUANTITY),
                name="transaction_quantity_within_bounds",
                violation_error_message=f"A quantity is at most {vnd(MAX_QUANTITY)} shares.",
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__lte=MAX_PRICE),
                name="transaction_price_within_bounds",
                violation_error_message=f"A price is at most {vnd(MAX_PRICE)} VND.",
            ),
            models.CheckConstraint(
                condition=(Q(amount__isnull=True) | Q(amount__lte=MAX_AMOUNT))
                & Q(fee__lte=MAX_AMOUNT, tax__lte=MAX_AMOUNT),
                name="transaction_money_within_bounds",
                violation_error_message=f"An amount, fee or tax is at most {vnd(MAX_AMOUNT)} VND.",
            ),
            models.CheckConstraint(
                condition=Q(trade_date__gte=FIRST_SESSION),
                name="transaction_trade_date_within_bounds",
                violation_error_message=f"A trade date is not before {FIRST_SESSION} (first HOSE session).",
            ),
        ]

    def __str__(self) -> str:
        symbol = f" {self.instrument_id}" if self.instrument_id else ""
        return f"{self.trade_date} {self.kind}{symbol}"


class EntitlementStatus(models.TextChoices):
    PENDING = "pending", "Pending (quyền chờ về)"
    DUE = "due", "Due"
    APPLIED = "applied", "Applied"
    LAPSED = "lapsed", "Lapsed (right not exercised)"


class Entitlement(models.Model):
    """What one portfolio receives from one corporate event (``portfolio.services.entitlements``).

    Computed from the shares held at the close of the last trading day before the ex-date:
    ``cash_gross = shares_held x cash per share`` (tax withheld at the portfolio's dividend rate,
    5 % by default), ``new_shares = floor(shares_held x new / old)`` (a split: the extra shares),
    ``rights = floor(shares_held x new / old)`` at ``subscription_price``; a reverse split's
    ``new_shares`` is negative: the shares it takes away (``shares_held - floor(shares_held x new /
    old)``). Recomputed when the event or the ledger before the ex-date changes; applying writes the ledger rows it implies, linked
    here, exactly once (``Transaction.entitlement`` is unique per kind).
    """

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="entitlements")
    event = models.ForeignKey(
        "market.CorporateEvent", on_delete=models.CASCADE, related_name="entitlements"
    )
    status = models.CharField(
        max_length=8, choices=EntitlementStatus.choices, default=EntitlementStatus.PENDING
    )
    shares_held = models.BigIntegerField(help_text="Shares held at the close before the ex-date")
    cash_gross = money_field(null=True, blank=True)
    cash_tax = money_field(null=True, blank=True)
    new_shares = models.BigIntegerField(default=0)
    rights = models.BigIntegerField(default=0)
    exercised = models.BigIntegerField(default=0, help_text="Rights exercised (shares subscribed)")
    applied_at = models.DateTimeField(null=True, blank=True)
    last_change = models.JSONField(
        default=dict, blank=True, help_text="What the last correction of the event changed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["portfolio", "-event__ex_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["portfolio", "event"], name="entitlement_unique_portfolio_event"
            ),
            models.CheckConstraint(
                # new_shares < 0: the shares a reverse split takes away (one must remain).
                condition=Q(shares_held__gt=0, rights__gte=0)
                & Q(new_shares__gt=-models.F("shares_held"))
                & Q(exercised__gte=0, exercised__lte=models.F("rights")),
                name="entitlement_counts_valid",
            ),
            models.CheckConstraint(
                condition=(Q(cash_gross__isnull=True) | Q(cash_gross__gt=0))
                & (Q(cash_tax__isnull=True) | Q(cash_tax__gte=0)),
                name="entitlement_cash_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.portfolio_id} {self.event}"

    @property
    def cash_net(self) -> Decimal | None:
        if self.cash_gross is None:
            return None
        return self.cash_gross - (self.cash_tax or 0)


class WatchlistItem(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="watchers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["user", "instrument"], name="watchlist_unique_symbol")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.instrument_id}"


class AlertCondition(models.TextChoices):
    ABOVE = "above", "Price at or above"
    BELOW = "below", "Price at or below"
    CHANGE_PCT_ABOVE = "change_pct_above", "Day change % at or above"
    CHANGE_PCT_BELOW = "change_pct_below", "Day change % at or below"


class Alert(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="alerts")
    condition = models.CharField(max_length=20, choices=AlertCondition.choices)
    threshold = models.DecimalField(max_digits=18, decimal_places=2)
    is_active = models.BooleanField(default=True)
    triggered_at = models.DateTimeField(null=True, blank=True)
    triggered_price = price_field(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["instrument", "is_active"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.condition} {self.threshold}"


class IdempotencyKey(models.Model):
    """A POST replayed with the same ``Idempotency-Key`` returns the stored response."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=200, help_text="Method and path the key was used on")
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
