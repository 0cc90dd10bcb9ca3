"""What a market-stream subscriber gets first: the current quote of each symbol, from the database.

Each quote is exactly an item of ``GET /api/market/quotes/`` (``market.selectors.quote_map`` shaped
by ``market.serializers.QuoteSerializer``) plus ``seq``: the symbol's latest tick sequence number
at the time of the snapshot, so ticks with ``seq`` at or below it are already in the quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from django.db.models import OuterRef, Subquery

from market.models import Instrument, Tick
from market.selectors import QuoteRow, quote_map
from market.serializers import QuoteSerializer


def known_symbols(*, symbols: Iterable[str]) -> set[str]:
    """The subset of ``symbols`` that are active instruments."""
    return set(
        Instrument.objects.filter(symbol__in=list(symbols), is_active=True).values_list(
            "symbol", flat=True
        )
    )


def latest_seqs(*, symbols: Iterable[str]) -> dict[str, int]:
    """Each symbol's highest tick ``seq`` (one index probe per instrument, not a scan)."""
    last = Tick.objects.filter(instrument=OuterRef("pk")).order_by("-seq").values("seq")[:1]
    rows = (
        Instrument.objects.filter(symbol__in=list(symbols))
        .annotate(last=Subquery(last))
        .values_list("symbol", "last")
    )
    return {symbol: int(seq) for symbol, seq in rows if seq is not None}


# Rendered quotes by everything the rendering depends on: a thousand clients subscribing to the
# same symbols within a second serialise each quote once. Bounded; cleared when full.
_RENDERED: dict[tuple[Any, ...], dict[str, Any]] = {}
_RENDERED_MAX = 4096


def _render(row: QuoteRow) -> dict[str, Any]:
    key = tuple(
        tuple(map(tuple, value)) if isinstance(value, list) else value
        for value in (getattr(row, field.name) for field in fields(row))
    )
    rendered = _RENDERED.get(key)
    if rendered is None:
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        rendered = _RENDERED[key] = dict(QuoteSerializer(row).data)
    return rendered


def snapshot_quotes(*, symbols: Iterable[str]) -> list[dict[str, Any]]:
    """Current quotes of ``symbols`` (those that have one), ordered by symbol."""
    wanted = sorted(set(symbols))
    rows = quote_map(symbols=wanted)
    seqs = latest_seqs(symbols=wanted)
    return [
        {**_render(rows[symbol]), "seq": seqs.get(symbol)} for symbol in wanted if symbol in rows
    ]
