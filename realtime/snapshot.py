"""What a market-stream subscriber gets first: the current quote of each symbol, from the database.

Quote rows have the same fields as ``GET /api/market/quotes/`` plus ``seq``, the symbol's latest
tick sequence number at the time of the snapshot: ticks with ``seq`` at or below it are already
reflected in the quote.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from market.models import Instrument, Quote, Tick


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


def quote_row(quote: Quote, *, symbol: str, now: datetime, seq: int | None) -> dict[str, Any]:
    age = max(0.0, (now - quote.as_of).total_seconds())
    return {
        "symbol": symbol,
        "price": _text(quote.price),
        "reference_price": _text(quote.reference),
        "ceiling_price": _text(quote.ceiling),
        "floor_price": _text(quote.floor),
        "open": _text(quote.open),
        "high": _text(quote.high),
        "low": _text(quote.low),
        "change": _text(quote.change),
        "change_pct": _text(quote.change_pct),
        "volume": quote.volume,
        "value": _text(quote.value),
        "bids": quote.bids,
        "asks": quote.asks,
        "as_of": _iso(quote.as_of),
        "stale": age > settings.QUOTE_STALE_SECONDS,
        "age_seconds": round(age, 1),
        "source": quote.source,
        "seq": seq,
    }


def snapshot_quotes(*, symbols: Iterable[str]) -> list[dict[str, Any]]:
    """Current quotes of ``symbols`` (those that have one), ordered by symbol."""
    wanted = sorted(set(symbols))
    seqs = latest_seqs(symbols=wanted)
    now = timezone.now()
    quotes = Quote.objects.filter(instrument__symbol__in=wanted).select_related("instrument")
    rows = [
        quote_row(q, symbol=q.instrument.symbol, now=now, seq=seqs.get(q.instrument.symbol))
        for q in quotes
    ]
    return sorted(rows, key=lambda row: row["symbol"])
