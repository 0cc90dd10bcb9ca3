"""What a market-stream subscriber gets first: the current quote of each symbol, from the database.

Quote rows come from ``market.selectors.quote_map`` (so ``stale`` and ``age_seconds`` follow the
market app's rules) with the same fields as ``GET /api/market/quotes/`` plus ``seq``, the symbol's latest
tick sequence number at the time of the snapshot: ticks with ``seq`` at or below it are already
reflected in the quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Max

from market.models import Instrument, Tick
from market.selectors import QuoteRow, quote_map


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _text(value: object) -> str | None:
    return None if value is None else str(value)


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


def quote_payload(row: QuoteRow, *, seq: int | None) -> dict[str, Any]:
    """A ``QuoteRow`` shaped like an item of ``GET /api/market/quotes/``, plus ``seq``."""
    return {
        "symbol": row.symbol,
        "price": _text(row.price),
        "reference_price": _text(row.reference),
        "ceiling_price": _text(row.ceiling),
        "floor_price": _text(row.floor),
        "open": _text(row.open),
        "high": _text(row.high),
        "low": _text(row.low),
        "change": _text(row.change),
        "change_pct": _text(row.change_pct),
        "volume": row.volume,
        "value": _text(row.value),
        "bids": row.bids,
        "asks": row.asks,
        "as_of": _iso(row.as_of),
        "stale": row.stale,
        "age_seconds": row.age_seconds,
        "source": row.source,
        "seq": seq,
    }


def snapshot_quotes(*, symbols: Iterable[str]) -> list[dict[str, Any]]:
    """Current quotes of ``symbols`` (those that have one), ordered by symbol."""
    wanted = sorted(set(symbols))
    rows = quote_map(symbols=wanted)
    seqs = latest_seqs(symbols=wanted)
    return [
        quote_payload(rows[symbol], seq=seqs.get(symbol)) for symbol in wanted if symbol in rows
    ]
