"""Corporate events from vnstock: VCI's company events, converted once, here.

Source. vnstock offers ``Company(source="KBS").events(event_type=...)`` and
``Company(source="VCI").events()``. KBS passes its reply through untranslated (its field names are
not part of vnstock) and is reported to answer empty frames; VCI's IQ events carry named fields.
So events are always read from VCI, whatever ``VNSTOCK_SOURCE`` says: one budgeted
``Company(source="VCI", symbol=...).events()`` call per symbol (GET
``iq.vietcap.com.vn/api/iq-insight-service/v1/events``: the last 50 events of all kinds up to
today, which includes events announced with a future ex-date), through the adapter's ``_call``
(shared outbound budget, vendor retries counted, ``SystemExit`` and vendor errors translated).

Reply (after vnstock's own parsing, snake_case): ``id``, ``event_code`` (``DIV`` dividends,
``ISS`` share issues; meetings and others are skipped), ``event_title_vi``/``_en``,
``public_date``, ``record_date``, ``exright_date``, ``issue_date`` (``YYYY-MM-DD``),
``payout_date`` (ISO), ``value_per_share`` (VND), ``exercise_ratio`` (a fraction: 0.15 = 15 %),
``issue_price`` (VND, when known).

Conversions: a cash dividend is ``value_per_share`` whole VND, or ``exercise_ratio`` x the 10,000
VND par ("15 %" = 1,500 VND); a share ratio 0.2 becomes 100:20 (old:new); the kind comes from
the code and the title (cash, stock dividend, bonus shares, rights, split). VCI has no
subscription price for most rights issues: such an event is passed on without one, and the
service rejects it with a logged reason (staff can enter it in the admin). An empty frame means
"no events" (VCI raises on HTTP errors, unlike KBS's board). A reply without its columns, or a
value that is not a date or a number, is a ``ProviderDataError`` for that symbol only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from market.calendar import market_date
from market.providers.base import (
    CorporateEventData,
    CorporateEventKindName,
    ProviderDataError,
    ProviderError,
    ProviderRateLimited,
)

if TYPE_CHECKING:
    import pandas as pd

    from market.providers.vnstock import VnstockProvider

EVENTS_SOURCE = "VCI"
PAR_VALUE = Decimal(10_000)
_EVENT_CODES = frozenset({"DIV", "ISS"})
_REQUIRED = ("id", "event_code", "exright_date")
# Title keywords (lower case, Vietnamese and English) naming each kind of share event, most
# specific first (a bonus issue is also "for existing shareholders").
_KIND_WORDS: tuple[tuple[CorporateEventKindName, tuple[str, ...]], ...] = (
    ("bonus_shares", ("thưởng", "bonus")),
    ("stock_dividend", ("cổ tức bằng cổ phiếu", "stock dividend")),
    ("reverse_split", ("gộp", "reverse split")),
    ("split", ("chia tách", "split")),
    ("rights_issue", ("quyền mua", "cổ đông hiện hữu", "rights")),
)
# Share issues that give existing holders nothing.
_NOT_FOR_HOLDERS = ("esop", "riêng lẻ", "private placement", "chuyển đổi", "conversion")


def corporate_events(
    provider: VnstockProvider, symbols: Sequence[str], *, start: date, end: date
) -> dict[str, list[CorporateEventData] | ProviderError]:
    """Events of each symbol with an ex-date in ``[start, end]``; see the module docstring."""
    from market.providers.vnstock import import_vnstock, is_index_symbol

    found: dict[str, list[CorporateEventData] | ProviderError] = {}
    wanted = list(dict.fromkeys(s.strip().upper() for s in symbols))
    for position, symbol in enumerate(wanted):
        if is_index_symbol(symbol) or len(symbol) != 3:
            found[symbol] = []  # vnstock's Company serves stocks (three-letter codes) only
            continue
        try:
            api = import_vnstock().Company(source=EVENTS_SOURCE, symbol=symbol)
            frame = provider._call(f"events {symbol}", api, "events")
            found[symbol] = _events(symbol, frame, start=start, end=end)
        except ProviderRateLimited as exc:
            for rest in wanted[position:]:  # no point in asking again within the window
                found[rest] = exc
            break
        except ProviderError as exc:
            found[symbol] = exc
    return found


def _events(
    symbol: str, frame: pd.DataFrame | None, *, start: date, end: date
) -> list[CorporateEventData]:
    from market.providers.vnstock import _require

    if frame is None or len(frame) == 0:
        return []
    _require(frame, _REQUIRED, f"events {symbol}")
    events = []
    for row in frame.to_dict("records"):
        code = str(row.get("event_code") or "").strip().upper()
        if code not in _EVENT_CODES:
            continue
        event = _event(symbol, code, row)
        if event is not None and event.ex_date is not None and start <= event.ex_date <= end:
            events.append(event)
    return events


def _event(symbol: str, code: str, row: dict[str, Any]) -> CorporateEventData | None:
    from market.providers.vnstock import _decimal, _is_missing

    title = next(
        (str(row[k]).strip() for k in ("event_title_vi", "event_title_en") if _text(row.get(k))),
        "",
    )
    value = _decimal(row.get("value_per_share"))
    ratio = _decimal(row.get("exercise_ratio"))
    kind = _kind(code, title, value)
    if kind is None:
        return None  # ESOP, private placement and the like: no entitlement for holders
    terms: dict[str, Any] = {}
    if kind == "cash_dividend":
        amount = value if value else (ratio * PAR_VALUE if ratio is not None else None)
        terms["cash_per_share"] = _whole(amount)
    else:
        terms["ratio_old"], terms["ratio_new"] = _ratio(symbol, ratio)
        if kind == "rights_issue":
            terms["subscription_price"] = _whole(_decimal(row.get("issue_price")))
    raw_id = row.get("id")
    return CorporateEventData(
        symbol=symbol,
        kind=kind,
        source=f"vnstock:{EVENTS_SOURCE}",
        source_id="" if _is_missing(raw_id) else str(raw_id).strip(),
        title=title[:255],
        announcement_date=_date(symbol, row.get("public_date")),
        ex_date=_date(symbol, row.get("exright_date")),
        record_date=_date(symbol, row.get("record_date")),
        payment_date=_date(symbol, row.get("payout_date")) or _date(symbol, row.get("issue_date")),
        **terms,
    )


def _text(value: Any) -> bool:
    from market.providers.vnstock import _is_missing

    return not _is_missing(value) and bool(str(value).strip())


def _kind(code: str, title: str, value: Decimal | None) -> CorporateEventKindName | None:
    lowered = title.lower()
    if any(word in lowered for word in _NOT_FOR_HOLDERS):
        return None
    if code == "DIV" and (value or "tiền" in lowered or "cash" in lowered):
        return "cash_dividend"
    for kind, words in _KIND_WORDS:
        if any(word in lowered for word in words):
            return kind
    return "stock_dividend" if code == "DIV" else None


def _whole(amount: Decimal | None) -> Decimal | None:
    """Whole VND, rounded down (a fraction of a đồng is never paid)."""
    return None if amount is None else amount.quantize(Decimal(1), rounding=ROUND_DOWN)


def _ratio(symbol: str, ratio: Decimal | None) -> tuple[int | None, int | None]:
    """A fraction of new per old shares as two integers: 0.2 -> (100, 20), 0.125 -> (1000, 125)."""
    if ratio is None:
        return None, None
    for base in (100, 1000, 10_000):
        scaled = ratio * base
        if scaled == scaled.to_integral_value():
            return base, int(scaled)
    exact = Fraction(ratio).limit_denominator(10_000)
    if exact <= 0:
        raise ProviderDataError(f"{symbol}: share ratio {ratio} is not positive")
    return exact.denominator, exact.numerator


def _date(symbol: str, value: Any) -> date | None:
    """``YYYY-MM-DD``, an ISO time, epoch milliseconds or a pandas timestamp as a calendar date."""
    from market.providers.vnstock import _is_missing

    if _is_missing(value):
        return None
    if isinstance(value, datetime):  # pandas timestamps too: naive Vietnam wall-clock
        return value.date()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return market_date(datetime.fromtimestamp(value / 1000, tz=UTC))
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ProviderDataError(f"{symbol}: {value!r} is not a date") from None
