"""The ledger against the independent reference (tests/portfolio/reference/), on random histories.

Every history is valid under the document's rules; production must accept it and agree to the
đồng on quantities, cost basis, cash, realized P&L, fees, taxes and dividends. Amounts are compared
exactly up to 1e-6 VND (production keeps 50 significant digits, the reference is exact), which is
stricter than "to the đồng" and never sits on a rounding boundary. Under FIFO the open lots
are compared too, bonus shares included (spread over the open lots, the remainder to the oldest).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portfolio.ledger import (
    Kind,
    LedgerConfig,
    LedgerEntry,
    LedgerError,
    LedgerState,
    derive_fee,
    derive_tax,
    fold,
)
from tests.portfolio.reference.ledger import (
    CostMethod,
    ReferenceLedger,
    Refused,
    dividend_tax,
    replay,
    sell_tax,
    trade_fee,
)
from tests.portfolio.reference.scenarios import (
    DIVIDEND_TAX_RATE,
    SELL_TAX_RATE,
    Scenario,
    ledger_entry,
    scenarios,
)

TOLERANCE = Fraction(1, 10**6)  # VND
DIFFERENTIAL = settings(max_examples=40, derandomize=True, deadline=None, database=None)


def _close(production: Decimal, reference: Fraction) -> bool:
    return abs(Fraction(production) - reference) < TOLERANCE


def _fold(scenario: Scenario) -> LedgerState:
    config = LedgerConfig(cost_method=scenario.cost_method, track_cash=scenario.track_cash)
    return fold(scenario.entries, config=config)


def _replay(scenario: Scenario) -> ReferenceLedger:
    return replay(
        scenario.entries, cost_method=scenario.cost_method, track_cash=scenario.track_cash
    )


def _assert_totals_agree(state: LedgerState, ref: ReferenceLedger) -> None:
    for name in ("cash", "deposits", "withdrawals", "fees", "taxes", "dividends", "interest"):
        assert _close(getattr(state, name), getattr(ref, name)), name
    assert _close(state.fee_rows, ref.fee_rows)
    assert _close(state.net_flows, ref.net_flows)


def _assert_positions_agree(state: LedgerState, ref: ReferenceLedger, as_of: date) -> None:
    """Per symbol: shares, settled shares, income, charges, cost basis and realized P&L."""
    assert set(ref.positions) <= set(state.positions)
    for symbol in ref.positions:
        mine, theirs = ref.positions[symbol], state.positions[symbol]
        assert theirs.quantity == mine.quantity, symbol
        assert theirs.settled_quantity == mine.settled_quantity(as_of), symbol
        assert _close(theirs.dividends, mine.dividends), symbol
        assert _close(theirs.fees, mine.fees), symbol
        assert _close(theirs.taxes, mine.taxes), symbol
        assert _close(theirs.cost, mine.cost), symbol
        assert _close(theirs.realized, mine.realized), symbol
    assert _close(state.realized, ref.realized)
    assert _close(state.cost_basis, ref.cost_basis)


def _assert_lots_agree(state: LedgerState, ref: ReferenceLedger) -> None:
    """The open FIFO lots, oldest first: shares exactly, cost to TOLERANCE."""
    for symbol, mine in ref.positions.items():
        theirs = state.positions[symbol].lots
        assert [lot.quantity for lot in theirs] == [lot.quantity for lot in mine.lots], symbol
        for lot, own in zip(theirs, mine.lots, strict=True):
            assert _close(lot.cost, own.cost), symbol


def _as_of(scenario: Scenario) -> date:
    return max(e.trade_date for e in scenario.entries)


@pytest.mark.parametrize("cost_method", ["average", "fifo"])
@pytest.mark.parametrize("track_cash", [True, False], ids=["cash", "no-cash"])
@DIFFERENTIAL
@given(data=st.data())
def test_ledger_agrees_with_the_reference(
    cost_method: CostMethod, track_cash: bool, data: st.DataObject
) -> None:
    scenario = data.draw(scenarios(cost_method=cost_method, track_cash=track_cash))
    state, ref = _fold(scenario), _replay(scenario)
    _assert_totals_agree(state, ref)
    _assert_positions_agree(state, ref, _as_of(scenario))
    if cost_method == "fifo":
        _assert_lots_agree(state, ref)


@DIFFERENTIAL
@given(scenario=scenarios(cost_method="fifo", force_bonus=True))
def test_fifo_bonus_shares_dilute_the_open_lots_like_the_reference(scenario: Scenario) -> None:
    state, ref = _fold(scenario), _replay(scenario)
    _assert_totals_agree(state, ref)
    _assert_lots_agree(state, ref)
    _assert_positions_agree(state, ref, _as_of(scenario))


@pytest.mark.parametrize("cost_method", ["average", "fifo"])
@DIFFERENTIAL
@given(data=st.data())
def test_reverse_splits_shrink_positions_and_lots_like_the_reference(
    cost_method: CostMethod, data: st.DataObject
) -> None:
    scenario = data.draw(scenarios(cost_method=cost_method, force_consolidation=True))
    state, ref = _fold(scenario), _replay(scenario)
    _assert_totals_agree(state, ref)
    _assert_positions_agree(state, ref, _as_of(scenario))
    if cost_method == "fifo":
        _assert_lots_agree(state, ref)


# --- both refuse the same entries -----------------------------------------------------------------

_RAW_KINDS = (
    Kind.WITHDRAWAL,
    Kind.BUY,
    Kind.BUY,
    Kind.SELL,
    Kind.SELL,
    Kind.SELL,
    Kind.FEE,
    Kind.SHARE_CONSOLIDATION,
)


@st.composite
def raw_entries(draw: st.DrawFn) -> list[LedgerEntry]:
    """A deposit, then any trades and cash rows on four days, valid or not: sells of more than
    is held or has settled (T+2), withdrawals and fees beyond the cash, reverse splits taking
    every share held or more."""
    entries = [ledger_entry(0, Kind.DEPOSIT, date(2024, 1, 2), amount=draw(st.integers(1, 10**6)))]
    for n in range(1, draw(st.integers(2, 9))):
        kind = draw(st.sampled_from(_RAW_KINDS))
        day = date(2024, 1, draw(st.sampled_from((2, 3, 4, 5))))
        if kind in (Kind.BUY, Kind.SELL):
            quantity, settle = draw(st.integers(1, 300)), day + timedelta(days=2)
            entries.append(
                ledger_entry(n, kind, day, "AAA", quantity, price=1_000, settle_date=settle)
            )
        elif kind is Kind.SHARE_CONSOLIDATION:
            quantity = draw(st.integers(1, 300))
            entries.append(ledger_entry(n, kind, day, "AAA", quantity))
        else:
            entries.append(ledger_entry(n, kind, day, amount=draw(st.integers(1, 400_000))))
    return entries


@pytest.mark.parametrize("track_cash", [True, False], ids=["cash", "no-cash"])
@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(data=st.data())
def test_ledger_refuses_exactly_the_entries_the_reference_refuses(
    track_cash: bool, data: st.DataObject
) -> None:
    entries = data.draw(raw_entries())
    try:
        replay(entries, track_cash=track_cash)
        refused = None
    except Refused as exc:
        refused = (exc.entry.id, exc.code)
    try:
        fold(entries, config=LedgerConfig(track_cash=track_cash))
        production = None
    except LedgerError as exc:
        production = (exc.entry_id, str(exc.code))
    assert production == refused


# --- derived fees and taxes -----------------------------------------------------------------------


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(
    quantity=st.integers(1, 10**7),
    price=st.integers(1, 10**6),
    fee_rate=st.integers(0, 100).map(lambda n: Fraction(n, 10000)),
    amount=st.integers(1, 10**12),
)
def test_derived_fees_and_taxes_round_like_the_reference(
    quantity: int, price: int, fee_rate: Fraction, amount: int
) -> None:
    rate = Decimal(fee_rate.numerator) / fee_rate.denominator
    as_decimal = {"sell_tax_rate": Decimal("0.001"), "dividend_tax_rate": Decimal("0.05")}
    assert derive_fee(
        kind=Kind.BUY, quantity=quantity, price=Decimal(price), amount=Decimal(0), fee_rate=rate
    ) == trade_fee(quantity=quantity, price=Fraction(price), fee_rate=fee_rate)
    assert derive_tax(
        kind=Kind.SELL, quantity=quantity, price=Decimal(price), amount=Decimal(0), **as_decimal
    ) == sell_tax(quantity=quantity, price=Fraction(price), sell_tax_rate=SELL_TAX_RATE)
    assert derive_tax(
        kind=Kind.DIVIDEND, quantity=0, price=Decimal(0), amount=Decimal(amount), **as_decimal
    ) == dividend_tax(amount=Fraction(amount), dividend_tax_rate=DIVIDEND_TAX_RATE)


# --- the issue's hand-computed FIFO bonus scenario ----------------------------------------------


def _bonus_then_sell() -> list[LedgerEntry]:
    """BUY 1,000 at 30,000; a 50 % stock dividend; SELL 1,000 at 20,000 (0.1 % tax, no fees)."""
    return [
        ledger_entry(0, Kind.DEPOSIT, date(2024, 1, 2), amount=30_000_000),
        ledger_entry(1, Kind.BUY, date(2024, 1, 2), "AAA", 1_000, price=30_000),
        ledger_entry(2, Kind.STOCK_DIVIDEND, date(2024, 2, 1), "AAA", 500),
        ledger_entry(3, Kind.SELL, date(2024, 3, 1), "AAA", 1_000, price=20_000, tax=20_000),
    ]


@pytest.mark.parametrize("cost_method", ["average", "fifo"])
def test_reference_realizes_the_same_on_bonus_shares_under_both_methods(
    cost_method: CostMethod,
) -> None:
    # 1,500 shares cost 30,000,000: the 1,000 sold carry 20,000,000; proceeds 20,000,000 - 20,000
    ref = replay(_bonus_then_sell(), cost_method=cost_method)
    assert ref.realized == -20_000
    assert ref.positions["AAA"].cost == 10_000_000


def test_fifo_realizes_about_zero_on_the_issues_bonus_scenario() -> None:
    state = fold(_bonus_then_sell(), config=LedgerConfig(cost_method="fifo"))
    assert state.realized == -20_000


# --- how bonus shares are spread over FIFO lots ----------------------------------------------------


def _three_lots_and_a_bonus() -> list[LedgerEntry]:
    """Lots of 100, 100 and 100 shares (cost 1,000,000 each), then 50 bonus shares."""
    day = date(2024, 1, 2)
    entries = [ledger_entry(0, Kind.DEPOSIT, day, amount=3_000_000)]
    entries += [ledger_entry(n, Kind.BUY, day, "AAA", 100, price=10_000) for n in (1, 2, 3)]
    return [*entries, ledger_entry(4, Kind.STOCK_DIVIDEND, date(2024, 2, 1), "AAA", 50)]


def test_reference_spreads_bonus_shares_over_the_lots_remainder_to_the_oldest() -> None:
    # 50 x 100 / 300 = 16.67: 16 each, and the 2 left over go to the two oldest lots
    lots = replay(_three_lots_and_a_bonus(), cost_method="fifo").positions["AAA"].lots
    assert [(lot.quantity, lot.cost) for lot in lots] == [
        (117, 1_000_000),
        (117, 1_000_000),
        (116, 1_000_000),
    ]


def test_fifo_spreads_bonus_shares_over_the_lots_remainder_to_the_oldest() -> None:
    state = fold(_three_lots_and_a_bonus(), config=LedgerConfig(cost_method="fifo"))
    assert [(lot.quantity, lot.cost) for lot in state.positions["AAA"].lots] == [
        (117, 1_000_000),
        (117, 1_000_000),
        (116, 1_000_000),
    ]


# --- reverse splits (SHARE_CONSOLIDATION) --------------------------------------------------------


def _lots_then_consolidation(*sizes: int, taken: int) -> list[LedgerEntry]:
    """Lots of ``sizes`` shares at 10,000 (settled), then a reverse split taking ``taken``."""
    day = date(2024, 1, 2)
    entries = [ledger_entry(0, Kind.DEPOSIT, day, amount=10**9)]
    entries += [
        ledger_entry(n, Kind.BUY, day, "AAA", size, price=10_000, settle_date=day)
        for n, size in enumerate(sizes, start=1)
    ]
    consolidation = ledger_entry(
        len(entries), Kind.SHARE_CONSOLIDATION, date(2024, 2, 1), "AAA", taken
    )
    return [*entries, consolidation]


@pytest.mark.parametrize("engine", ["reference", "production"])
def test_a_10_to_1_reverse_split_shrinks_each_lot_keeping_its_cost(engine: str) -> None:
    # 1,005 shares in lots of 500, 300 and 205; 10:1 leaves floor(100.5) = 100: 905 taken.
    # floor(905 x 500 / 1,005) = 450 -> 50, 270 -> 30, 184 -> 21; one more from the largest lot
    entries = _lots_then_consolidation(500, 300, 205, taken=905)
    if engine == "reference":
        mine = replay(entries, cost_method="fifo").positions["AAA"]
        lots = [(lot.quantity, lot.cost) for lot in mine.lots]
        quantity, cost = mine.quantity, mine.cost
    else:
        position = fold(entries, config=LedgerConfig(cost_method="fifo")).positions["AAA"]
        lots = [(lot.quantity, lot.cost) for lot in position.lots]
        quantity, cost = position.quantity, position.cost
    assert lots == [(49, 5_000_000), (30, 3_000_000), (21, 2_050_000)]
    assert (quantity, cost) == (100, 10_050_000)


@pytest.mark.parametrize("cost_method", ["average", "fifo"])
def test_a_reverse_split_keeps_the_cost_and_raises_the_average(cost_method: CostMethod) -> None:
    state = fold(
        _lots_then_consolidation(1_000, taken=900), config=LedgerConfig(cost_method=cost_method)
    )
    position = state.positions["AAA"]
    assert (position.quantity, position.cost, position.avg_cost) == (100, 10_000_000, 100_000)
    assert state.realized == 0


def test_a_lot_a_reverse_split_empties_passes_its_cost_to_the_next() -> None:
    # three lots of one share: taking two leaves one; the emptied lots' cost joins the survivor
    entries = _lots_then_consolidation(1, 1, 1, taken=2)
    position = fold(entries, config=LedgerConfig(cost_method="fifo")).positions["AAA"]
    mine = replay(entries, cost_method="fifo").positions["AAA"]
    assert [(lot.quantity, lot.cost) for lot in position.lots] == [(1, 30_000)]
    assert [(lot.quantity, lot.cost) for lot in mine.lots] == [(1, 30_000)]


@pytest.mark.parametrize("taken", [1_000, 1_001])
def test_a_reverse_split_must_leave_a_share(taken: int) -> None:
    entries = _lots_then_consolidation(1_000, taken=taken)
    with pytest.raises(LedgerError) as raised:
        fold(entries, config=LedgerConfig())
    assert raised.value.code == "oversell"
    with pytest.raises(Refused):
        replay(entries)


def test_a_reverse_split_takes_settled_shares_first() -> None:
    # 1,000 settled + 1,000 bought the day before (settling later); 10:1 takes 1,800:
    # all 1,000 settled, then 800 of the pending; 200 left, settling with their purchase
    day = date(2024, 1, 2)
    entries = [
        ledger_entry(0, Kind.DEPOSIT, day, amount=10**9),
        ledger_entry(1, Kind.BUY, day, "AAA", 1_000, price=10_000, settle_date=day),
        ledger_entry(
            2, Kind.BUY, date(2024, 1, 31), "AAA", 1_000, price=10_000,
            settle_date=date(2024, 2, 2),
        ),
        ledger_entry(3, Kind.SHARE_CONSOLIDATION, date(2024, 2, 1), "AAA", 1_800),
    ]  # fmt: skip
    on_the_day = fold(entries, config=LedgerConfig(), as_of=date(2024, 2, 1)).positions["AAA"]
    settled = fold(entries, config=LedgerConfig(), as_of=date(2024, 2, 2)).positions["AAA"]
    assert (on_the_day.quantity, on_the_day.settled_quantity) == (200, 0)
    assert settled.settled_quantity == 200
    mine = replay(entries).positions["AAA"]
    assert (mine.settled_quantity(date(2024, 2, 1)), mine.settled_quantity(date(2024, 2, 2))) == (
        0,
        200,
    )
