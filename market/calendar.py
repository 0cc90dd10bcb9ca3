"""Trading calendar of the Vietnamese exchanges: sessions, holidays, tick sizes and price bands.

Everything here is pure (no Django, no I/O). Times are Asia/Ho_Chi_Minh (UTC+7, no DST); every
function that takes a ``datetime`` requires an aware one and raises ``ValueError`` on a naive one.

Sessions (Vietnam wall clock, each window is ``[start, end)``)::

    HOSE   ATO 09:00-09:15, continuous 09:15-11:30, lunch 11:30-13:00, continuous 13:00-14:30,
           ATC 14:30-14:45, put-through only 14:45-15:00 (``PUT_THROUGH``: no order matching)
    HNX    continuous 09:00-11:30, lunch, continuous 13:00-14:30, ATC 14:30-14:45,
           post-close 14:45-15:00 (``POST_CLOSE``: orders match at the closing price)
    UPCOM  continuous 09:00-11:30, lunch, continuous 13:00-15:00

Before the first window of a trading day the session is ``PRE_OPEN``; from 15:00, and all day on
weekends and holidays, it is ``CLOSED``. ``is_open`` is true in the order-matching sessions
(ATO, continuous, ATC and HNX's post-close).

The holiday table covers 2024-2027; outside it only weekends are known to be closed. Add next
year's closures when the exchanges publish them (usually in December).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

InstrumentType = Literal["stock", "etf", "index", "cw", "fund"]
Rounding = Literal["nearest", "down", "up"]


class Exchange(StrEnum):
    HOSE = "HOSE"
    HNX = "HNX"
    UPCOM = "UPCOM"


class Session(StrEnum):
    PRE_OPEN = "pre_open"
    ATO = "ato"
    CONTINUOUS = "continuous"
    LUNCH_BREAK = "lunch_break"
    ATC = "atc"
    PUT_THROUGH = "put_through"
    POST_CLOSE = "post_close"
    CLOSED = "closed"


MATCHING_SESSIONS: frozenset[Session] = frozenset(
    {Session.ATO, Session.CONTINUOUS, Session.ATC, Session.POST_CLOSE}
)
# Sessions in which the matched price can change (HNX's post-close trades at the closing price).
PRICE_DISCOVERY_SESSIONS: frozenset[Session] = frozenset(
    {Session.ATO, Session.CONTINUOUS, Session.ATC}
)


@dataclass(frozen=True, slots=True)
class SessionWindow:
    """One session of a trading day, ``[start, end)`` on the Vietnam wall clock."""

    session: Session
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    """A session window on a concrete date, as aware UTC datetimes (``[start, end)``)."""

    session: Session
    start: datetime
    end: datetime


def _w(session: Session, start: str, end: str) -> SessionWindow:
    return SessionWindow(session, time.fromisoformat(start), time.fromisoformat(end))


SCHEDULES: Mapping[Exchange, tuple[SessionWindow, ...]] = {
    Exchange.HOSE: (
        _w(Session.ATO, "09:00", "09:15"),
        _w(Session.CONTINUOUS, "09:15", "11:30"),
        _w(Session.LUNCH_BREAK, "11:30", "13:00"),
        _w(Session.CONTINUOUS, "13:00", "14:30"),
        _w(Session.ATC, "14:30", "14:45"),
        _w(Session.PUT_THROUGH, "14:45", "15:00"),
    ),
    Exchange.HNX: (
        _w(Session.CONTINUOUS, "09:00", "11:30"),
        _w(Session.LUNCH_BREAK, "11:30", "13:00"),
        _w(Session.CONTINUOUS, "13:00", "14:30"),
        _w(Session.ATC, "14:30", "14:45"),
        _w(Session.POST_CLOSE, "14:45", "15:00"),
    ),
    Exchange.UPCOM: (
        _w(Session.CONTINUOUS, "09:00", "11:30"),
        _w(Session.LUNCH_BREAK, "11:30", "13:00"),
        _w(Session.CONTINUOUS, "13:00", "15:00"),
    ),
}


def _days(first: date, last: date, name: str) -> dict[date, str]:
    return {first + timedelta(days=i): name for i in range((last - first).days + 1)}


def _weekdays_only(table: Mapping[date, str]) -> dict[date, str]:
    return {d: name for d, name in table.items() if d.weekday() < 5}


# Exchange closures on weekdays. Weekend days inside a holiday block are listed for readability and
# dropped by ``_weekdays_only``; swapped working Saturdays are ignored (the exchanges never trade
# on Saturdays), but swapped days OFF are closures (precedent: 28/4/2015, 29/4/2024).
HOLIDAYS: Mapping[date, str] = _weekdays_only(
    {
        # --- 2024: HOSE announcement 1943/TB-SGDHCM (7 Dec 2023) and the government's decisions.
        date(2024, 1, 1): "New Year",
        **_days(date(2024, 2, 8), date(2024, 2, 14), "Tet (Giap Thin)"),
        date(2024, 4, 18): "Hung Kings Commemoration (10/3 lunar)",
        date(2024, 4, 29): "Reunification Day bridge (swapped with Sat 4 May)",
        date(2024, 4, 30): "Reunification Day",
        date(2024, 5, 1): "International Labour Day",
        date(2024, 9, 2): "National Day",
        date(2024, 9, 3): "National Day (adjacent day)",
        # --- 2025: exchange closures as announced for the year.
        date(2025, 1, 1): "New Year",
        **_days(date(2025, 1, 27), date(2025, 1, 31), "Tet (At Ty)"),
        date(2025, 4, 7): "Hung Kings Commemoration (10/3 lunar)",
        date(2025, 4, 30): "Reunification Day",
        date(2025, 5, 1): "International Labour Day",
        date(2025, 5, 2): "Labour Day bridge (swapped with Sat 26 Apr)",
        date(2025, 9, 1): "National Day (adjacent day)",
        date(2025, 9, 2): "National Day",
        # --- 2026: statutory rules (Labour Code 2019 art. 112; a holiday on a weekend is
        # compensated on the next working day). Tet block as published: Mon 16 - Fri 20 Feb.
        # The government may add bridge days by swapping working days (it did for 2 Jan 2026
        # for civil servants); re-check against the exchanges' announcements.
        date(2026, 1, 1): "New Year",
        **_days(date(2026, 2, 16), date(2026, 2, 20), "Tet (Binh Ngo)"),
        # 10/3 lunar = Sun 26 Apr 2026, compensated on Mon 27 Apr.
        date(2026, 4, 27): "Hung Kings Commemoration (compensated, 10/3 lunar is Sun 26 Apr)",
        date(2026, 4, 30): "Reunification Day",
        date(2026, 5, 1): "International Labour Day",
        # National Day is 2/9 plus one adjacent day chosen by the Prime Minister; 1/9 assumed.
        date(2026, 9, 1): "National Day (adjacent day, assumed)",
        date(2026, 9, 2): "National Day",
        # --- 2027: statutory rules. Lunar New Year's Day is Sat 6 Feb 2027; five Tet days (the
        # last day of the old year + the first four of the new one: Fri 5 - Tue 9 Feb), the two
        # weekend days compensated on Wed 10 and Thu 11 Feb.
        date(2027, 1, 1): "New Year",
        **_days(date(2027, 2, 5), date(2027, 2, 11), "Tet (Dinh Mui)"),
        date(2027, 4, 15): "Hung Kings Commemoration (10/3 lunar)",
        date(2027, 4, 30): "Reunification Day",
        # 1/5/2027 is a Saturday, compensated on Mon 3 May.
        date(2027, 5, 3): "International Labour Day (compensated, 1/5 is a Saturday)",
        date(2027, 9, 2): "National Day",
        date(2027, 9, 3): "National Day (adjacent day, assumed)",
    }
)
HOLIDAY_YEARS: frozenset[int] = frozenset({2024, 2025, 2026, 2027})


# --- time helpers --------------------------------------------------------------------------------


def _require_aware(when: datetime) -> None:
    if when.tzinfo is None or when.tzinfo.utcoffset(when) is None:
        raise ValueError(f"aware datetime required, got naive {when.isoformat()}")


def to_vn(when: datetime) -> datetime:
    """The same instant on the Vietnam wall clock."""
    _require_aware(when)
    return when.astimezone(VN_TZ)


def vn_now() -> datetime:
    return datetime.now(VN_TZ)


def market_date(when: datetime) -> date:
    """The Vietnam calendar date of an aware instant."""
    return to_vn(when).date()


def vn_midnight_utc(d: date) -> datetime:
    """Midnight Vietnam time at the start of ``d``, as an aware UTC datetime."""
    return datetime.combine(d, time(0), tzinfo=VN_TZ).astimezone(UTC)


# --- trading days --------------------------------------------------------------------------------


def is_holiday(d: date) -> bool:
    return d in HOLIDAYS


def is_trading_day(d: date) -> bool:
    return d.weekday() < 5 and d not in HOLIDAYS


def next_trading_day(d: date) -> date:
    """The first trading day strictly after ``d``."""
    d += timedelta(days=1)
    while not is_trading_day(d):
        d += timedelta(days=1)
    return d


def last_trading_day(d: date) -> date:
    """``d`` when it trades, else the last trading day before it."""
    return d if is_trading_day(d) else previous_trading_day(d)


def previous_trading_day(d: date) -> date:
    """The last trading day strictly before ``d``."""
    d -= timedelta(days=1)
    while not is_trading_day(d):
        d -= timedelta(days=1)
    return d


def add_trading_days(d: date, n: int) -> date:
    """The ``n``-th trading day after ``d`` (before it when ``n`` < 0); ``d`` itself when ``n`` == 0.

    Counting starts from the day after (before) ``d`` whether or not ``d`` trades, so a trade on
    T settles on ``add_trading_days(T, 2)``.
    """
    while n > 0:
        d = next_trading_day(d)
        n -= 1
    while n < 0:
        d = previous_trading_day(d)
        n += 1
    return d


def trading_days_between(start: date, end: date) -> list[date]:
    """Trading days in ``[start, end]``, both ends included (empty when ``start > end``)."""
    days: list[date] = []
    d = start
    while d <= end:
        if is_trading_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


# --- sessions ------------------------------------------------------------------------------------


def session_at(exchange: Exchange | str, when: datetime) -> Session:
    local = to_vn(when)
    if not is_trading_day(local.date()):
        return Session.CLOSED
    schedule = SCHEDULES[Exchange(exchange)]
    clock = local.time().replace(tzinfo=None)
    if clock < schedule[0].start:
        return Session.PRE_OPEN
    for window in schedule:
        if window.start <= clock < window.end:
            return window.session
    return Session.CLOSED


def is_open(exchange: Exchange | str, when: datetime) -> bool:
    """True while orders are being matched (ATO, continuous, ATC, HNX post-close)."""
    return session_at(exchange, when) in MATCHING_SESSIONS


def sessions_on(exchange: Exchange | str, d: date) -> tuple[ScheduledSession, ...]:
    """The session windows of ``d`` as aware UTC datetimes; empty on a non-trading day."""
    if not is_trading_day(d):
        return ()
    return tuple(
        ScheduledSession(
            window.session,
            datetime.combine(d, window.start, tzinfo=VN_TZ).astimezone(UTC),
            datetime.combine(d, window.end, tzinfo=VN_TZ).astimezone(UTC),
        )
        for window in SCHEDULES[Exchange(exchange)]
    )


# --- tick sizes and price bands ------------------------------------------------------------------

_BAND = {
    Exchange.HOSE: Decimal("0.07"),
    Exchange.HNX: Decimal("0.10"),
    Exchange.UPCOM: Decimal("0.15"),
}
_FIRST_DAY_BAND = {
    Exchange.HOSE: Decimal("0.20"),
    Exchange.HNX: Decimal("0.30"),
    Exchange.UPCOM: Decimal("0.40"),
}
_TEN = Decimal(10)
_FIFTY = Decimal(50)
_HUNDRED = Decimal(100)
_HOSE_TIER_1 = Decimal(10_000)
_HOSE_TIER_2 = Decimal(50_000)


def tick_size(
    exchange: Exchange | str, price: Decimal, instrument_type: InstrumentType = "stock"
) -> Decimal:
    """Price step at ``price``.

    HOSE: ETFs and covered warrants 10 VND; stocks and fund certificates 10 VND below 10,000,
    50 VND from 10,000 to 49,950 and 100 VND from 50,000. HNX and UPCOM: 100 VND.
    Indices have no tick (``ValueError``).
    """
    if instrument_type == "index":
        raise ValueError("indices have no tick size")
    exchange = Exchange(exchange)
    if exchange is not Exchange.HOSE:
        return _HUNDRED
    if instrument_type in ("etf", "cw"):
        return _TEN
    if price < _HOSE_TIER_1:
        return _TEN
    if price < _HOSE_TIER_2:
        return _FIFTY
    return _HUNDRED


def is_on_tick_grid(
    exchange: Exchange | str, price: Decimal, instrument_type: InstrumentType = "stock"
) -> bool:
    if not price.is_finite() or price <= 0:
        return False
    return price % tick_size(exchange, price, instrument_type) == 0


def round_to_tick(
    exchange: Exchange | str,
    price: Decimal,
    instrument_type: InstrumentType = "stock",
    *,
    rounding: Rounding = "nearest",
) -> Decimal:
    """Snap ``price`` to the tick grid (``nearest`` rounds half up).

    The tick depends on the price level; rounding up across a tier boundary lands on the boundary
    itself (10,000 or 50,000), which lies on both grids.
    """
    if not price.is_finite():
        raise ValueError(f"cannot round {price} to a tick")
    tick = tick_size(exchange, price, instrument_type)
    down = (price / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
    up = (price / tick).to_integral_value(rounding=ROUND_CEILING) * tick
    if rounding == "down":
        return down
    if rounding == "up":
        return up
    return up if price - down >= up - price else down


def price_band(
    exchange: Exchange | str,
    reference: Decimal,
    instrument_type: InstrumentType = "stock",
    first_day: bool = False,
) -> tuple[Decimal, Decimal]:
    """``(floor, ceiling)`` around ``reference``: HOSE +/-7%, HNX +/-10%, UPCOM +/-15%
    (first trading day or back from a long suspension: 20/30/40%).

    The ceiling is rounded down and the floor up to the tick grid at their own price level. When
    rounding collapses a limit onto the reference, it moves one tick away from it (exchange rule);
    the floor never drops below one tick.
    """
    if instrument_type == "index":
        raise ValueError("indices have no price band")
    if not reference.is_finite() or reference <= 0:
        raise ValueError(f"reference must be a positive price, got {reference}")
    exchange = Exchange(exchange)
    pct = (_FIRST_DAY_BAND if first_day else _BAND)[exchange]
    ceiling = round_to_tick(exchange, reference * (1 + pct), instrument_type, rounding="down")
    floor = round_to_tick(exchange, reference * (1 - pct), instrument_type, rounding="up")
    if ceiling <= reference:
        ceiling = round_to_tick(exchange, reference, instrument_type, rounding="down")
        ceiling += tick_size(exchange, ceiling, instrument_type)
    if floor >= reference:
        below = round_to_tick(exchange, reference, instrument_type, rounding="up")
        below -= tick_size(exchange, below - 1, instrument_type)
        floor = below
    minimum = tick_size(exchange, Decimal(1), instrument_type)
    if floor < minimum:
        floor = minimum
    return floor, ceiling
