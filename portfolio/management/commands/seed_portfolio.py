"""``manage.py seed_portfolio``: the demo user's portfolio with about 18 months of history.

Idempotent: when the portfolio already has transactions nothing is changed (``--reset`` rebuilds
it). Needs the ``demo`` user (``seed_demo``) and daily bars for VN30 (``seed_market``); without
bars it says so and does nothing, so an offline first start does not fail.

The history, on the first VN30 symbols that have bars over the whole window (FPT, VNM, HPG, MWG,
VCB preferred), at each day's stored close: a 1,000,000,000 VND deposit, a buy of each symbol in
the first weeks, a second deposit and top-up buys around month six, a cash dividend (2,000 VND a
share) around month eight, a partial sell around month ten, bonus shares (15%) and bank interest
around month twelve. Prices are the closes snapped to the exchange's tick grid (the daily history
is adjusted for corporate actions, so it can fall between ticks). Every row goes through ``services.transactions_apply``: one ledger check,
written all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from market.calendar import is_trading_day, round_to_tick, trading_days_between
from market.models import Instrument, InstrumentType
from market.selectors import daily_closes
from portfolio import services
from portfolio.models import Portfolio
from portfolio_site import accounts

PREFERRED = ("FPT", "VNM", "HPG", "MWG", "VCB", "TCB", "MBB", "ACB", "SSI", "VIC")
SYMBOLS_WANTED = 5
HISTORY_DAYS = 540
DEFAULT_NAME = "Demo portfolio"
FIRST_BUY_BUDGET = Decimal(150_000_000)
TOP_UP_BUDGET = Decimal(100_000_000)
LOT = 100


@dataclass
class Plan:
    rows: list[dict[str, Any]]
    holdings: dict[str, int]

    def add(self, day: date, kind: str, **fields: Any) -> None:
        self.rows.append(
            {
                "kind": kind,
                "trade_date": day,
                "external_id": f"demo-{len(self.rows) + 1:03d}",
                **fields,
            }
        )

    def buy(self, day: date, symbol: str, price: Decimal, budget: Decimal) -> None:
        quantity = max(LOT, int(budget / price) // LOT * LOT)
        self.add(day, "BUY", symbol=symbol, quantity=quantity, price=price, note="demo")
        self.holdings[symbol] = self.holdings.get(symbol, 0) + quantity


def _whole(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


class Command(BaseCommand):
    help = "Create the demo user's portfolio with ~18 months of valid history (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--name", default=DEFAULT_NAME)
        parser.add_argument("--reset", action="store_true", help="delete and rebuild it")

    def handle(self, *args: Any, **options: Any) -> None:
        user = accounts.user_find(username=options["username"])
        if user is None:
            raise CommandError(f"no user {options['username']!r}; run seed_demo first")
        existing = Portfolio.objects.filter(owner=user, name=options["name"]).first()
        if existing is not None and options["reset"]:
            services.portfolio_delete(portfolio=existing)
            existing = None
        if existing is not None and existing.transactions.exists():
            self.stdout.write(f"  portfolio {existing.name!r} already seeded; left as it is")
            return
        plan = self._plan()
        if plan is None:
            self.stdout.write(
                "  no daily history for VN30 yet (run seed_market); demo portfolio not seeded"
            )
            return
        with transaction.atomic():
            portfolio = existing or services.portfolio_create(
                owner=user,
                name=options["name"],
                description="Seeded demo: VN30 stocks over the last 18 months",
            )
            services.transactions_apply(
                portfolio=portfolio, batch=services.TransactionBatch(creates=plan.rows)
            )
        symbols = ", ".join(sorted(plan.holdings))
        self.stdout.write(
            f"  portfolio {portfolio.name!r}: {len(plan.rows)} transactions in {symbols}"
        )

    def _plan(self) -> Plan | None:
        today = services.market_today()
        start = today - timedelta(days=HISTORY_DAYS)
        exchanges = dict(
            Instrument.objects.filter(
                groups__code="VN30", is_active=True, type=InstrumentType.STOCK
            ).values_list("symbol", "exchange")
        )
        candidates = list(exchanges)
        ordered = [s for s in PREFERRED if s in candidates] + sorted(
            s for s in candidates if s not in PREFERRED
        )
        if not ordered:
            return None
        closes: dict[str, dict[date, Decimal]] = {}
        for symbol, day, close in daily_closes(symbols=ordered, start=start, end=today):
            if day >= start and is_trading_day(day):
                # Daily history is adjusted for corporate actions: snap it to the tick grid so
                # that the trades meet the exchange rules every write checks.
                closes.setdefault(symbol, {})[day] = round_to_tick(exchanges[symbol], _whole(close))
        trading_days = trading_days_between(start, today)
        covering = [s for s in ordered if len(closes.get(s, {})) >= 0.9 * len(trading_days)]
        symbols = covering[:SYMBOLS_WANTED]
        days = sorted(set.intersection(*(set(closes[s]) for s in symbols))) if symbols else []
        if len(symbols) < 3 or len(days) < 250:
            return None

        def at(fraction: float) -> date:
            return days[min(len(days) - 1, int(fraction * (len(days) - 1)))]

        plan = Plan(rows=[], holdings={})
        first = days[0]
        plan.add(first, "DEPOSIT", amount=Decimal(1_000_000_000), note="opening deposit")
        for index, symbol in enumerate(symbols):
            day = days[1 + 3 * index]
            plan.buy(day, symbol, closes[symbol][day], FIRST_BUY_BUDGET)
        top_up = at(0.33)
        plan.add(top_up, "DEPOSIT", amount=Decimal(300_000_000), note="top-up")
        for symbol in symbols[:2]:
            day = days[days.index(top_up) + 1]
            plan.buy(day, symbol, closes[symbol][day], TOP_UP_BUDGET)
        payer = symbols[1]
        plan.add(
            at(0.45),
            "DIVIDEND",
            symbol=payer,
            amount=Decimal(2_000 * plan.holdings[payer]),
            note="cash dividend 20% of par",
        )
        seller = symbols[2]
        sold = plan.holdings[seller] // 2 // LOT * LOT or LOT
        sell_day = at(0.6)
        plan.add(
            sell_day,
            "SELL",
            symbol=seller,
            quantity=sold,
            price=closes[seller][sell_day],
            note="take some profit",
        )
        plan.holdings[seller] -= sold
        grower = symbols[0]
        bonus = plan.holdings[grower] * 15 // 100
        plan.add(at(0.7), "STOCK_DIVIDEND", symbol=grower, quantity=bonus, note="15% bonus shares")
        plan.holdings[grower] += bonus
        plan.add(at(0.72), "INTEREST", amount=Decimal(250_000), note="interest on cash")
        return plan
