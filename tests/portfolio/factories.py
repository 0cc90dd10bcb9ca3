"""Factories for the portfolio tests: instruments, quotes, daily bars and portfolios."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

import factory

from market.calendar import vn_midnight_utc
from market.models import (
    Bar,
    BarInterval,
    DataSource,
    Exchange,
    Instrument,
    InstrumentGroup,
    InstrumentType,
    Quote,
)
from portfolio.models import Portfolio
from tests.factories import UserFactory


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument
        django_get_or_create = ("symbol",)

    symbol = factory.Sequence(lambda n: f"S{n:03d}")
    exchange = Exchange.HOSE
    type = InstrumentType.STOCK
    name = factory.LazyAttribute(lambda i: f"{i.symbol} Joint Stock Company")
    industry = "Technology"
    lot_size = 100
    is_active = True


class IndexFactory(InstrumentFactory):
    symbol = "VNINDEX"
    type = InstrumentType.INDEX
    name = "VN-Index"
    industry = ""


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote
        django_get_or_create = ("instrument",)

    instrument = factory.SubFactory(InstrumentFactory)
    reference = Decimal("100000")
    ceiling = factory.LazyAttribute(lambda q: (q.reference * Decimal("1.07")).quantize(Decimal(1)))
    floor = factory.LazyAttribute(lambda q: (q.reference * Decimal("0.93")).quantize(Decimal(1)))
    price = Decimal("100000")
    change = factory.LazyAttribute(lambda q: q.price - q.reference)
    change_pct = factory.LazyAttribute(
        lambda q: (q.change * 100 / q.reference).quantize(Decimal("0.01"))
    )
    volume = 1000
    as_of = factory.LazyFunction(lambda: datetime(2026, 3, 2, 7, 45, tzinfo=UTC))
    source = DataSource.SIMULATED


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Portfolio {n}")


def quote(
    symbol: str, *, price: int | str, reference: int | str, as_of: datetime | None = None
) -> Quote:
    """Set (create or replace) the live quote of ``symbol`` (as of the factory's moment unless
    ``as_of`` is given)."""
    instrument = InstrumentFactory(symbol=symbol)
    Quote.objects.filter(instrument=instrument).delete()
    extra = {"as_of": as_of} if as_of is not None else {}
    return QuoteFactory(
        instrument=instrument, price=Decimal(price), reference=Decimal(reference), **extra
    )


def daily_bars(instrument: Instrument, closes: Mapping[date, Decimal | int | str]) -> list[Bar]:
    """1d bars with the given closes (open = high = low = close)."""
    bars = []
    for day, close in sorted(closes.items()):
        value = Decimal(close)
        bars.append(
            Bar(
                instrument=instrument,
                interval=BarInterval.D1,
                start=vn_midnight_utc(day),
                open=value,
                high=value,
                low=value,
                close=value,
                volume=100_000,
                value=value * 100_000,
                source=DataSource.SIMULATED,
            )
        )
    return Bar.objects.bulk_create(bars)


def vn30(symbols: Iterable[str]) -> InstrumentGroup:
    group, _ = InstrumentGroup.objects.get_or_create(code="VN30", defaults={"name": "VN30"})
    group.instruments.add(*(InstrumentFactory(symbol=s) for s in symbols))
    return group
