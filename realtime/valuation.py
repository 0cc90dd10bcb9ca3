"""Live portfolio valuation for the portfolio stream: the ledger folded once, prices moved by ticks.

A stream loads its ``LivePortfolio`` when it opens and whenever the ledger changes
(``portfolio.changed``): the folded ledger from ``portfolio.selectors.ledger_snapshot`` (cached),
instrument details, the pending entitlements (receivables), and the latest prices the way the
REST valuation takes them (the stored quote,
else the last daily close, else the cost). Between reloads each tick only moves one price, so a
revaluation is a few Decimal multiplications in memory: no database work per tick.

``LivePortfolio.compute()`` hands the folded ledger and its live prices to
``portfolio.valuation.valuation_compute``, the one place the valuation maths lives (the REST
``portfolio_valuation`` calls it with the stored prices), and ``valuation()`` shapes the result with
the REST serializers, so a push is byte for byte what ``/summary/`` and ``/holdings/`` would answer
at the same prices (tests/realtime/test_portfolio_stream.py holds the two together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.conf import settings

from portfolio.models import Portfolio
from portfolio.selectors import (
    LedgerSnapshot,
    instrument_infos,
    latest_prices,
    ledger_snapshot,
    pending_entitlements,
)
from portfolio.serializers import HoldingSerializer, PortfolioSummarySerializer
from portfolio.valuation import (
    InstrumentInfo,
    PendingEntitlement,
    PricePoint,
    Valuation,
    valuation_compute,
    valued_symbols,
)

_PRICE_STEP = Decimal(1).scaleb(-settings.PRICE_DECIMAL_PLACES)


def _parse_ts(ts: str | None, fallback: datetime) -> datetime:
    if not ts:
        return fallback
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return fallback


@dataclass
class LivePortfolio:
    portfolio_id: int
    snapshot: LedgerSnapshot
    instruments: dict[str, InstrumentInfo]
    prices: dict[str, PricePoint] = field(default_factory=dict)
    pending: tuple[PendingEntitlement, ...] = ()

    @cached_property
    def symbols(self) -> frozenset[str]:
        """The symbols whose ticks move the valuation: held ones, those traded lately (a
        symbol sold out today still has a day change) and those with pending entitlements."""
        return frozenset(valued_symbols(self.snapshot, self.pending))

    def apply_tick(self, *, symbol: str, price: str, change: str | None, ts: str | None) -> bool:
        """Move ``symbol``'s price to a tick's; True if it moved (the portfolio holds the symbol
        or traded it lately, and the tick is not older than the price it has)."""
        if symbol not in self.symbols:
            return False
        try:
            # stored like a Quote.price, so it prints as the REST valuation would print it
            new_price = Decimal(price).quantize(_PRICE_STEP)
            reference = new_price - Decimal(change).quantize(_PRICE_STEP) if change else None
        except (InvalidOperation, TypeError):
            return False
        previous = self.prices.get(symbol)
        if reference is None and previous is not None:
            reference = previous.reference
        as_of = _parse_ts(ts, previous.as_of if previous else self.snapshot.computed_at)
        if previous is not None and as_of < previous.as_of:
            return False  # e.g. held during a reload whose stored quote is already newer
        self.prices[symbol] = PricePoint(new_price, reference, as_of, "quote")
        return True

    def valuation(self) -> dict[str, Any]:
        """``{"type": "valuation", "portfolio_id", "summary": {...}, "holdings": [...]}``.

        ``summary`` and ``holdings`` are the REST bodies of ``/summary/`` and ``/holdings/``
        (``results``): the same dataclasses through the same serializers.
        """
        valuation = self.compute()
        return {
            "type": "valuation",
            "portfolio_id": self.portfolio_id,
            "summary": PortfolioSummarySerializer(valuation.summary).data,
            "holdings": HoldingSerializer(valuation.holdings, many=True).data,
        }

    def compute(self) -> Valuation:
        """The shared valuation (``portfolio.valuation.valuation_compute``) at the live prices."""
        return valuation_compute(
            snapshot=self.snapshot,
            prices=self.prices,
            instruments=self.instruments,
            pending=self.pending,
        )


def live_portfolio_load(*, portfolio: Portfolio) -> LivePortfolio:
    """Fold (or fetch the cached fold of) the ledger and attach instruments and latest prices."""
    portfolio.refresh_from_db()  # the ledger cache key includes updated_at
    snapshot = ledger_snapshot(portfolio=portfolio)
    pending = tuple(pending_entitlements(portfolio=portfolio))
    symbols = valued_symbols(snapshot, pending)
    return LivePortfolio(
        portfolio_id=portfolio.pk,
        snapshot=snapshot,
        instruments=instrument_infos(symbols=symbols),
        prices=latest_prices(symbols=symbols),
        pending=pending,
    )
