"""The warm summary's shortcuts give exactly what the long way gives, for random ledgers and prices.

- ``summary_compute`` (the summary without building the holdings) equals
  ``valuation_compute(...).summary``;
- valuing the snapshot without its history (``selectors.valuation_snapshot``: no sales, lots or
  closed positions) equals valuing the whole folded ledger;
- the snapshot, pickled as the cache pickles it (``pickle_fields``), comes back equal;
- ``represent`` (one serializer instance per class) renders the same JSON bytes as a serializer
  built per response, for the summary, the holdings and the live valuation's holdings.
"""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.ledger import LedgerConfig, LedgerEntry
from portfolio.selectors import _without_history
from portfolio.serializers import HoldingSerializer, HoldingsSerializer, PortfolioSummarySerializer
from portfolio.valuation import (
    InstrumentInfo,
    summary_compute,
    valuation_compute,
    valued_symbols,
)
from portfolio_site.api_serializers import represent
from portfolio_site.json_output import ORJSONRenderer
from tests.portfolio.ledger_builders import ledgers
from tests.portfolio.test_valuation_properties import (
    CONFIGS,
    NOW,
    price_draws,
    price_point,
    snapshot_of,
)

INFO = InstrumentInfo("Công ty Cổ phần FPT", "HOSE", "Technology", "stock")


def _round_trip(value: Any) -> Any:
    """Through pickle, as the cache stores it."""
    return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes


def _json(data: object) -> bytes:
    return ORJSONRenderer().render(data)


@settings(max_examples=100, deadline=None)
@given(
    entries=ledgers,
    config=st.sampled_from(CONFIGS),
    draws=st.lists(price_draws, min_size=3, max_size=3),
    named=st.booleans(),
)
def test_the_summary_shortcuts_give_the_same_body_as_the_long_way(
    entries: list[LedgerEntry],
    config: LedgerConfig,
    draws: list[tuple[str, int, int, bool, int]],
    named: bool,
) -> None:
    # given a folded ledger, prices for some of its symbols and maybe their instruments' names
    snapshot = snapshot_of(entries, config)
    last = max((e.trade_date for e in entries), default=NOW.date())
    symbols = valued_symbols(snapshot)
    prices = {
        symbol: point
        for symbol, draw in zip(symbols, draws, strict=False)
        if (point := price_point(draw, last)) is not None
    }
    instruments = dict.fromkeys(symbols, INFO) if named else {}
    long_way = valuation_compute(snapshot=snapshot, prices=prices, instruments=instruments)

    # when the summary is computed the short way, from the history-less snapshot after a trip
    # through pickle
    lean = _round_trip(_without_history(snapshot))
    summary = summary_compute(snapshot=lean, prices=prices, instruments=instruments)
    valuation = valuation_compute(snapshot=lean, prices=prices, instruments=instruments)

    # then every figure is the same, and so is every byte of the bodies
    assert summary == long_way.summary
    assert valuation == long_way
    assert _json(represent(PortfolioSummarySerializer, summary)) == _json(
        PortfolioSummarySerializer(long_way.summary).data
    )
    body = {"as_of": long_way.summary.as_of, "results": long_way.holdings}
    assert _json(represent(HoldingsSerializer, body)) == _json(HoldingsSerializer(body).data)
    assert _json([represent(HoldingSerializer, h) for h in long_way.holdings]) == _json(
        HoldingSerializer(long_way.holdings, many=True).data
    )


@settings(max_examples=50, deadline=None)
@given(entries=ledgers, config=st.sampled_from(CONFIGS))
def test_a_pickled_folded_ledger_comes_back_equal(
    entries: list[LedgerEntry], config: LedgerConfig
) -> None:
    snapshot = snapshot_of(entries, config)
    back = _round_trip(snapshot)
    assert back == snapshot
    for symbol, position in snapshot.state.positions.items():
        assert back.state.positions[symbol].sales == position.sales
        assert back.state.positions[symbol].closed == position.closed
    lean = _without_history(snapshot)
    assert all(not p.sale_rows and not p.lots for p in lean.state.positions.values())
    assert lean.state.cost_basis == snapshot.state.cost_basis
    assert sum((p.realized_vnd for p in lean.state.positions.values()), Decimal(0)) == sum(
        (p.realized_vnd for p in snapshot.state.positions.values()), Decimal(0)
    )
