"""Corporate events of the simulated market: plausible, deterministic, offline.

Each (seed, symbol, year) seeds one generator, so every process draws the same events. A stock (not
an index, ETF, warrant or fund) gets, per calendar year:

* a cash dividend with probability 3/4: 500 to 3,000 VND per share in steps of 100, record date
  between April and October, paid 10 to 25 trading days after the record date;
* a stock dividend or bonus shares with probability 3/10: 100:10 to 100:20, listed 20 to 40
  trading days after the record date;
* now and then (1 in 10) a rights issue: 100:10 to 100:30 at 10,000 or 12,000 VND a share,
  subscription window from 5 to 20 trading days after the record date.

Record dates are trading days and the ex-date is one trading day before (T+2). Announcements come
10 to 25 days before the ex-date. ``source_id`` is ``SYMBOL-YEAR-cash|stock|rights``.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from market.calendar import add_trading_days, is_trading_day, next_trading_day
from market.calendar import previous_trading_day as trading_day_before
from market.providers.base import CorporateEventData

SOURCE = "simulated"
_TAG_EVENTS = 0x455654


def _record_date(draws: np.random.Generator, year: int, first_month: int, last_month: int) -> date:
    month = int(draws.integers(first_month, last_month + 1))
    day = date(year, month, int(draws.integers(1, 29)))
    return day if is_trading_day(day) else next_trading_day(day)


def events_for_year(*, seed: int, symbol: str, year: int) -> list[CorporateEventData]:
    """The simulated events of ``symbol`` whose record date falls in ``year``."""
    draws = np.random.default_rng([seed, zlib.crc32(symbol.encode()), _TAG_EVENTS, year])
    events: list[CorporateEventData] = []
    # Draw every number whether or not the event happens, so one kind never shifts another.
    cash_happens, stock_happens, rights_happen = draws.random(3)
    cash_record = _record_date(draws, year, 4, 10)
    cash_amount = Decimal(int(draws.integers(5, 31)) * 100)
    cash_paid = add_trading_days(cash_record, int(draws.integers(10, 26)))
    stock_record = _record_date(draws, year, 3, 11)
    stock_new = int(draws.integers(10, 21))
    stock_kind = "bonus_shares" if draws.random() < 0.5 else "stock_dividend"
    stock_listed = add_trading_days(stock_record, int(draws.integers(20, 41)))
    rights_record = _record_date(draws, year, 5, 11)
    rights_new = int(draws.integers(10, 31))
    rights_price = Decimal(10_000 if draws.random() < 0.6 else 12_000)
    announce_days = draws.integers(10, 26, size=3)
    if cash_happens < 0.75:
        ex_date = trading_day_before(cash_record)
        events.append(
            CorporateEventData(
                symbol=symbol,
                kind="cash_dividend",
                source=SOURCE,
                source_id=f"{symbol}-{year}-cash",
                title=f"{symbol}: cash dividend {cash_amount:,} VND per share",
                announcement_date=ex_date - timedelta(days=int(announce_days[0])),
                ex_date=ex_date,
                record_date=cash_record,
                payment_date=cash_paid,
                cash_per_share=cash_amount,
                status="confirmed",
            )
        )
    if stock_happens < 0.3:
        ex_date = trading_day_before(stock_record)
        label = "bonus shares" if stock_kind == "bonus_shares" else "stock dividend"
        events.append(
            CorporateEventData(
                symbol=symbol,
                kind=stock_kind,  # type: ignore[arg-type]
                source=SOURCE,
                source_id=f"{symbol}-{year}-stock",
                title=f"{symbol}: {label} 100:{stock_new}",
                announcement_date=ex_date - timedelta(days=int(announce_days[1])),
                ex_date=ex_date,
                record_date=stock_record,
                payment_date=stock_listed,
                ratio_old=100,
                ratio_new=stock_new,
                status="confirmed",
            )
        )
    if rights_happen < 0.1:
        ex_date = trading_day_before(rights_record)
        window_end = add_trading_days(rights_record, 20)
        events.append(
            CorporateEventData(
                symbol=symbol,
                kind="rights_issue",
                source=SOURCE,
                source_id=f"{symbol}-{year}-rights",
                title=f"{symbol}: rights issue 100:{rights_new} at {rights_price:,} VND",
                announcement_date=ex_date - timedelta(days=int(announce_days[2])),
                ex_date=ex_date,
                record_date=rights_record,
                payment_date=add_trading_days(window_end, 15),
                ratio_old=100,
                ratio_new=rights_new,
                subscription_price=rights_price,
                subscription_start=add_trading_days(rights_record, 5),
                subscription_end=window_end,
                status="confirmed",
            )
        )
    return events


def simulated_events(*, seed: int, symbol: str, start: date, end: date) -> list[CorporateEventData]:
    """Events of ``symbol`` with an ex-date in ``[start, end]``, oldest first."""
    found = [
        event
        for year in range(start.year, end.year + 1)  # record dates fall in March-December
        for event in events_for_year(seed=seed, symbol=symbol, year=year)
        if event.ex_date is not None and start <= event.ex_date <= end
    ]
    return sorted(found, key=lambda event: (event.ex_date or start, event.kind))
