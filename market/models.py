"""Market data: instruments and their groups, the live quote, append-only ticks and OHLC bars.

Prices are Decimal: whole VND for stocks, ETFs and covered warrants; points (2 decimals) for indices.
Times are aware UTC. Provider units (thousands of VND, naive Vietnam times) never reach this module:
the adapters in ``market/providers/`` convert them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from market.text import instrument_search_text


def price_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        max_digits=settings.PRICE_MAX_DIGITS, decimal_places=settings.PRICE_DECIMAL_PLACES, **kwargs
    )


def money_field(**kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        max_digits=settings.MONEY_MAX_DIGITS, decimal_places=settings.MONEY_DECIMAL_PLACES, **kwargs
    )


class Exchange(models.TextChoices):
    HOSE = "HOSE", "HOSE (Ho Chi Minh City)"
    HNX = "HNX", "HNX (Hanoi)"
    UPCOM = "UPCOM", "UPCOM"


class InstrumentType(models.TextChoices):
    STOCK = "stock", "Stock"
    ETF = "etf", "ETF"
    INDEX = "index", "Index"
    CW = "cw", "Covered warrant"
    FUND = "fund", "Fund"


class BarInterval(models.TextChoices):
    M1 = "1m", "1 minute"
    M5 = "5m", "5 minutes"
    M15 = "15m", "15 minutes"
    H1 = "1h", "1 hour"
    D1 = "1d", "1 day"


class TickSide(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    UNKNOWN = "unknown", "Unknown"


class DataSource(models.TextChoices):
    VNSTOCK = "vnstock", "vnstock"
    SIMULATED = "simulated", "Simulated"


class InstrumentGroup(models.Model):
    """An index basket such as VN30, VN100 or HNX30."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Instrument(models.Model):
    symbol = models.CharField(max_length=20, unique=True)
    exchange = models.CharField(max_length=8, choices=Exchange.choices)
    type = models.CharField(
        max_length=8, choices=InstrumentType.choices, default=InstrumentType.STOCK
    )
    name = models.CharField(max_length=255, blank=True)
    name_en = models.CharField("English name", max_length=255, blank=True)
    short_name = models.CharField(
        max_length=100, blank=True, help_text="The brand investors use, e.g. Vinamilk for VNM"
    )
    search_text = models.TextField(
        blank=True,
        editable=False,
        help_text="Symbol, short name and names folded (lower-case, no accents): filled on save",
    )
    industry = models.CharField("industry (ICB)", max_length=120, blank=True)
    lot_size = models.PositiveIntegerField(default=100)
    listed_shares = models.BigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    groups = models.ManyToManyField(InstrumentGroup, related_name="instruments", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]
        indexes = [models.Index(fields=["exchange", "type"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(symbol__regex=r"^[A-Z0-9]+$"), name="instrument_symbol_upper"
            ),
            models.CheckConstraint(
                condition=Q(lot_size__gt=0), name="instrument_lot_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.symbol

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "search_text" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_text"]
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        self.search_text = instrument_search_text(
            symbol=self.symbol, name=self.name, name_en=self.name_en, short_name=self.short_name
        )


class Quote(models.Model):
    """The latest price board row of an instrument (one live row, upserted by the poller)."""

    instrument = models.OneToOneField(
        Instrument, on_delete=models.CASCADE, primary_key=True, related_name="quote"
    )
    reference = price_field()
    ceiling = price_field(null=True, blank=True, help_text="None for indices")
    floor = price_field(null=True, blank=True, help_text="None for indices")
    price = price_field(help_text="Last matched price (the level for an index)")
    open = price_field(null=True, blank=True)
    high = price_field(null=True, blank=True)
    low = price_field(null=True, blank=True)
    change = price_field(default=0)
    change_pct = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    volume = models.BigIntegerField(default=0, help_text="Accumulated volume of the session")
    value = money_field(default=0, help_text="Accumulated traded value of the session, VND")
    bids = models.JSONField(
        default=list, blank=True, help_text='Best 3 bids: [["price", volume], ...]'
    )
    asks = models.JSONField(
        default=list, blank=True, help_text='Best 3 asks: [["price", volume], ...]'
    )
    foreign_buy = models.BigIntegerField(default=0)
    foreign_sell = models.BigIntegerField(default=0)
    as_of = models.DateTimeField(help_text="When the source says the quote was valid")
    source = models.CharField(max_length=10, choices=DataSource.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="quote_price_positive"),
            models.CheckConstraint(condition=Q(volume__gte=0), name="quote_volume_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.price} @ {self.as_of:%Y-%m-%d %H:%M:%S}"


class Tick(models.Model):
    """One matched trade, append-only. ``seq`` increases by one per symbol; gaps mean loss.

    On PostgreSQL the table is partitioned by day (migration 0005, ``market/partitioning.py``): the
    database's primary key is ``(id, time)`` and ``tick_unique_seq`` is a unique index on each
    partition; Django still sees ``id`` as the primary key. New schema changes to this model must
    keep that in mind (a migration written for a plain table may not apply to the partitioned one).
    """

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="ticks")
    seq = models.BigIntegerField()
    time = models.DateTimeField()
    price = price_field()
    volume = models.BigIntegerField()
    side = models.CharField(max_length=8, choices=TickSide.choices, default=TickSide.UNKNOWN)
    source = models.CharField(max_length=10, choices=DataSource.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instrument", "seq"], name="tick_unique_seq"),
            models.CheckConstraint(condition=Q(price__gt=0), name="tick_price_positive"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="tick_volume_positive"),
        ]
        indexes = [models.Index(fields=["instrument", "time"]), models.Index(fields=["time"])]

    def __str__(self) -> str:
        return f"{self.instrument_id}#{self.seq} {self.volume}@{self.price}"


class Bar(models.Model):
    """An OHLC bar; ``start`` is the aware UTC start of the interval (1d: Vietnam midnight)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="bars")
    interval = models.CharField(max_length=4, choices=BarInterval.choices)
    start = models.DateTimeField()
    open = price_field()
    high = price_field()
    low = price_field()
    close = price_field()
    volume = models.BigIntegerField(default=0)
    value = money_field(default=0)
    source = models.CharField(
        max_length=10, choices=DataSource.choices, default=DataSource.SIMULATED
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "interval", "start"], name="bar_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(low__gt=0) & Q(low__lte=models.F("high")), name="bar_low_le_high"
            ),
        ]
        ordering = ["instrument", "interval", "start"]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.interval} {self.start:%Y-%m-%d %H:%M}"


class CorporateEventKind(models.TextChoices):
    CASH_DIVIDEND = "cash_dividend", "Cash dividend"
    STOCK_DIVIDEND = "stock_dividend", "Stock dividend"
    BONUS_SHARES = "bonus_shares", "Bonus shares"
    RIGHTS_ISSUE = "rights_issue", "Rights issue"
    SPLIT = "split", "Stock split"
    REVERSE_SPLIT = "reverse_split", "Reverse split"


class CorporateEventStatus(models.TextChoices):
    ANNOUNCED = "announced", "Announced"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


#: Kinds whose terms are a share ratio ``ratio_old:ratio_new`` (new shares per old shares held).
RATIO_KINDS = frozenset(
    {
        CorporateEventKind.STOCK_DIVIDEND,
        CorporateEventKind.BONUS_SHARES,
        CorporateEventKind.RIGHTS_ISSUE,
        CorporateEventKind.SPLIT,
        CorporateEventKind.REVERSE_SPLIT,
    }
)


class CorporateEvent(models.Model):
    """A corporate action of one instrument, as announced by its source (see market/events.py).

    Dates are Vietnam calendar dates. The ex-date is the first trading day a buyer is NOT entitled:
    under T+2 it is one trading day before the record date. Terms, in whole VND and integers:

    - cash dividend: ``cash_per_share`` (a "15 %" dividend on the 10,000 VND par is 1,500 VND; the
      provider adapters convert). 5 % personal income tax is withheld at payment.
    - stock dividend, bonus shares: ``ratio_old:ratio_new`` = shares held : NEW shares received,
      e.g. 100:20 = 20 new shares per 100 held. Entitlements round down (fractions are cancelled).
      5 % tax is not withheld at issue but when those shares are sold (see the README).
    - split / reverse split: ``ratio_old:ratio_new`` = shares before : shares after (1:2 doubles
      the holding, 10:1 is a reverse split).
    - rights issue: the ratio (rights per shares held), ``subscription_price`` and the window.

    Rows are written only through ``market.events`` services (ingestion and the admin); the
    constraints below are the last guard. ``history`` keeps every change (django-simple-history).
    """

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="corporate_events"
    )
    kind = models.CharField(max_length=16, choices=CorporateEventKind.choices)
    status = models.CharField(
        max_length=10, choices=CorporateEventStatus.choices, default=CorporateEventStatus.ANNOUNCED
    )
    title = models.CharField(max_length=255, blank=True, help_text="The source's description")
    announcement_date = models.DateField(null=True, blank=True)
    ex_date = models.DateField(help_text="First trading day a buyer is not entitled")
    record_date = models.DateField(null=True, blank=True, help_text="Shareholder list closes")
    payment_date = models.DateField(
        null=True, blank=True, help_text="Cash payment date, or listing date of the new shares"
    )
    cash_per_share = money_field(null=True, blank=True, help_text="Whole VND per share, gross")
    ratio_old = models.PositiveIntegerField(null=True, blank=True, help_text="Shares held")
    ratio_new = models.PositiveIntegerField(
        null=True, blank=True, help_text="New shares (or rights) per ratio_old shares held"
    )
    subscription_price = money_field(null=True, blank=True, help_text="Rights: VND per share")
    subscription_start = models.DateField(null=True, blank=True)
    subscription_end = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=16, help_text="Provider name, or 'manual'")
    source_id = models.CharField(
        max_length=100, blank=True, help_text="The provider's own id (idempotent re-ingestion)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-ex_date", "instrument", "kind"]
        indexes = [models.Index(fields=["instrument", "ex_date"]), models.Index(fields=["ex_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source_id=""),
                name="corporate_event_unique_source_id",
            ),
            models.UniqueConstraint(
                fields=["source", "instrument", "kind", "ex_date"],
                condition=Q(source_id=""),
                name="corporate_event_unique_natural_key",
            ),
            models.CheckConstraint(
                condition=Q(cash_per_share__isnull=True) | Q(cash_per_share__gt=0),
                name="corporate_event_cash_positive",
            ),
            models.CheckConstraint(
                condition=Q(subscription_price__isnull=True) | Q(subscription_price__gt=0),
                name="corporate_event_subscription_price_positive",
            ),
            models.CheckConstraint(
                condition=(Q(ratio_old__isnull=True) | Q(ratio_old__gt=0))
                & (Q(ratio_new__isnull=True) | Q(ratio_new__gt=0)),
                name="corporate_event_ratio_positive",
            ),
            models.CheckConstraint(
                condition=Q(record_date__isnull=True) | Q(record_date__gte=models.F("ex_date")),
                name="corporate_event_record_on_or_after_ex",
            ),
            models.CheckConstraint(
                condition=Q(subscription_start__isnull=True)
                | Q(subscription_end__isnull=True)
                | Q(subscription_end__gte=models.F("subscription_start")),
                name="corporate_event_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CorporateEventKind.CASH_DIVIDEND)
                | Q(cash_per_share__isnull=False),
                name="corporate_event_cash_dividend_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(kind=CorporateEventKind.CASH_DIVIDEND)
                | Q(ratio_old__isnull=False, ratio_new__isnull=False),
                name="corporate_event_share_kinds_have_ratio",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CorporateEventKind.RIGHTS_ISSUE)
                | Q(subscription_price__isnull=False),
                name="corporate_event_rights_have_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.kind} ex {self.ex_date}"

    @property
    def ratio(self) -> str:
        """``"100:20"``, or ``""`` for a cash dividend."""
        if self.ratio_old is None or self.ratio_new is None:
            return ""
        return f"{self.ratio_old}:{self.ratio_new}"
