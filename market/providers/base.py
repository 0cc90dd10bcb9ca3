"""The one typed interface every market-data source implements, and the records it returns.

Units, fixed at the provider boundary and nowhere else:

- stock, ETF, CW and fund prices are whole VND as ``Decimal`` (no minor unit);
- index levels are points as ``Decimal`` with 2 decimal places (they are not VND and follow no
  tick or band rule);
- volumes are whole shares (``int``), traded values are VND (``Decimal``);
- every datetime is aware UTC. A daily bar starts at midnight Vietnam time of its trading date
  (17:00 UTC the day before): ``BarData.trading_date`` gives the date back.

Providers raise only the ``ProviderError`` family below; callers never see vendor exceptions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from market.calendar import Exchange, InstrumentType, market_date

logger = logging.getLogger(__name__)

Interval = Literal["1m", "5m", "15m", "1h", "1d"]
TradeSide = Literal["buy", "sell", "unknown"]
INTERVALS: tuple[Interval, ...] = ("1m", "5m", "15m", "1h", "1d")
INSTRUMENT_TYPES: tuple[InstrumentType, ...] = ("stock", "etf", "index", "cw", "fund")

_CENT = Decimal("0.01")


class ProviderError(Exception):
    """Base of every error a market-data provider raises."""


class ProviderUnavailable(ProviderError):
    """The source cannot be reached or gave nothing usable (5xx, timeout, empty reply, schema
    change inside the vendor library). Worth retrying later."""


class ProviderRateLimited(ProviderError):
    """The shared outbound budget, the vendor library's quota or the source said "slow down"."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, float(retry_after))


class ProviderDataError(ProviderError):
    """The payload arrived but cannot be used (missing columns, unknown symbol, nonsense values)."""


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    symbol: str
    exchange: Exchange
    type: InstrumentType
    name: str
    name_en: str
    industry: str
    lot_size: int = 100
    listed_shares: int | None = None
    groups: tuple[str, ...] = ()
    short_name: str = ""  # the brand investors use ("Vinamilk"), when the source has one


@dataclass(frozen=True, slots=True)
class QuoteSnapshot:
    """The price board line of one symbol at ``as_of``.

    ``last`` is the last matched price, or the reference before the first trade of the day;
    ``open``/``high``/``low`` are ``None`` until the first trade. ``ceiling``/``floor`` are
    ``None`` for indices. ``volume``/``value`` accumulate over the trading day.
    ``bids``/``asks`` are the best levels, best first, as ``(price, volume)``.
    """

    symbol: str
    exchange: Exchange
    reference: Decimal
    ceiling: Decimal | None
    floor: Decimal | None
    last: Decimal
    open: Decimal | None
    high: Decimal | None
    low: Decimal | None
    volume: int
    value: Decimal
    bids: tuple[tuple[Decimal, int], ...]
    asks: tuple[tuple[Decimal, int], ...]
    foreign_buy: int
    foreign_sell: int
    as_of: datetime
    source: str

    @property
    def change(self) -> Decimal:
        return self.last - self.reference

    @property
    def change_pct(self) -> Decimal:
        """Change against the reference in percent, 2 decimal places (0.00 when no reference)."""
        if not self.reference:
            return Decimal("0.00")
        return (self.change * 100 / self.reference).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class BarData:
    """One OHLCV bar. ``start`` is aware UTC; for ``1d`` it is midnight Vietnam time of the date.

    ``value`` (traded VND) is ``None`` when the source does not report it. History from vnstock
    is adjusted for corporate actions, so past bars change and are not on the tick grid.
    """

    symbol: str
    interval: Interval
    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int
    value: Decimal | None
    source: str

    @property
    def trading_date(self) -> date:
        return market_date(self.start)


@dataclass(frozen=True, slots=True)
class TickData:
    """One matched trade. ``source_id`` identifies it at the source (stable across polls) when
    the source has one."""

    symbol: str
    time: datetime
    price: Decimal
    volume: int
    side: TradeSide
    source_id: str | None
    source: str


CorporateEventKindName = Literal[
    "cash_dividend", "stock_dividend", "bonus_shares", "rights_issue", "split", "reverse_split"
]


@dataclass(frozen=True, slots=True)
class CorporateEventData:
    """One corporate action as a provider reports it, units already converted: dates are Vietnam
    calendar dates, ``cash_per_share`` and ``subscription_price`` whole VND (a "15 %" dividend on
    the 10,000 VND par is 1,500), ratios two integers ``ratio_old:ratio_new`` (see
    ``market.models.CorporateEvent``). ``ex_date`` may be ``None`` when only the record date is
    known: the service derives it (one trading day before). ``source_id`` is the provider's own id
    when it has one. Nothing here is validated yet: ``market.events`` does that."""

    symbol: str
    kind: CorporateEventKindName
    source: str
    ex_date: date | None = None
    record_date: date | None = None
    announcement_date: date | None = None
    payment_date: date | None = None
    cash_per_share: Decimal | None = None
    ratio_old: int | None = None
    ratio_new: int | None = None
    subscription_price: Decimal | None = None
    subscription_start: date | None = None
    subscription_end: date | None = None
    source_id: str = ""
    title: str = ""
    status: str = "announced"


@runtime_checkable
class MarketDataProvider(Protocol):
    name: str

    def list_instruments(self) -> list[InstrumentInfo]: ...

    def price_board(self, symbols: Sequence[str]) -> list[QuoteSnapshot]: ...

    def history(
        self, symbol: str, *, interval: Interval, start: date, end: date
    ) -> list[BarData]: ...

    def intraday_ticks(self, symbol: str, *, limit: int = 100) -> list[TickData]: ...

    def corporate_events(
        self, symbols: Sequence[str], *, start: date, end: date
    ) -> dict[str, list[CorporateEventData] | ProviderError]:
        """Events of each symbol with an ex-date (or record date) in ``[start, end]``. A symbol
        whose source fails maps to a ``ProviderError`` instance instead of a list, so that one
        symbol's garbage never hides the others' events."""
        ...


def read_setting(name: str, default: Any) -> Any:
    """``settings.<name>``, or ``default`` when absent or when Django is not configured."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        return getattr(settings, name, default)
    except ImproperlyConfigured:
        return default


_cache_lock = threading.Lock()
_instances: dict[str, MarketDataProvider] = {}
_auto_choice: str | None = None


def _resolve_auto() -> str:
    """Probe vnstock once per process; fall back to the simulator when it does not answer."""
    global _auto_choice
    with _cache_lock:
        if _auto_choice is not None:
            return _auto_choice
    from market.providers.vnstock import probe_reachable

    timeout = float(read_setting("VNSTOCK_PROBE_TIMEOUT", 5.0))
    reachable, reason = probe_reachable(timeout=timeout)
    choice = "vnstock" if reachable else "simulated"
    if not reachable:
        logger.warning(
            "MARKET_DATA_PROVIDER=auto: vnstock is not usable (%s); using the simulated provider",
            reason,
        )
    else:
        logger.info("MARKET_DATA_PROVIDER=auto: using vnstock (%s)", reason)
    with _cache_lock:
        if _auto_choice is None:
            _auto_choice = choice
        return _auto_choice


def get_provider(name: str | None = None) -> MarketDataProvider:
    """The provider named ``name`` or ``settings.MARKET_DATA_PROVIDER``.

    ``vnstock``, ``simulated``, or ``auto``: a cheap vnstock reachability probe (one budgeted
    price-board call with a short timeout) decides once per process, falling back to the
    simulator with a WARNING. Instances are shared per process (the simulator memoises its
    paths; the vnstock adapter builds a fresh vendor object per call).
    """
    choice = str(name or read_setting("MARKET_DATA_PROVIDER", "simulated")).strip().lower()
    if choice == "auto":
        choice = _resolve_auto()
    if choice not in ("simulated", "vnstock"):
        raise ValueError(f"unknown market data provider {choice!r}")
    with _cache_lock:
        provider = _instances.get(choice)
        if provider is None:
            provider = _build(choice)
            _instances[choice] = provider
        return provider


def _build(choice: str) -> MarketDataProvider:
    if choice == "simulated":
        from market.providers.simulated import SimulatedProvider

        return SimulatedProvider()
    from market.providers.vnstock import VnstockProvider

    return VnstockProvider()


def reset_provider_cache() -> None:
    """Forget shared instances and the ``auto`` decision (tests, settings changes)."""
    global _auto_choice
    with _cache_lock:
        _instances.clear()
        _auto_choice = None
