"""Live portfolio valuation for the portfolio stream: the ledger folded once, prices moved by ticks.

A stream loads its ``LivePortfolio`` when it opens and whenever the ledger changes
(``portfolio.changed``): the folded ledger from ``portfolio.selectors.ledger_snapshot`` (cached),
instrument details, and the latest prices the way the REST valuation takes them (the stored quote,
else the last daily close, else the cost). Between reloads each tick only moves one price, so a
revaluation is a few Decimal multiplications in memory: no database work per tick.

``LivePortfolio.compute()`` repeats ``portfolio.selectors.portfolio_valuation``'s arithmetic (that
function reads its prices from the database; this one must not) into the same ``Holding`` and
``Summary`` dataclasses, and ``valuation()`` shapes them with the REST serializers, so a push is
byte for byte what ``/summary/`` and ``/holdings/`` would answer at the same prices
(tests/realtime/test_portfolio_stream.py holds the two together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from market.models import Bar, BarInterval, Instrument
from market.selectors import quote_map
from portfolio.models import Portfolio
from portfolio.selectors import (
    Holding,
    LedgerSnapshot,
    Summary,
    Valuation,
    iso_utc,
    ledger_snapshot,
    money,
    percent,
)
from portfolio.serializers import HoldingSerializer, PortfolioSummarySerializer

ZERO = Decimal(0)
_PRICE_STEP = Decimal(1).scaleb(-settings.PRICE_DECIMAL_PLACES)


@dataclass(slots=True)
class LivePrice:
    price: Decimal
    reference: Decimal | None
    as_of: datetime
    source: str  # "quote" or "close"


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    name: str
    exchange: str
    industry: str
    type: str


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
    prices: dict[str, LivePrice] = field(default_factory=dict)

    @property
    def symbols(self) -> frozenset[str]:
        return frozenset(self.snapshot.state.open_positions)

    def apply_tick(self, *, symbol: str, price: str, change: str | None, ts: str | None) -> bool:
        """Move ``symbol``'s price to a tick's; True if the portfolio holds it."""
        if symbol not in self.snapshot.state.open_positions:
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
        self.prices[symbol] = LivePrice(new_price, reference, as_of, "quote")
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
        """``portfolio.selectors.portfolio_valuation``'s arithmetic at the live prices."""
        snapshot = self.snapshot
        state = snapshot.state
        positions = state.open_positions
        rows: list[tuple[Any, ...]] = []
        market_value = day_change = reference_value = ZERO
        newest: datetime | None = None
        for symbol in sorted(positions):
            position = positions[symbol]
            live = self.prices.get(symbol)
            value = live.price * position.quantity if live else position.cost
            change = None
            if live is not None and live.reference is not None:
                change = (live.price - live.reference) * position.quantity
                day_change += change
                reference_value += live.reference * position.quantity
            if live is not None and (newest is None or live.as_of > newest):
                newest = live.as_of
            market_value += value
            rows.append((symbol, position, live, value, change))

        cash = state.cash if state.cash_tracked else None
        total_value = market_value + (cash or ZERO)
        holdings = []
        for symbol, position, live, value, change in rows:
            info = self.instruments.get(symbol, InstrumentInfo("", "", "", ""))
            unrealized = value - position.cost
            holdings.append(
                Holding(
                    symbol=symbol,
                    name=info.name,
                    exchange=info.exchange,
                    industry=info.industry,
                    type=info.type,
                    quantity=position.quantity,
                    settled_quantity=position.settled_quantity,
                    avg_cost=money(position.avg_cost),
                    cost_basis=money(position.cost),
                    last_price=live.price if live else None,
                    price_source=live.source if live else "cost",
                    price_as_of=iso_utc(live.as_of) if live else None,
                    market_value=money(value),
                    unrealized_pnl=money(unrealized),
                    unrealized_pnl_pct=percent(unrealized, position.cost),
                    realized_pnl=money(position.realized),
                    day_change=money(change) if change is not None else None,
                    weight=percent(value, total_value),
                )
            )

        cost_basis = state.cost_basis
        unrealized_total = market_value - cost_basis
        total_return = (
            state.realized + unrealized_total + state.dividends + state.interest - state.fee_rows
        )
        base = state.net_flows if state.cash_tracked else snapshot.invested
        summary = Summary(
            cash=money(cash) if cash is not None else None,
            settled_cash=money(state.settled_cash) if cash is not None else None,
            cost_basis=money(cost_basis),
            market_value=money(market_value),
            total_value=money(total_value),
            net_flows=money(state.net_flows),
            realized_pnl=money(state.realized),
            unrealized_pnl=money(unrealized_total),
            dividends=money(state.dividends),
            interest=money(state.interest),
            fees=money(state.fees),
            taxes=money(state.taxes),
            total_return=money(total_return),
            total_return_pct=percent(total_return, base) if base > 0 else None,
            day_change=money(day_change),
            day_change_pct=percent(day_change, reference_value),
            holdings_count=len(holdings),
            transactions_count=state.entry_count,
            cash_tracked=state.cash_tracked,
            as_of=iso_utc(newest or snapshot.computed_at),
        )
        return Valuation(holdings=holdings, summary=summary)


def _latest_prices(symbols: list[str]) -> dict[str, LivePrice]:
    """The stored quote of each symbol, else its last daily close (as the REST valuation does)."""
    prices = {
        symbol: LivePrice(row.price, row.reference, row.as_of, "quote")
        for symbol, row in quote_map(symbols=symbols).items()
    }
    for symbol in symbols:
        if symbol in prices:
            continue
        bar = (
            Bar.objects.filter(instrument__symbol=symbol, interval=BarInterval.D1)
            .order_by("-start")
            .values_list("close", "start")
            .first()
        )
        if bar is not None:
            prices[symbol] = LivePrice(bar[0], None, bar[1], "close")
    return prices


def live_portfolio_load(*, portfolio: Portfolio) -> LivePortfolio:
    """Fold (or fetch the cached fold of) the ledger and attach instruments and latest prices."""
    portfolio.refresh_from_db()  # the ledger cache key includes updated_at
    snapshot = ledger_snapshot(portfolio=portfolio)
    symbols = sorted(snapshot.state.open_positions)
    instruments = {
        row["symbol"]: InstrumentInfo(row["name"], row["exchange"], row["industry"], row["type"])
        for row in Instrument.objects.filter(symbol__in=symbols).values(
            "symbol", "name", "exchange", "industry", "type"
        )
    }
    return LivePortfolio(
        portfolio_id=portfolio.pk,
        snapshot=snapshot,
        instruments=instruments,
        prices=_latest_prices(symbols),
    )
