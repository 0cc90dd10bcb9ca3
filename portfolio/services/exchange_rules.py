"""Exchange rules a BUY or SELL must meet at entry (API, admin, CSV import, seed alike):

- the price lies on the exchange's tick grid (``market.calendar.tick_size``: HOSE 10 / 50 / 100 VND
  by price level, ETFs and covered warrants 10; HNX and UPCOM 100), any trade date;
- a trade dated today (Vietnam trading day) lies inside today's floor-ceiling band, read from the
  stored quote when that quote is of today's session (no such quote: no band check);
- odd lots (fewer shares than the board lot, 1-99) are allowed; ``is_odd_lot`` labels them.

A stored row being edited keeps what it had: a price, instrument and date left unchanged are not
checked again (rows stored before these rules keep working).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from market.calendar import is_on_tick_grid, market_date, price_band, round_to_tick, tick_size
from market.models import Instrument, InstrumentType, Quote
from portfolio.bounds import vnd
from portfolio.ledger import TRADE_KINDS, Kind
from portfolio.models import Transaction
from portfolio_site.errors import DomainError

_GRID_TYPES = frozenset({InstrumentType.STOCK, InstrumentType.ETF, InstrumentType.CW})
DEFAULT_BOARD_LOT = 100


def is_odd_lot(*, kind: Kind | str, quantity: int, lot_size: int | None) -> bool:
    """A BUY or SELL of fewer shares than a board lot (1-99 on every Vietnamese exchange)."""
    return Kind(kind) in TRADE_KINDS and 0 < quantity < (lot_size or DEFAULT_BOARD_LOT)


@dataclass(frozen=True)
class Band:
    floor: Decimal
    ceiling: Decimal
    reference: Decimal


def _plain(value: Decimal) -> str:
    """A whole price as "108600" (prices are stored with two decimals)."""
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)


def nearest_on_grid(instrument: Instrument, price: Decimal) -> tuple[Decimal, Decimal]:
    """The valid prices just below and just above ``price``."""
    kind = str(instrument.type)
    below = round_to_tick(instrument.exchange, price, kind, rounding="down")  # type: ignore[arg-type]
    above = round_to_tick(instrument.exchange, price, kind, rounding="up")  # type: ignore[arg-type]
    return below, above


def band_today(instrument: Instrument, *, today: date) -> Band | None:
    """Today's floor-ceiling band from the stored quote, or None when no quote of today's session
    is stored (pre-open before the first poll, or no data at all)."""
    quote = Quote.objects.filter(instrument_id=instrument.pk).first()
    if quote is None or market_date(quote.as_of) != today:
        return None
    if quote.floor is not None and quote.ceiling is not None:
        return Band(floor=quote.floor, ceiling=quote.ceiling, reference=quote.reference)
    try:
        floor, ceiling = price_band(instrument.exchange, quote.reference, str(instrument.type))  # type: ignore[arg-type]
    except ValueError:
        return None
    return Band(floor=floor, ceiling=ceiling, reference=quote.reference)


def _unchanged(
    previous: Transaction | None, instrument: Instrument, price: Decimal, trade_date: date
) -> bool:
    return (
        previous is not None
        and previous.instrument_id == instrument.pk
        and previous.price is not None
        and previous.price == price
        and previous.trade_date == trade_date
    )


def check_exchange_rules(
    *,
    kind: Kind,
    instrument: Instrument | None,
    price: Decimal | None,
    trade_date: date,
    today: date,
    previous: Transaction | None = None,
) -> None:
    """Refuse (400, a distinct code and a ``price`` field message) a BUY or SELL price off the tick
    grid, or outside today's band for a trade dated today."""
    if kind not in TRADE_KINDS or instrument is None or price is None:
        return
    if instrument.type not in _GRID_TYPES or _unchanged(previous, instrument, price, trade_date):
        return
    exchange = instrument.exchange
    kind_name = str(instrument.type)
    if not is_on_tick_grid(exchange, price, kind_name):  # type: ignore[arg-type]
        tick = tick_size(exchange, price, kind_name)  # type: ignore[arg-type]
        below, above = nearest_on_grid(instrument, price)
        message = (
            f"{vnd(price)} VND is not on the {exchange} price grid (steps of {vnd(tick)} VND at "
            f"this level): use {vnd(below)} or {vnd(above)}."
        )
        raise DomainError(
            f"{instrument.symbol}: {message}",
            code="price_off_tick_grid",
            fields={
                "price": [message],
                "tick_size": _plain(tick),
                "nearest_prices": [_plain(below), _plain(above)],
            },
        )
    if trade_date != today:
        return
    band = band_today(instrument, today=today)
    if band is None or band.floor <= price <= band.ceiling:
        return
    message = (
        f"{vnd(price)} VND is outside today's band for {instrument.symbol}: floor "
        f"{vnd(band.floor)}, ceiling {vnd(band.ceiling)} (reference {vnd(band.reference)})."
    )
    raise DomainError(
        message,
        code="price_outside_band",
        fields={
            "price": [message],
            "floor": _plain(band.floor),
            "ceiling": _plain(band.ceiling),
            "reference": _plain(band.reference),
        },
    )
