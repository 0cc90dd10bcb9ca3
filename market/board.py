"""The price board ("bảng giá"), market side: the market's lists, the rows, and the quote messages
the websocket pushes.

Lists: ``VN30`` and ``HNX30`` are the instruments in those baskets (``InstrumentGroup``, synced
from the provider's listing); ``HOSE``, ``HNX`` and ``UPCOM`` are the exchange's stocks, ETFs and
funds (no indices, no covered warrants). Inactive instruments are never on a board. The user's
lists (``watchlist``, ``portfolio:<id>``) are resolved by ``realtime.board``, which sits above the
portfolio app.

A row is an item of ``GET /api/market/quotes/`` (``QuoteSerializer``: reference / ceiling / floor,
the three best bids and asks, last price, change and %, total volume and value, open / high / low,
foreign buy / sell, staleness) plus ``last_volume`` (the volume of the latest matched trade) and
``seq`` (the latest tick's sequence number).

Quote messages: each quote poll that stores a symbol's quote also sends its board fields along with
its ticks (``board_quote``; ``realtime.broadcast.tick_events`` puts it in the symbol's
``tick.message`` event as ``quote``), and the market stream forwards them to board subscribers as
``{"type": "quote", ...}`` frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery

from market.models import Exchange, Instrument, InstrumentType, Tick
from market.providers.base import QuoteSnapshot
from portfolio_site.errors import DomainError
from portfolio_site.numbers import LEVEL_PLACES, VND_PLACES, half_up

GROUP_LISTS = ("VN30", "HNX30")
EXCHANGE_LISTS = (Exchange.HOSE.value, Exchange.HNX.value, Exchange.UPCOM.value)
USER_LISTS = ("watchlist", "portfolio:<id>")
LIST_NAMES = (*GROUP_LISTS, *EXCHANGE_LISTS, *USER_LISTS)
BOARD_TYPES = (InstrumentType.STOCK, InstrumentType.ETF, InstrumentType.FUND)


def board_limit() -> int:
    return int(settings.BOARD_MAX_SYMBOLS)


def unknown_list(raw: object) -> DomainError:
    shown = str(raw)[:40]
    return DomainError(
        f"Unknown board list {shown!r}; use one of {', '.join(LIST_NAMES)}.",
        code="unknown_list",
        fields={"list": [f"Use one of {', '.join(LIST_NAMES)}."]},
    )


def market_list_symbols(name: str) -> list[str] | None:
    """Symbols of a market list (VN30, HNX30, HOSE, HNX, UPCOM; case-insensitive), sorted; None when
    ``name`` is not one of them."""
    code = name.strip().upper()
    active = Instrument.objects.filter(is_active=True)
    if code in GROUP_LISTS:
        found = active.filter(groups__code=code).exclude(type=InstrumentType.INDEX)
    elif code in EXCHANGE_LISTS:
        found = active.filter(exchange=code, type__in=BOARD_TYPES)
    else:
        return None
    return sorted(set(found.values_list("symbol", flat=True)))


def check_size(symbols: Sequence[str], list_name: str) -> None:
    """400 ``board_too_large`` past ``BOARD_MAX_SYMBOLS``."""
    limit = board_limit()
    if len(symbols) > limit:
        raise DomainError(
            f"The board {list_name} has {len(symbols)} symbols; a board shows at most {limit}.",
            code="board_too_large",
            fields={"list": [f"At most {limit} symbols ({len(symbols)} on {list_name})."]},
        )


def last_trades(*, symbols: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``(seq, volume)`` of each symbol's latest tick (one index probe per instrument)."""
    latest = Tick.objects.filter(instrument=OuterRef("pk")).order_by("-seq")
    rows = (
        Instrument.objects.filter(symbol__in=list(symbols))
        .annotate(
            last_seq=Subquery(latest.values("seq")[:1]),
            last_volume=Subquery(latest.values("volume")[:1]),
        )
        .values_list("symbol", "last_seq", "last_volume")
    )
    return {s: (int(seq), int(volume)) for s, seq, volume in rows if seq is not None}


def board_rows(*, symbols: Sequence[str]) -> list[dict[str, Any]]:
    """The board rows of ``symbols`` that have a quote, in the order given."""
    from market.selectors import quote_map
    from market.serializers import QuoteSerializer

    quotes = quote_map(symbols=symbols)
    trades = last_trades(symbols=[s for s in symbols if s in quotes])
    rows = []
    for symbol in symbols:
        quote = quotes.get(symbol)
        if quote is None:
            continue
        seq, volume = trades.get(symbol, (None, None))
        rows.append({**QuoteSerializer(quote).data, "last_volume": volume, "seq": seq})
    return rows


def _price(value: Decimal | None, places: int) -> str | None:
    return None if value is None else str(half_up(value, places))


def board_quote(
    *,
    snapshot: QuoteSnapshot,
    instrument_type: str,
    seq: int | None,
    last_volume: int | None,
) -> dict[str, Any]:
    """The board fields of a stored quote, for the websocket (prices as the REST rows print them:
    whole VND, an index's level with two decimals)."""
    places = LEVEL_PLACES if instrument_type == InstrumentType.INDEX else VND_PLACES
    return {
        "symbol": snapshot.symbol,
        "price": _price(snapshot.last, places),
        "change": _price(snapshot.change, places),
        "change_pct": str(snapshot.change_pct),
        "open": _price(snapshot.open, places),
        "high": _price(snapshot.high, places),
        "low": _price(snapshot.low, places),
        "volume": int(snapshot.volume),
        "value": str(half_up(snapshot.value, VND_PLACES)),
        "last_volume": last_volume,
        "bids": [[_price(p, places), int(v)] for p, v in snapshot.bids],
        "asks": [[_price(p, places), int(v)] for p, v in snapshot.asks],
        "foreign_buy": int(snapshot.foreign_buy),
        "foreign_sell": int(snapshot.foreign_sell),
        "as_of": snapshot.as_of.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "seq": seq,
    }
