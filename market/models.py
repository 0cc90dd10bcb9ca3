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
    """One matched trade, append-only. ``seq`` increases by one per symbol; gaps mean loss."""

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
