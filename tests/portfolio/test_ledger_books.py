"""The per-symbol books: FIFO bonus-share dilution, realized P&L per sale and per closed position.

Every figure below is computed by hand (fees 0.15 %, sell tax 0.1 %, as `trade()` derives them).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.ledger import (
    LEDGER_PRECISION,
    ClosedPosition,
    Kind,
    LedgerConfig,
    LedgerEntry,
    LedgerError,
    LedgerErrorCode,
    fold,
)
from tests.portfolio.ledger_builders import entry, ledgers, trade

D = Decimal
AVERAGE = LedgerConfig(track_cash=False)
FIFO = LedgerConfig(cost_method="fifo", track_cash=False)
CONFIGS = {"average": AVERAGE, "fifo": FIFO}
TINY = D("1e-20")


def bonus(entry_id: int, day: date, symbol: str, quantity: int, **kw: object) -> LedgerEntry:
    return entry(entry_id, Kind.STOCK_DIVIDEND, day, symbol, quantity, **kw)  # type: ignore[arg-type]


# --- FIFO and bonus shares --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["average", "fifo"])
def test_fifo_bonus_shares_keep_the_cost_of_the_shares_they_join(method: str) -> None:
    # given 1,000 bought at 30,000 and a 50 % stock dividend (no fees, to keep it to the point)
    entries = [
        entry(1, Kind.BUY, date(2024, 1, 2), "VNM", 1_000, "30000"),
        bonus(2, date(2024, 1, 10), "VNM", 500),
        entry(3, Kind.SELL, date(2024, 1, 15), "VNM", 1_000, "20000"),
    ]

    # when 1,000 are sold at 20,000
    state = fold(entries, config=CONFIGS[method])

    # then both methods remove 2/3 of the 30,000,000 basis: realized 0, not -10,000,000
    position = state.positions["VNM"]
    assert position.realized == 0
    assert position.quantity == 500
    assert position.cost == D(10_000_000)


def test_fifo_bonus_shares_dilute_each_lot_in_proportion_with_the_remainder_to_the_oldest() -> None:
    # given three lots of 100, 200 and 300 shares
    entries = [
        entry(1, Kind.BUY, date(2024, 1, 2), "FPT", 100, "100000"),
        entry(2, Kind.BUY, date(2024, 1, 3), "FPT", 200, "110000"),
        entry(3, Kind.BUY, date(2024, 1, 4), "FPT", 300, "120000"),
        bonus(4, date(2024, 2, 1), "FPT", 100),
    ]

    # when 100 bonus shares arrive: 100*100//600 = 16, 100*200//600 = 33, 100*300//600 = 50,
    # so 99 are shared in proportion and the 1 left goes to the oldest lot
    lots = fold(entries, config=FIFO).positions["FPT"].lots

    # then each lot keeps its cost and its own dates
    assert [(lot.entry_id, lot.quantity, lot.cost) for lot in lots] == [
        (1, 117, D(10_000_000)),
        (2, 233, D(22_000_000)),
        (3, 350, D(36_000_000)),
    ]
    assert [lot.trade_date for lot in lots] == [
        date(2024, 1, 2),
        date(2024, 1, 3),
        date(2024, 1, 4),
    ]


def test_fifo_bonus_remainder_goes_one_share_at_a_time_to_the_oldest_lots() -> None:
    # given three equal lots, when 50 bonus shares arrive: 16 each and 2 left over
    entries = [
        entry(1, Kind.BUY, date(2024, 1, 2), "HPG", 100, "25000"),
        entry(2, Kind.BUY, date(2024, 1, 3), "HPG", 100, "26000"),
        entry(3, Kind.BUY, date(2024, 1, 4), "HPG", 100, "27000"),
        bonus(4, date(2024, 2, 1), "HPG", 50),
        # then selling 117 takes exactly the first lot, with its whole cost
        entry(5, Kind.SELL, date(2024, 2, 5), "HPG", 117, "30000"),
    ]

    position = fold(entries, config=FIFO).positions["HPG"]

    assert [lot.quantity for lot in position.lots] == [117, 116]
    assert position.realized == D(117 * 30_000 - 2_500_000)
    assert position.quantity == 233


def test_fifo_bonus_shares_settle_at_the_dividend_settle_date_whichever_lot_they_join() -> None:
    # given 100 settled shares and 20 bonus shares listing on 25 Jan
    entries = [
        entry(1, Kind.BUY, date(2024, 1, 2), "VNM", 100, "70000"),
        bonus(2, date(2024, 1, 10), "VNM", 20, settle_date=date(2024, 1, 25)),
    ]
    position = fold(entries, config=FIFO, as_of=date(2024, 1, 20)).positions["VNM"]
    assert [lot.quantity for lot in position.lots] == [120]
    assert position.settled_quantity == 100

    # when all 120 are sold before the bonus shares list, the sale is refused
    early = entry(3, Kind.SELL, date(2024, 1, 20), "VNM", 120, "71000")
    with pytest.raises(LedgerError) as refused:
        fold([*entries, early], config=FIFO)
    assert refused.value.code == LedgerErrorCode.UNSETTLED_SHARES
    assert refused.value.context == {"available": 100, "requested": 120}

    # and the 100 settled ones may go, taking 100/120 of the diluted lot's cost
    settled_part = entry(3, Kind.SELL, date(2024, 1, 20), "VNM", 100, "71000")
    after = fold([*entries, settled_part], config=FIFO, as_of=date(2024, 1, 20)).positions["VNM"]
    exact = Fraction(7_100_000) - Fraction(7_000_000 * 100, 120)
    assert abs(Fraction(after.realized) - exact) < Fraction(1, 10**40)
    assert after.settled_quantity == 0
    assert (
        fold([*entries, settled_part], config=FIFO, as_of=date(2024, 1, 25))
        .positions["VNM"]
        .settled_quantity
        == 20
    )


@pytest.mark.parametrize("method", ["average", "fifo"])
def test_bonus_shares_with_nothing_held_have_a_zero_basis_under_both_methods(method: str) -> None:
    # given a stock dividend recorded while nothing of the symbol is held
    entries = [
        bonus(1, date(2024, 1, 10), "SSI", 40),
        entry(2, Kind.SELL, date(2024, 1, 15), "SSI", 40, "30000"),
    ]

    # then the shares are held at zero cost and their sale realizes the whole proceeds
    state = fold(entries[:1], config=CONFIGS[method])
    assert state.positions["SSI"].quantity == 40
    assert state.positions["SSI"].cost == 0
    assert fold(entries, config=CONFIGS[method]).positions["SSI"].realized == D(1_200_000)


# --- realized P&L per sale and per closed position --------------------------------------------


def round_trip() -> list[LedgerEntry]:
    """Two buys, two sells that sell out, then a new buy."""
    return [
        trade(1, Kind.BUY, date(2024, 3, 1), "MWG", 1_000, 10_000),  # fee 15,000
        trade(2, Kind.BUY, date(2024, 3, 4), "MWG", 1_000, 12_000),  # fee 18,000
        trade(3, Kind.SELL, date(2024, 3, 6), "MWG", 500, 13_000),  # fee 9,750, tax 6,500
        trade(4, Kind.SELL, date(2024, 3, 8), "MWG", 1_500, 11_000),  # fee 24,750, tax 16,500
        trade(5, Kind.BUY, date(2024, 3, 11), "MWG", 300, 9_000),  # fee 4,050
    ]


@pytest.mark.parametrize(
    ("method", "first", "second"),
    [
        # average: 22,033,000 for 2,000; the first sale removes a quarter (5,508,250)
        ("average", (6_483_750, 5_508_250), (16_458_750, 16_524_750)),
        # FIFO: half of lot 1 (5,007,500), then its other half and all of lot 2 (17,025,500)
        ("fifo", (6_483_750, 5_007_500), (16_458_750, 17_025_500)),
    ],
)
def test_each_sale_records_what_it_realized_and_the_sales_add_up_to_the_total(
    method: str, first: tuple[int, int], second: tuple[int, int]
) -> None:
    state = fold(round_trip(), config=CONFIGS[method])
    sales = state.positions["MWG"].sales

    assert [(s.entry_id, s.quantity, s.gross, s.fee, s.tax, s.proceeds, s.cost) for s in sales] == [
        (3, 500, D(6_500_000), D(9_750), D(6_500), D(first[0]), D(first[1])),
        (4, 1_500, D(16_500_000), D(24_750), D(16_500), D(second[0]), D(second[1])),
    ]
    assert [s.realized for s in sales] == [D(first[0] - first[1]), D(second[0] - second[1])]
    assert sum(s.realized for s in sales) == state.realized == D(909_500)


@pytest.mark.parametrize("method", ["average", "fifo"])
def test_selling_everything_closes_the_position_and_a_rebuy_starts_a_new_one(method: str) -> None:
    entries = [
        *round_trip(),
        trade(6, Kind.SELL, date(2024, 3, 14), "MWG", 300, 9_500),  # fee 4,275, tax 2,850
        trade(7, Kind.BUY, date(2024, 3, 15), "MWG", 100, 9_000),
    ]

    position = fold(entries, config=CONFIGS[method]).positions["MWG"]

    assert list(position.closed) == [
        ClosedPosition(
            symbol="MWG",
            opened=date(2024, 3, 1),
            closed=date(2024, 3, 8),
            quantity=2_000,
            proceeds=D(22_942_500),
            cost=D(22_033_000),
            fees=D(15_000 + 18_000 + 9_750 + 24_750),
            taxes=D(6_500 + 16_500),
            realized_vnd=D(909_500),
        ),
        ClosedPosition(
            symbol="MWG",
            opened=date(2024, 3, 11),
            closed=date(2024, 3, 14),
            quantity=300,
            proceeds=D(2_850_000 - 4_275 - 2_850),
            cost=D(2_704_050),
            fees=D(4_050 + 4_275),
            taxes=D(2_850),
            realized_vnd=D(138_825),
        ),
    ]
    assert [c.realized for c in position.closed] == [D(909_500), D(138_825)]
    # the position open now is not closed, and the closed ones hold every realized đồng
    assert position.quantity == 100
    assert sum(c.realized for c in position.closed) == position.realized


def test_a_bonus_received_while_holding_is_part_of_the_closed_position_quantity() -> None:
    entries = [
        entry(1, Kind.BUY, date(2024, 1, 2), "VNM", 1_000, "30000"),
        bonus(2, date(2024, 1, 10), "VNM", 500),
        entry(3, Kind.SELL, date(2024, 1, 15), "VNM", 1_500, "20000"),
    ]

    (closed,) = fold(entries, config=FIFO).positions["VNM"].closed

    assert (closed.opened, closed.closed, closed.quantity) == (
        date(2024, 1, 2),
        date(2024, 1, 15),
        1_500,
    )
    assert closed.realized == D(0)


@settings(max_examples=100)
@given(ledgers, st.sampled_from(["average", "fifo"]))
def test_sales_and_closed_positions_account_for_every_realized_dong(
    entries: list[LedgerEntry], method: str
) -> None:
    # given any valid ledger (buys, sells, some selling out, bonus shares, dividends)
    state = fold(entries, config=LedgerConfig(cost_method=method, enforce_settlement=False))

    exact = localcontext(prec=LEDGER_PRECISION)  # sums kept separately differ in the last digits
    for position in state.positions.values():
        # then the sales add up to the symbol's realized P&L exactly
        with exact:
            assert sum((s.realized for s in position.sales), D(0)) == position.realized
        # and every position sold out is closed, ends on a sale and holds its sales' shares
        assert sum(c.quantity for c in position.closed) <= sum(s.quantity for s in position.sales)
        for closed in position.closed:
            assert closed.opened <= closed.closed
            assert any(s.trade_date == closed.closed for s in position.sales)
        if position.quantity == 0 and position.sales:
            with exact:
                closed_total = sum((c.realized for c in position.closed), D(0))
            assert abs(closed_total - position.realized) < TINY
        # and FIFO lots always hold exactly the shares and cost of the position
        if method == "fifo":
            assert sum(lot.quantity for lot in position.lots) == position.quantity
            with exact:
                lots_cost = sum((lot.cost for lot in position.lots), D(0))
            assert abs(lots_cost - position.cost) < TINY
