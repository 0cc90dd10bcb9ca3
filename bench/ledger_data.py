"""Synthetic but valid market data and ledgers for the benchmarks.

Prices: ~30 symbols, two years of weekday closes, a seeded random walk on whole VND in steps of
100 VND, each day's move inside HOSE's +/-7 % band. Ledgers: a day-by-day simulation that follows
the ledger's own rules (T+2 settlement, cash never below zero, average cost), so every generated
ledger folds without error -- `generate_ledger` checks that before it returns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from portfolio.ledger import Kind, LedgerConfig, LedgerEntry, derive_fee, derive_tax, fold
from portfolio.performance import PriceTable

SYMBOLS = (
    "ACB", "BCM", "BID", "BVH", "CTG", "FPT", "GAS", "GVR", "HDB", "HPG",
    "MBB", "MSN", "MWG", "PLX", "POW", "SAB", "SHB", "SSB", "SSI", "STB",
    "TCB", "TPB", "VCB", "VHM", "VIB", "VIC", "VJC", "VNM", "VPB", "VRE",
)  # fmt: skip
FIRST_DAY = date(2024, 1, 2)
LAST_DAY = date(2025, 12, 31)
FEE_RATE = Decimal("0.0015")
SELL_TAX_RATE = Decimal("0.001")
DIVIDEND_TAX_RATE = Decimal("0.05")
PRICE_STEP = 100  # VND; on every HOSE tick grid


def weekdays(first: date = FIRST_DAY, last: date = LAST_DAY) -> list[date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class MarketHistory:
    days: list[date]
    symbols: tuple[str, ...]
    closes: np.ndarray  # days x symbols, whole VND as float

    def close(self, day_index: int, symbol_index: int) -> Decimal:
        return Decimal(int(self.closes[day_index, symbol_index]))

    def price_table(self) -> PriceTable:
        return PriceTable(
            dates=np.asarray(self.days, dtype="datetime64[D]"),
            symbols=self.symbols,
            closes=self.closes.astype(np.float64),
        )


def generate_history(
    *,
    seed: int = 7,
    symbols: tuple[str, ...] = SYMBOLS,
    first: date = FIRST_DAY,
    last: date = LAST_DAY,
) -> MarketHistory:
    rng = np.random.default_rng(seed)
    days = weekdays(first, last)
    start = rng.integers(100, 1500, size=len(symbols)) * PRICE_STEP  # 10,000 - 150,000 VND
    moves = np.clip(rng.normal(0.0003, 0.018, size=(len(days), len(symbols))), -0.069, 0.069)
    moves[0] = 0.0
    raw = start * np.cumprod(1.0 + moves, axis=0)
    closes = np.maximum(np.round(raw / PRICE_STEP) * PRICE_STEP, PRICE_STEP)
    return MarketHistory(days=days, symbols=symbols, closes=closes)


class _Holding:
    __slots__ = ("pending", "quantity")

    def __init__(self) -> None:
        self.quantity = 0
        self.pending: list[tuple[int, int]] = []  # (settle day index, quantity)

    def settled(self, day: int) -> int:
        self.pending = [(d, q) for d, q in self.pending if d > day]
        return self.quantity - sum(q for _, q in self.pending)


def generate_ledger(
    count: int, *, history: MarketHistory, seed: int = 11, check: bool = True
) -> list[LedgerEntry]:
    """`count` valid entries spread evenly over the history's days (T+2, cash-checked).

    The mix is trading-heavy (about 45 % buys, 35 % sells) with deposits when cash runs short,
    cash and stock dividends, fees, interest and withdrawals.
    """
    rng = random.Random(seed)
    days = history.days
    settle_index = [min(i + 2, len(days) - 1) for i in range(len(days))]
    holdings = {s: _Holding() for s in history.symbols}
    cash = Decimal(0)
    entries: list[LedgerEntry] = []

    def add(kind: Kind, day: int, **fields: object) -> None:
        values: dict[str, object] = {
            "symbol": "",
            "quantity": 0,
            "price": Decimal(0),
            "amount": Decimal(0),
            "fee": Decimal(0),
            "tax": Decimal(0),
        }
        values.update(fields)
        entries.append(
            LedgerEntry(
                id=len(entries) + 1,
                kind=kind,
                trade_date=days[day],
                settle_date=days[settle_index[day]] if kind in _SETTLING else days[day],
                sequence=len(entries),
                **values,  # type: ignore[arg-type]
            )
        )

    per_day = count / len(days)
    owed = 0.0
    add(Kind.DEPOSIT, 0, amount=Decimal(5_000_000_000))
    cash += Decimal(5_000_000_000)
    kinds = (Kind.BUY, Kind.SELL, Kind.DIVIDEND, Kind.STOCK_DIVIDEND, Kind.DEPOSIT,
             Kind.WITHDRAWAL, Kind.FEE, Kind.INTEREST)  # fmt: skip
    weights = (45, 35, 5, 3, 4, 2, 3, 3)
    for day in range(len(days)):
        owed += per_day
        while owed >= 1 and len(entries) < count:
            owed -= 1
            kind = rng.choices(kinds, weights)[0]
            held = [s for s, h in holdings.items() if h.quantity > 0]
            if kind in (Kind.SELL, Kind.DIVIDEND, Kind.STOCK_DIVIDEND) and not held:
                kind = Kind.BUY
            if kind is Kind.SELL:
                sellable = [(s, q) for s in held if (q := holdings[s].settled(day)) > 0]
                if not sellable:
                    kind = Kind.BUY
                else:
                    symbol, settled = rng.choice(sellable)
                    quantity = min(settled, 100 * rng.randint(1, 10))
                    price = history.close(day, history.symbols.index(symbol))
                    fee = derive_fee(
                        kind=kind, quantity=quantity, price=price, amount=Decimal(0),
                        fee_rate=FEE_RATE,
                    )  # fmt: skip
                    tax = derive_tax(
                        kind=kind, quantity=quantity, price=price, amount=Decimal(0),
                        sell_tax_rate=SELL_TAX_RATE, dividend_tax_rate=DIVIDEND_TAX_RATE,
                    )  # fmt: skip
                    holding = holdings[symbol]
                    holding.quantity -= quantity
                    # Sold shares come out of settled ones; pending entries stay as they are.
                    cash += price * quantity - fee - tax
                    add(kind, day, symbol=symbol, quantity=quantity, price=price, fee=fee, tax=tax)
                    continue
            if kind is Kind.BUY:
                symbol = rng.choice(history.symbols)
                quantity = 100 * rng.randint(1, 20)
                price = history.close(day, history.symbols.index(symbol))
                fee = derive_fee(
                    kind=kind, quantity=quantity, price=price, amount=Decimal(0), fee_rate=FEE_RATE
                )
                cost = price * quantity + fee
                if cost > cash:
                    top_up = (cost - cash + Decimal(1_000_000_000)).quantize(Decimal(1))
                    add(Kind.DEPOSIT, day, amount=top_up)
                    cash += top_up
                    if len(entries) >= count:
                        break
                cash -= cost
                holdings[symbol].quantity += quantity
                holdings[symbol].pending.append((settle_index[day], quantity))
                add(kind, day, symbol=symbol, quantity=quantity, price=price, fee=fee)
            elif kind is Kind.DIVIDEND:
                symbol = rng.choice(held)
                amount = Decimal(holdings[symbol].quantity * rng.choice((500, 1000, 1500)))
                tax = derive_tax(
                    kind=kind, quantity=0, price=Decimal(0), amount=amount,
                    sell_tax_rate=SELL_TAX_RATE, dividend_tax_rate=DIVIDEND_TAX_RATE,
                )  # fmt: skip
                cash += amount - tax
                add(kind, day, symbol=symbol, amount=amount, tax=tax)
            elif kind is Kind.STOCK_DIVIDEND:
                symbol = rng.choice(held)
                quantity = max(1, holdings[symbol].quantity // 10)
                holdings[symbol].quantity += quantity
                holdings[symbol].pending.append((settle_index[day], quantity))
                add(kind, day, symbol=symbol, quantity=quantity)
            elif kind is Kind.DEPOSIT:
                amount = Decimal(rng.randint(1, 50) * 10_000_000)
                cash += amount
                add(kind, day, amount=amount)
            elif kind in (Kind.WITHDRAWAL, Kind.FEE):
                ceiling = int(cash // 10) if kind is Kind.WITHDRAWAL else min(int(cash), 500_000)
                if ceiling < 1:
                    continue  # nothing to take out today; the slot stays unused
                amount = Decimal(rng.randint(1, ceiling))
                cash -= amount
                add(kind, day, amount=amount)
            else:  # INTEREST
                amount = Decimal(rng.randint(1_000, 2_000_000))
                cash += amount
                add(kind, day, amount=amount)
    if check:
        fold(entries, config=LedgerConfig(cost_method="average"))
        fold(entries, config=LedgerConfig(cost_method="fifo"))
    return entries


_SETTLING = frozenset({Kind.BUY, Kind.SELL, Kind.STOCK_DIVIDEND, Kind.DIVIDEND})
