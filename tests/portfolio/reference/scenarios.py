"""Hypothesis strategies for valid histories: entries, trading dates and daily closes.

Every candidate entry is first tried on the reference ledger; one it refuses (oversell, unsettled
shares, not enough cash) is dropped or, for a BUY short of cash, preceded by a same-day DEPOSIT.
So the histories are exactly those the document's rules accept; the differential tests then check
that production accepts them too and agrees on every number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st

from portfolio.ledger import Kind, LedgerEntry
from tests.portfolio.reference.ledger import (
    CostMethod,
    ReferenceLedger,
    Refused,
    dividend_tax,
    sell_tax,
    trade_fee,
)

SYMBOLS = ("AAA", "BBB")
COST_METHODS: tuple[CostMethod, ...] = ("average", "fifo")
FIRST_DAY = date(2024, 1, 1)  # a Monday
SELL_TAX_RATE = Fraction(1, 1000)  # 0.1 %
DIVIDEND_TAX_RATE = Fraction(5, 100)  # 5 %
ACTIONS = (
    "deposit",
    "withdraw",
    *["buy"] * 2,
    *["sell"] * 3,
    "bonus",
    "dividend",
    "fee",
    "interest",
)


def weekdays(first: date, count: int) -> list[date]:
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def plus_weekdays(day: date, count: int) -> date:
    return weekdays(day + timedelta(days=1), count)[-1] if count else day


@dataclass(frozen=True)
class Scenario:
    entries: tuple[LedgerEntry, ...]
    dates: tuple[date, ...]
    closes: dict[str, dict[date, Fraction]]
    cost_method: CostMethod
    track_cash: bool
    fee_rate: Fraction

    @property
    def charges(self) -> Fraction:
        """Every fee and tax paid: what 'TWR = 0 less fees' allows prices that never move."""
        return sum((Fraction(e.fee) + Fraction(e.tax) for e in self.entries), Fraction(0)) + sum(
            (Fraction(e.amount) for e in self.entries if e.kind is Kind.FEE), Fraction(0)
        )

    def closes_on(self, day: date) -> dict[str, Fraction]:
        return {s: series[day] for s, series in self.closes.items()}


class _Builder:
    def __init__(
        self, *, cost_method: CostMethod, track_cash: bool, fee_rate: Fraction, dates: list[date]
    ) -> None:
        self.ledger = ReferenceLedger(cost_method=cost_method, track_cash=track_cash)
        self.track_cash = track_cash
        self.fee_rate = fee_rate
        self.dates = dates
        self.entries: list[LedgerEntry] = []

    def make(
        self,
        kind: Kind,
        day: date,
        *,
        symbol: str = "",
        quantity: int = 0,
        price: int = 0,
        amount: int = 0,
        settle_days: int = 0,
    ) -> LedgerEntry:
        fee = tax = 0
        if kind in (Kind.BUY, Kind.SELL):
            fee = trade_fee(quantity=quantity, price=Fraction(price), fee_rate=self.fee_rate)
            settle_days = 2  # T+2
        if kind is Kind.SELL:
            tax = sell_tax(quantity=quantity, price=Fraction(price), sell_tax_rate=SELL_TAX_RATE)
        if kind is Kind.DIVIDEND:
            tax = dividend_tax(amount=Fraction(amount), dividend_tax_rate=DIVIDEND_TAX_RATE)
        n = len(self.entries)
        return LedgerEntry(
            id=n,
            kind=kind,
            symbol=symbol,
            quantity=quantity,
            price=Decimal(price),
            amount=Decimal(amount),
            fee=Decimal(fee),
            tax=Decimal(tax),
            trade_date=day,
            settle_date=plus_weekdays(day, settle_days),
            sequence=n,
        )

    def add(self, entry: LedgerEntry) -> bool:
        try:
            self.ledger.apply(entry)
        except Refused:
            return False
        self.entries.append(entry)
        return True


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    cost_method: CostMethod | None = None,
    track_cash: bool | None = None,
    inflows_after_start: bool = True,
    flat_prices: bool = False,
    fee_free: bool = False,
    bonus: bool = True,
    force_bonus: bool = False,
    max_days: int = 10,
) -> Scenario:
    """A valid history over 2..max_days trading days with closes for every symbol every day.

    inflows_after_start=False keeps external inflows (deposits; purchases and FEE rows without
    cash) on the first day only. flat_prices trades at a close that never moves.
    """
    method = draw(st.sampled_from(COST_METHODS)) if cost_method is None else cost_method
    tracked = draw(st.booleans()) if track_cash is None else track_cash
    fee_rate = Fraction(0) if fee_free else draw(st.sampled_from((0, 15, 30))) / Fraction(10000)
    dates = weekdays(FIRST_DAY, draw(st.integers(2, max_days)))
    closes: dict[str, dict[date, Fraction]] = {}
    for symbol in SYMBOLS:
        price = draw(st.sampled_from((1_000, 10_000, 27_350, 108_600)))
        series = {}
        for day in dates:
            if not flat_prices and day != dates[0]:
                move = draw(st.integers(-7, 7))
                price = max(100, int(Fraction(price * (100 + move), 100)))
            series[day] = Fraction(price)
        closes[symbol] = series
    build = _Builder(cost_method=method, track_cash=tracked, fee_rate=fee_rate, dates=dates)
    for t, day in enumerate(dates):
        inflows = t == 0 or inflows_after_start
        if t == 0 and tracked:
            build.add(build.make(Kind.DEPOSIT, day, amount=draw(st.integers(10**6, 10**10))))
        actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1 if t == 0 else 0, max_size=4))
        if t == 0:
            actions = ["buy", *actions]
        for action in actions:
            if action == "bonus" and not bonus:
                continue
            _act(draw, build, action, day, closes, inflows=inflows)
        if force_bonus and t == len(dates) - 1:  # at least one bonus issue on a held symbol
            held = sorted(s for s in SYMBOLS if build.ledger.quantity(s))
            if held:
                _act(draw, build, "bonus", day, closes, inflows=inflows, symbol=held[0])
    return Scenario(tuple(build.entries), tuple(dates), closes, method, tracked, fee_rate)


def _act(
    draw: st.DrawFn,
    build: _Builder,
    action: str,
    day: date,
    closes: dict[str, dict[date, Fraction]],
    *,
    inflows: bool,
    symbol: str | None = None,
) -> None:
    ledger, tracked = build.ledger, build.track_cash
    if symbol is None and action in ("sell", "bonus", "dividend"):
        held_symbols = [s for s in SYMBOLS if ledger.quantity(s)]
        symbol = draw(st.sampled_from(held_symbols)) if held_symbols else SYMBOLS[0]
    symbol = symbol or draw(st.sampled_from(SYMBOLS))
    price = int(closes[symbol][day])
    held = ledger.quantity(symbol)
    if action == "deposit" and tracked and inflows:
        build.add(build.make(Kind.DEPOSIT, day, amount=draw(st.integers(1, 10**10))))
    elif action == "withdraw" and tracked and ledger.cash > 0:
        cash = int(ledger.cash)
        # everything, all but 1 VND ("nearly zero"), or a part
        amount = draw(st.sampled_from((cash, cash - 1, cash * draw(st.integers(1, 99)) // 100)))
        if amount > 0:
            build.add(build.make(Kind.WITHDRAWAL, day, amount=amount))
    elif action == "buy" and (inflows or tracked):
        quantity = draw(st.integers(1, 50)) * 100
        entry = build.make(Kind.BUY, day, symbol=symbol, quantity=quantity, price=price)
        if build.add(entry) or not tracked:
            return
        short = Fraction(entry.price) * quantity + Fraction(entry.fee) - ledger.cash
        if inflows:  # same-day deposit and buy
            build.add(build.make(Kind.DEPOSIT, day, amount=int(short)))
            build.add(build.make(Kind.BUY, day, symbol=symbol, quantity=quantity, price=price))
        else:  # buy what the cash allows
            affordable = int(ledger.cash / (price * (1 + build.fee_rate))) - 1
            if affordable > 0:
                build.add(
                    build.make(Kind.BUY, day, symbol=symbol, quantity=affordable, price=price)
                )
    elif action == "sell" and held:
        free = ledger.positions[symbol].settled_quantity(day)
        if free > 0:
            # sell everything (and maybe rebuy later), or a part
            quantity = draw(st.sampled_from((free, max(1, free * draw(st.integers(1, 99)) // 100))))
            build.add(build.make(Kind.SELL, day, symbol=symbol, quantity=quantity, price=price))
    elif action == "bonus" and held:
        quantity = max(1, held * draw(st.sampled_from((10, 20, 35, 50))) // 100)
        settle = draw(st.integers(0, 2))
        build.add(
            build.make(
                Kind.STOCK_DIVIDEND, day, symbol=symbol, quantity=quantity, settle_days=settle
            )
        )
    elif action == "dividend" and held:
        per_share = draw(st.sampled_from((100, 500, 1_000, 1_234)))
        build.add(build.make(Kind.DIVIDEND, day, symbol=symbol, amount=held * per_share))
    elif action == "fee" and (tracked or inflows):
        build.add(build.make(Kind.FEE, day, amount=draw(st.integers(1, 100_000))))
    elif action == "interest":
        build.add(build.make(Kind.INTEREST, day, amount=draw(st.integers(1, 100_000))))
