"""Market data enters the system only through these providers (see ``base.py`` for the contract)."""

from market.providers.base import (
    BarData,
    InstrumentInfo,
    MarketDataProvider,
    ProviderDataError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    QuoteSnapshot,
    TickData,
    get_provider,
)

__all__ = [
    "BarData",
    "InstrumentInfo",
    "MarketDataProvider",
    "ProviderDataError",
    "ProviderError",
    "ProviderRateLimited",
    "ProviderUnavailable",
    "QuoteSnapshot",
    "TickData",
    "get_provider",
]
