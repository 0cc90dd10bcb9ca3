"""Hypothesis strategies for valid histories: entries, trading dates and daily closes.

Every candidate entry is first tried on the reference ledger; one it refuses (oversell, unsettled
shares, not enough cash) is dropped or, for a BUY short of cash, preceded by a same-day DEPOSIT.
Prices lie on the HOSE tick grid, as the exchange rules at entry require. So the histories are
exactly those the document's rules accept; the differential tests then check
that production accepts them too and agrees on every number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from market.calendar import Exchange, round_to_tick
from portfolio.ledger import Kind, LedgerEntry
from tests.portfolio.ledger_builders import entry
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
    "consolidate",
    "dividend",
    "fee",
    "interest",
)
WEEKEND_ACTIONS = ("deposit", "withdraw", "dividend", "fee", "interest")  # no trades


def on_grid(price: int) -> int:
    """``price`` on the HOSE stock tick grid (the symbols trade there; every write checks it)."""
    return int(round_to_tick(Exchange.HOSE, Decimal(price)))


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


def ledger_entry(
    n: int,
    kind: Kind,
    day: date,
    symbol: str = "",
    quantity: int = 0,
    *,
    price: int = 0,
    settle_date: date | None = None,
    **money: int,
) -> LedgerEntry:
    """Entry number n (its id and sequence); amount, fee and tax in whole VND."""
    amounts = {name: Decimal(value) for name, value in money.items()}
    return entry(
        n,
        kind,
        day,
        symbol,
        quantity,
        Decimal(price),
        settle_date=settle_date,
        sequence=n,
        **amounts,
    )


@dataclass(frozen=True)
class Scenario:
    entries: tuple[LedgerEntry, ...]
    dates: tuple[date, ...]
    closes: dict[str, dict[date, Fraction]]
    cost_method: CostMethod
    track_cash: bool
    fee_rate: Fraction = Fraction(0)  # of gross trade value
    taxed: bool = True  # sell tax SELL_TAX_RATE and dividend tax DIVIDEND_TAX_RATE charged

    @property
    def charges(self) -> Fraction:
        """Every fee and tax paid, FEE rows included."""
        return sum((Fraction(e.fee) + Fraction(e.tax) for e in self.entries), Fraction(0)) + sum(
            (Fraction(e.amount) for e in self.entries if e.kind is Kind.FEE), Fraction(0)
        )


@dataclass(frozen=True)
class _Rules:
    """What a generated day may contain."""

    inflows: bool  # deposits; without cash tracking also purchases and FEE rows
    outflows: bool  # withdrawals; without cash tracking also sales, dividends and interest
    income: bool  # dividends and interest at all
    bonus: bool  # bonus issues and reverse splits (share consolidations)
    at_close: bool  # trade at the day's close, else within 2 % of it


class _Builder:
    def __init__(
        self, *, cost_method: CostMethod, track_cash: bool, charges: bool, dates: list[date]
    ) -> None:
        self.ledger = ReferenceLedger(cost_method=cost_method, track_cash=track_cash)
        self.track_cash = track_cash
        self.charges = charges
        self.fee_rate = Fraction(0)
        self.dates = dates
        self.entries: list[LedgerEntry] = []

    def make(self, kind: Kind, day: date, *, settle_days: int = 0, **fields: Any) -> LedgerEntry:
        """The next entry, its fee and tax derived at the scenario's rates; BUY/SELL settle T+2."""
        symbol, quantity = fields.get("symbol", ""), fields.get("quantity", 0)
        price, amount = fields.get("price", 0), fields.get("amount", 0)
        fee = tax = 0
        if kind in (Kind.BUY, Kind.SELL):
            fee = trade_fee(quantity=quantity, price=Fraction(price), fee_rate=self.fee_rate)
            settle_days = 2  # T+2
        if kind is Kind.SELL and self.charges:
            tax = sell_tax(quantity=quantity, price=Fraction(price), sell_tax_rate=SELL_TAX_RATE)
        if kind is Kind.DIVIDEND and self.charges:
            tax = dividend_tax(amount=Fraction(amount), dividend_tax_rate=DIVIDEND_TAX_RATE)
        return ledger_entry(
            len(self.entries),
            kind,
            day,
            symbol,
            quantity,
            price=price,
            amount=amount,
            fee=fee,
            tax=tax,
            settle_date=plus_weekdays(day, settle_days),
        )

    @property
    def last_day(self) -> date:
        return self.entries[-1].trade_date if self.entries else self.dates[0]

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
    outflows_after_start: bool = True,
    income: bool = True,
    bonus: bool = True,
    force_bonus: bool = False,
    force_consolidation: bool = False,
    flat_prices: bool = False,
    trades_at_close: bool = False,
    charges: bool = True,
    max_days: int = 10,
) -> Scenario:
    """A valid history over 2..max_days trading days with closes for every symbol every day.

    Day 0 always deposits (with cash tracked) and buys. After it, `inflows_after_start` and
    `outflows_after_start` allow external flows (see _Rules); trades that are no external flow
    (with cash tracked) happen either way. `flat_prices`: closes never move. `charges=False`:
    no fees (trade fees or FEE rows) and no taxes. Trades are within 2 % of the day's close, or
    at it with `trades_at_close`.
    """
    method = draw(st.sampled_from(COST_METHODS)) if cost_method is None else cost_method
    tracked = draw(st.booleans()) if track_cash is None else track_cash
    dates = weekdays(FIRST_DAY, draw(st.integers(2, max_days)))
    closes: dict[str, dict[date, Fraction]] = {}
    for symbol in SYMBOLS:
        price = draw(st.sampled_from((1_000, 10_000, 27_350, 108_600)))
        series = {}
        for day in dates:
            if not flat_prices and day != dates[0]:
                move = draw(st.integers(-7, 7))
                price = on_grid(max(100, int(Fraction(price * (100 + move), 100))))
            series[day] = Fraction(price)
        closes[symbol] = series
    build = _Builder(cost_method=method, track_cash=tracked, charges=charges, dates=dates)
    if charges:
        build.fee_rate = draw(st.sampled_from((0, 15, 30))) / Fraction(10000)
    for t, day in enumerate(dates):
        rules = _Rules(
            inflows=t == 0 or inflows_after_start,
            outflows=t == 0 or outflows_after_start,
            income=income,
            bonus=bonus,
            at_close=trades_at_close,
        )
        if t == 0 and tracked:
            build.add(build.make(Kind.DEPOSIT, day, amount=draw(st.integers(10**6, 10**10))))
        if day.weekday() == 0 and t > 0:  # cash rows dated Saturday or Sunday join Monday
            for action in draw(st.lists(st.sampled_from(WEEKEND_ACTIONS), max_size=2)):
                weekend = day - timedelta(days=draw(st.sampled_from((1, 2))))
                _act(draw, build, action, max(weekend, build.last_day), closes, rules)
        actions = draw(st.lists(st.sampled_from(ACTIONS), max_size=4))
        for action in ["buy", *actions] if t == 0 else actions:
            _act(draw, build, action, day, closes, rules)
        if force_bonus and t == len(dates) - 1:  # at least one bonus issue on a held symbol
            held = sorted(s for s in SYMBOLS if build.ledger.quantity(s))
            if held:
                _act(draw, build, "bonus", day, closes, rules, symbol=held[0])
        if force_consolidation and t == len(dates) - 1:  # at least one reverse split tried
            held = sorted(s for s in SYMBOLS if build.ledger.quantity(s) > 1)
            if held:
                _act(draw, build, "consolidate", day, closes, rules, symbol=held[0])
    return Scenario(
        tuple(build.entries), tuple(dates), closes, method, tracked, build.fee_rate, charges
    )


def _act(
    draw: st.DrawFn,
    build: _Builder,
    action: str,
    day: date,
    closes: dict[str, dict[date, Fraction]],
    rules: _Rules,
    *,
    symbol: str | None = None,
) -> None:
    ledger, tracked = build.ledger, build.track_cash
    if symbol is None and action in ("sell", "bonus", "consolidate", "dividend"):
        held_symbols = [s for s in SYMBOLS if ledger.quantity(s)]
        symbol = draw(st.sampled_from(held_symbols)) if held_symbols else SYMBOLS[0]
    symbol = symbol or draw(st.sampled_from(SYMBOLS))
    held = ledger.quantity(symbol)
    if action in ("buy", "sell"):
        price = int(closes[symbol][day])
        if not rules.at_close:
            price = on_grid(int(Fraction(price * (100 + draw(st.integers(-2, 2))), 100)))
    # with cash tracked only deposits and withdrawals cross the portfolio's edge
    may_pay_in = rules.inflows or tracked
    may_pay_out = rules.outflows or tracked
    if action == "deposit" and tracked and rules.inflows:
        build.add(build.make(Kind.DEPOSIT, day, amount=draw(st.integers(1, 10**10))))
    elif action == "withdraw" and tracked and rules.outflows and ledger.cash > 0:
        cash = int(ledger.cash)
        # everything, all but 1 VND ("nearly zero"), or a part
        amount = draw(st.sampled_from((cash, cash - 1, cash * draw(st.integers(1, 99)) // 100)))
        if amount > 0:
            build.add(build.make(Kind.WITHDRAWAL, day, amount=amount))
    elif action == "buy" and may_pay_in:
        quantity = draw(st.integers(1, 50)) * 100
        entry = build.make(Kind.BUY, day, symbol=symbol, quantity=quantity, price=price)
        if build.add(entry) or not tracked:
            return
        short = Fraction(entry.price) * quantity + Fraction(entry.fee) - ledger.cash
        if rules.inflows:  # same-day deposit and buy
            build.add(build.make(Kind.DEPOSIT, day, amount=int(short)))
            build.add(build.make(Kind.BUY, day, symbol=symbol, quantity=quantity, price=price))
        else:  # buy what the cash allows
            affordable = int(ledger.cash / (price * (1 + build.fee_rate))) - 1
            if affordable > 0:
                build.add(
                    build.make(Kind.BUY, day, symbol=symbol, quantity=affordable, price=price)
                )
    elif action == "sell" and held and may_pay_out:
        free = ledger.positions[symbol].settled_quantity(day)
        if free > 0:
            # sell everything (and maybe rebuy later), or a part
            quantity = draw(st.sampled_from((free, max(1, free * draw(st.integers(1, 99)) // 100))))
            build.add(build.make(Kind.SELL, day, symbol=symbol, quantity=quantity, price=price))
    elif action == "bonus" and held and rules.bonus:
        quantity = max(1, held * draw(st.sampled_from((10, 20, 35, 50))) // 100)
        settle = draw(st.integers(0, 2))
        build.add(
            build.make(
                Kind.STOCK_DIVIDEND, day, symbol=symbol, quantity=quantity, settle_days=settle
            )
        )
    elif action == "consolidate" and held > 1 and rules.bonus:
        # a reverse split old:1 (e.g. 10:1); the fraction is cancelled, one share at least stays
        old = draw(st.sampled_from((2, 3, 10)))
        remaining = held // old
        if remaining >= 1:
            build.add(
                build.make(Kind.SHARE_CONSOLIDATION, day, symbol=symbol, quantity=held - remaining)
            )
    elif action == "dividend" and held and rules.income and may_pay_out:
        per_share = draw(st.sampled_from((100, 500, 1_000, 1_234)))
        build.add(build.make(Kind.DIVIDEND, day, symbol=symbol, amount=held * per_share))
    elif action == "fee" and build.charges and may_pay_in:
        build.add(build.make(Kind.FEE, day, amount=draw(st.integers(1, 100_000))))
    elif action == "interest" and rules.income and may_pay_out:
        build.add(build.make(Kind.INTEREST, day, amount=draw(st.integers(1, 100_000))))
