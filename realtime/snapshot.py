"""What a market-stream subscriber gets first: the current quote of each symbol, from the database.

Each quote is exactly an item of ``GET /api/market/quotes/`` (``market.selectors.quote_map`` shaped
by ``market.serializers.QuoteSerializer``) plus ``seq``: the symbol's latest tick sequence number
at the time of the snapshot, so ticks with ``seq`` at or below it are already in the quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Max

from market.models import Instrument, Tick
from market.selectors import quote_map
from market.serializers import QuoteSerializer


def known_symbols(*, symbols: Iterable[str]) -> set[str]:
    """The subset of ``symbols`` that are active instruments."""
    return set(
        Instrument.objects.filter(symbol__in=list(symbols), is_active=True).values_list(
            "symbol", flat=True
        )
    )


def latest_seqs(*, symbols: Iterable[str]) -> dict[str, int]:
    rows = (
        Tick.objects.filter(instrument__symbol__in=list(symbols))
        .values("instrument__symbol")
        .annotate(last=Max("seq"))
    )
    return {row["instrument__symbol"]: int(row["last"]) for row in rows}


def snapshot_quotes(*, symbols: Iterable[str]) -> list[dict[str, Any]]:
    """Current quotes of ``symbols`` (those that have one), ordered by symbol."""
    wanted = sorted(set(symbols))
    rows = quote_map(symbols=wanted)
    seqs = latest_seqs(symbols=wanted)
    return [
        {**QuoteSerializer(rows[symbol]).data, "seq": seqs.get(symbol)}
        for symbol in wanted
        if symbol in rows
    ]
