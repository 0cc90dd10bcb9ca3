"""Properties of the valuation for random ledgers and prices: the lines add up to the totals.

The expected day change of each line is recomputed here from the ledger entries, straight from the
definition (README "Portfolio numbers", after portfolio-maths.md "Today's P&L"), not from
``portfolio.valuation``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from market.calendar import VN_TZ
from portfolio.ledger import Kind, LedgerConfig, LedgerEntry, fold
from portfolio.returns import linked_modified_dietz
from portfolio.selectors import LedgerSnapshot
from portfolio.valuation import (
    PendingEntitlement,
    PricePoint,
    allocation_slices,
    day_flows_from,
    money,
    valuation_compute,
    valued_symbols,
)
from tests.portfolio.ledger_builders import ledgers

CONFIGS = [
    LedgerConfig(enforce_settlement=False),
    LedgerConfig(cost_method="fifo", enforce_settlement=False),
    LedgerConfig(enforce_settlement=False, track_cash=False),
]
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# A price point per symbol: none, a daily close (no reference) or a quote on a day near the last
# entry (offset in days), with prices that may carry cents.
price_draws = st.tuples(
    st.sampled_from(["none", "close", "quote", "quote", "quote"]),
    st.integers(1, 10**7),
    st.integers(1, 10**7),
    st.booleans(),
    st.integers(-3, 1),
)


def snapshot_of(entries: list[LedgerEntry], config: LedgerConfig) -> LedgerSnapshot:
    last = max((e.trade_date for e in entries), default=NOW.date())
    return LedgerSnapshot(
        state=fold(entries, config=config, as_of=last),
        first_date=min((e.trade_date for e in entries), default=None),
        returns=linked_modified_dietz(entries, track_cash=config.track_cash, end=last),
        computed_at=NOW,
        day_flows=day_flows_from(entries),
    )  # fmt: skip


def price_point(draw: tuple[str, int, int, bool, int], last: date) -> PricePoint | None:
    kind, price, reference, cents, offset = draw
    scale = Decimal("0.01") if cents else Decimal(100)
    as_of = datetime.combine(last + timedelta(days=offset), time(10), tzinfo=VN_TZ)
    if kind == "none":
        return None
    if kind == "close":
        return PricePoint(price * scale, None, as_of, "close")
    return PricePoint(price * scale, reference * scale, as_of, "quote")


def expected_day_change(
    entries: list[LedgerEntry], symbol: str, price: PricePoint | None
) -> Decimal | None:
    """quantity_now x last + today's sells - quantity at the close before x reference - today's
    buys, where bonus shares booked today count with the shares held at the close."""
    if price is None or price.reference is None:
        return None
    day = price.as_of.astimezone(VN_TZ).date()
    mine = [e for e in entries if e.symbol == symbol]
    signed = {Kind.BUY: 1, Kind.STOCK_DIVIDEND: 1, Kind.SELL: -1}
    now = sum(signed.get(e.kind, 0) * e.quantity for e in mine)
    before = sum(signed.get(e.kind, 0) * e.quantity for e in mine if e.trade_date < day)
    bonus = sum(e.quantity for e in mine if e.kind is Kind.STOCK_DIVIDEND and e.trade_date >= day)
    today = [e for e in mine if e.trade_date >= day]
    bought = sum((e.quantity * e.price for e in today if e.kind is Kind.BUY), Decimal(0))
    sold = sum((e.quantity * e.price for e in today if e.kind is Kind.SELL), Decimal(0))
    return now * price.price + sold - (before + bonus) * price.reference - bought


@settings(max_examples=150, deadline=None)
@given(
    entries=ledgers,
    config=st.sampled_from(CONFIGS),
    draws=st.lists(price_draws, min_size=3, max_size=3),
)
def test_holdings_and_day_change_lines_add_up_to_the_summary(
    entries: list[LedgerEntry],
    config: LedgerConfig,
    draws: list[tuple[str, int, int, bool, int]],
) -> None:
    snapshot = snapshot_of(entries, config)
    last = max((e.trade_date for e in entries), default=NOW.date())
    symbols = valued_symbols(snapshot)
    prices = {
        symbol: point
        for symbol, draw in zip(symbols, draws, strict=False)
        if (point := price_point(draw, last)) is not None
    }

    valuation = valuation_compute(snapshot=snapshot, prices=prices, instruments={})
    holdings, summary = valuation.holdings, valuation.summary

    def total(name: str) -> Decimal:
        return sum((getattr(h, name) for h in holdings), Decimal(0))

    assert total("cost_basis") == summary.cost_basis
    assert total("market_value") == summary.market_value
    assert total("unrealized_pnl") == summary.unrealized_pnl
    # realized P&L: each sale rounded once; positions and the summary add up the sales as shown
    positions = snapshot.state.positions.values()
    for position in positions:
        shown_sales = sum((money(sale.realized) for sale in position.sales), Decimal(0))
        assert position.realized_vnd == shown_sales
    assert summary.realized_pnl == sum((p.realized_vnd for p in positions), Decimal(0))
    day_lines = [h.day_change for h in holdings] + [c.day_change for c in summary.day_closed]
    assert sum((d for d in day_lines if d is not None), Decimal(0)) == summary.day_change
    for line in [*holdings, *summary.day_closed]:
        expected = expected_day_change(entries, line.symbol, prices.get(line.symbol))
        assert line.day_change == (None if expected is None else money(expected)), line.symbol
    closed = {c.symbol for c in summary.day_closed}
    for symbol, point in prices.items():
        expected = expected_day_change(entries, symbol, point)
        if symbol not in {h.symbol for h in holdings} and expected:
            assert symbol in closed  # a symbol sold out on its quote's day keeps its line
    shown = [summary.cost_basis, summary.market_value, summary.day_change, summary.total_value]
    shown += [h.unrealized_pnl for h in holdings] + [h.realized_pnl for h in holdings]
    assert not any(str(value).startswith("-0") for value in shown)
    slices = allocation_slices(valuation=valuation, by="symbol")
    assert [(s.key, s.weight) for s in slices if s.key != "CASH"] == [
        (h.symbol, h.weight) for h in sorted(holdings, key=lambda h: (-h.market_value, h.symbol))
    ]


def test_a_quote_older_than_the_kept_trade_days_has_no_day_change_rather_than_a_wrong_one() -> None:
    # given ten trade days of FPT (one BUY of 100 a day), of which the ledger keeps the newest eight
    days = [date(2026, 2, 2) + timedelta(days=n) for n in range(10)]
    entries = [
        LedgerEntry(n, Kind.BUY, "FPT", 100, Decimal(10_000), Decimal(0), Decimal(0),
                    Decimal(0), day, day)
        for n, day in enumerate(days)
    ]  # fmt: skip
    snapshot = snapshot_of(entries, CONFIGS[2])

    def day_change(quote_day: date) -> Decimal | None:
        as_of = datetime.combine(quote_day, time(10), tzinfo=VN_TZ)
        point = PricePoint(Decimal(11_000), Decimal(10_500), as_of, "quote")
        result = valuation_compute(snapshot=snapshot, prices={"FPT": point}, instruments={})
        return result.holdings[0].day_change

    # a quote on the first day: its buys are no longer known line by line
    assert day_change(days[0]) is None
    # a quote on the third of the ten days (the oldest kept): 800 bought since at 10,000
    # 1,000 x 11,000 - 200 x 10,500 - 800 x 10,000 = 900,000
    assert day_change(days[2]) == Decimal(900_000)


# Pending entitlements on the valued symbols: (shares, net cash, ex-date offset from the last
# entry's day, close before the ex-date or none).
pending_draws = st.tuples(
    st.integers(-500, 500),
    st.integers(0, 10**8),
    st.integers(-3, 1),
    st.one_of(st.none(), st.integers(1, 10**7)),
)


@settings(max_examples=150, deadline=None)
@given(
    entries=ledgers,
    config=st.sampled_from(CONFIGS),
    draws=st.lists(price_draws, min_size=3, max_size=3),
    pending_drawn=st.lists(pending_draws, min_size=3, max_size=3),
)
def test_pending_entitlements_join_the_totals_and_the_client_can_redo_each_day_line(
    entries: list[LedgerEntry],
    config: LedgerConfig,
    draws: list[tuple[str, int, int, bool, int]],
    pending_drawn: list[tuple[int, int, int, int | None]],
) -> None:
    snapshot = snapshot_of(entries, config)
    last = max((e.trade_date for e in entries), default=NOW.date())
    symbols = valued_symbols(snapshot) or ["FPT"]
    prices = {
        symbol: point
        for symbol, draw in zip(symbols, draws, strict=False)
        if (point := price_point(draw, last)) is not None
    }
    pending = [
        PendingEntitlement(
            symbol=symbol,
            ex_date=last + timedelta(days=offset),
            shares=shares,
            cash=Decimal(cash),
            close_before=None if close is None else Decimal(close),
        )
        for symbol, (shares, cash, offset, close) in zip(symbols, pending_drawn, strict=False)
    ]

    valuation = valuation_compute(snapshot=snapshot, prices=prices, instruments={}, pending=pending)
    holdings, summary = valuation.holdings, valuation.summary

    receivables = summary.receivables
    assert receivables.total == receivables.cash + receivables.shares_value
    cash = summary.cash if summary.cash is not None else Decimal(0)
    assert summary.total_value == summary.market_value + cash + receivables.total
    assert sum((h.pending_cash for h in holdings), Decimal(0)) <= receivables.cash
    day_lines = [h.day_change for h in holdings] + [c.day_change for c in summary.day_closed]
    assert sum((d for d in day_lines if d is not None), Decimal(0)) == summary.day_change
    for h in holdings:
        if h.day_change is None:
            continue
        point = prices[h.symbol]
        assert h.reference_price is not None
        assert h.day_base_quantity is not None
        assert h.day_bought_value is not None
        assert h.day_sold_value is not None
        redone = (
            (h.quantity + h.pending_shares) * point.price
            + h.pending_cash
            + h.day_sold_value
            - h.day_base_quantity * h.reference_price
            - (h.day_pending_base or 0)
            - h.day_bought_value
        )
        assert h.day_change == money(redone), h.symbol
    slices = allocation_slices(valuation=valuation, by="symbol")
    keys = [s.key for s in slices]
    assert ("RECEIVABLES" in keys) == (receivables.total > 0)
