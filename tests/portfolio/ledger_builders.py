"""Building ledger entries for tests: one-line constructors and a hypothesis strategy for valid ledgers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from portfolio.ledger import Kind, LedgerEntry, cash_effect, derive_fee, derive_tax

D = Decimal
FEE_RATE = D("0.0015")
SELL_TAX_RATE = D("0.001")
DIVIDEND_TAX_RATE = D("0.05")


def entry(
    entry_id: object,
    kind: Kind | str,
    trade_date: date,
    symbol: str = "",
    quantity: int = 0,
    price: Decimal | str = "0",
    *,
    amount: Decimal | str = "0",
    fee: Decimal | str = "0",
    tax: Decimal | str = "0",
    settle_date: date | None = None,
    sequence: int = 0,
) -> LedgerEntry:
    return LedgerEntry(
        id=entry_id,
        kind=Kind(kind),
        symbol=symbol,
        quantity=quantity,
        price=D(price),
        amount=D(amount),
        fee=D(fee),
        tax=D(tax),
        trade_date=trade_date,
        settle_date=settle_date or trade_date,
        sequence=sequence,
    )


def trade(
    entry_id: object,
    kind: Kind,
    trade_date: date,
    symbol: str,
    quantity: int,
    price: int,
    *,
    settle_date: date | None = None,
    sequence: int = 0,
) -> LedgerEntry:
    """A BUY or SELL with fee and tax derived at the scenario's rates, settling T+2 calendar days."""
    fee = derive_fee(kind=kind, quantity=quantity, price=D(price), amount=D(0), fee_rate=FEE_RATE)
    tax = derive_tax(
        kind=kind,
        quantity=quantity,
        price=D(price),
        amount=D(0),
        sell_tax_rate=SELL_TAX_RATE,
        dividend_tax_rate=DIVIDEND_TAX_RATE,
    )
    return entry(
        entry_id,
        kind,
        trade_date,
        symbol,
        quantity,
        D(price),
        fee=fee,
        tax=tax,
        settle_date=settle_date or trade_date + timedelta(days=2),
        sequence=sequence,
    )


SYMBOLS = ("AAA", "BBB", "CCC")
START = date(2024, 1, 1)

# Trades are listed more than once so that they are drawn more often.
ACTIONS = (
    "deposit",
    "withdraw",
    "buy",
    "buy",
    "sell",
    "sell",
    "sell",
    "bonus",
    "dividend",
    "fee",
    "interest",
)
# (action, symbol, size, unit): each action reads size and unit in its own way.
intent = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from(SYMBOLS),
    st.integers(1, 10**9),
    st.integers(1, 2000),
)


def valid_ledger(intents: list[tuple[str, str, int, int]], gaps: list[int]) -> list[LedgerEntry]:
    """Turn intents into a valid ledger: sells take a share of the holding, deposits cover buys."""
    entries: list[LedgerEntry] = []
    held = dict.fromkeys(SYMBOLS, 0)
    cash = 0
    day = START

    def add(made: LedgerEntry) -> None:
        nonlocal cash
        delta = int(cash_effect(made))
        if cash + delta < 0:  # top up first, the same day
            entries.append(
                entry(
                    len(entries),
                    Kind.DEPOSIT,
                    day,
                    amount=D(-(cash + delta)),
                    sequence=len(entries),
                )
            )
            cash = -delta
        entries.append(replace(made, id=len(entries), sequence=len(entries), settle_date=day))
        cash += delta
        if made.kind is Kind.SELL:
            held[made.symbol] -= made.quantity
        elif made.kind in (Kind.BUY, Kind.STOCK_DIVIDEND):
            held[made.symbol] += made.quantity

    for n, (action, symbol, size, unit) in enumerate(intents):
        day = day + timedelta(days=gaps[n % len(gaps)])
        if action == "deposit":
            add(entry(0, Kind.DEPOSIT, day, amount=D(size)))
        elif action == "withdraw" and cash * (size % 101) // 100 > 0:
            add(entry(0, Kind.WITHDRAWAL, day, amount=D(cash * (size % 101) // 100)))
        elif action == "buy":
            add(trade(0, Kind.BUY, day, symbol, size % 2000 + 1, unit * 100))
        elif action == "sell" and held[symbol] * min(size % 130, 100) // 100 > 0:
            # about one sale in four sells out the whole holding
            quantity = held[symbol] * min(size % 130, 100) // 100
            add(trade(0, Kind.SELL, day, symbol, quantity, unit * 100))
        elif action == "bonus":
            add(entry(0, Kind.STOCK_DIVIDEND, day, symbol, size % 100 + 1))
        elif action == "dividend":
            amount = D(size % 10**7 + 1)
            tax = derive_tax(
                kind=Kind.DIVIDEND,
                quantity=0,
                price=D(0),
                amount=amount,
                sell_tax_rate=SELL_TAX_RATE,
                dividend_tax_rate=DIVIDEND_TAX_RATE,
            )
            add(entry(0, Kind.DIVIDEND, day, symbol, amount=amount, tax=tax))
        elif action == "fee":
            add(entry(0, Kind.FEE, day, amount=D(size % 10**6 + 1)))
        elif action == "interest":
            add(entry(0, Kind.INTEREST, day, amount=D(size % 10**6 + 1)))
    return entries


ledgers = st.builds(
    valid_ledger,
    st.lists(intent, max_size=40),
    st.lists(st.integers(0, 5), min_size=1, max_size=5),
)
