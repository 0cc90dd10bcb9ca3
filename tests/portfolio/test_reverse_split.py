"""Reverse splits booked: the entitlement takes shares away (floor, the fraction cancelled with
its cost kept), applying books one SHARE_CONSOLIDATION, and between the ex-date and the booking
the shares taken away count against the value, so the price's jump is no gain (PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from market.models import CorporateEvent, Instrument
from portfolio import services
from portfolio.ledger import LedgerConfig, fold
from portfolio.models import Portfolio, Transaction
from portfolio.performance import PriceTable, Receivable, compute_performance
from portfolio.services.entitlements import entitlement_apply, entitlements_sync
from tests.portfolio.ledger_builders import entry

EX = date(2026, 6, 15)  # a Monday
LISTED = date(2026, 7, 10)
TODAY = date(2026, 7, 20)


def reverse_split(instrument: Instrument, **terms: Any) -> CorporateEvent:
    fields: dict[str, Any] = {
        "kind": "reverse_split",
        "ex_date": EX,
        "record_date": date(2026, 6, 16),
        "payment_date": LISTED,
        "ratio_old": 10,
        "ratio_new": 1,
        "source": "manual",
    }
    fields.update(terms)
    return CorporateEvent.objects.create(instrument=instrument, **fields)


@pytest.fixture
def holding(portfolio: Portfolio) -> Portfolio:
    services.transaction_record(
        portfolio=portfolio, kind="DEPOSIT", amount=Decimal(50_000_000), trade_date=date(2026, 5, 4)
    )
    services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        symbol="FPT",
        quantity=1_005,
        price=Decimal(10_000),
        fee=Decimal(0),
        trade_date=date(2026, 6, 1),
    )
    return portfolio


@pytest.mark.django_db
def test_a_10_to_1_reverse_split_books_the_shares_it_takes_away_keeping_the_cost(
    holding: Portfolio, instruments: dict[str, Instrument]
) -> None:
    reverse_split(instruments["FPT"])
    (entitlement,) = entitlements_sync(portfolio=holding, today=TODAY)
    # floor(1,005 / 10) = 100 remain: 905 taken away, the half share cancelled with the rest
    assert (entitlement.shares_held, entitlement.new_shares) == (1_005, -905)

    entitlement_apply(portfolio=holding, entitlement_id=entitlement.pk, today=TODAY)
    entitlement_apply(portfolio=holding, entitlement_id=entitlement.pk, today=TODAY)

    (row,) = Transaction.objects.filter(kind="SHARE_CONSOLIDATION")
    assert (row.quantity, row.trade_date, row.entitlement_id) == (905, LISTED, entitlement.pk)
    state = fold(services.ledger_entries(portfolio=holding), config=services.ledger_config(holding))
    position = state.positions["FPT"]
    assert (position.quantity, position.cost) == (100, Decimal(10_050_000))
    assert position.avg_cost == Decimal(100_500)


@pytest.mark.django_db
def test_a_holding_too_small_for_one_new_share_gets_nothing_booked(
    portfolio: Portfolio, instruments: dict[str, Instrument]
) -> None:
    services.transaction_record(
        portfolio=portfolio, kind="DEPOSIT", amount=Decimal(50_000), trade_date=date(2026, 5, 4)
    )
    services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        symbol="FPT",
        quantity=5,
        price=Decimal(10_000),
        fee=Decimal(0),
        trade_date=date(2026, 6, 1),
    )
    reverse_split(instruments["FPT"])
    assert entitlements_sync(portfolio=portfolio, today=TODAY) == []


@pytest.mark.django_db
def test_a_consolidation_typed_by_hand_goes_through_the_api(
    auth_client: Any, holding: Portfolio
) -> None:
    url = f"/api/portfolios/{holding.pk}/transactions/"
    body = {"kind": "SHARE_CONSOLIDATION", "symbol": "FPT", "quantity": "905",
            "trade_date": "2026-07-10"}  # fmt: skip
    created = auth_client.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    everything = auth_client.post(url, {**body, "quantity": "100"}, format="json")
    assert everything.status_code == 422
    assert everything.json()["error"]["code"] == "oversell"
    holdings = auth_client.get(f"/api/portfolios/{holding.pk}/holdings/").json()["results"]
    assert [(h["quantity"], h["cost_basis"]) for h in holdings] == [("100", "10050000")]


def test_between_the_ex_date_and_the_booking_the_twr_stays_flat() -> None:
    # 1,000 shares at 10,000; 10:1 goes ex and the price becomes 100,000; booked 20 days later
    start = date(2026, 6, 1)
    booked = EX + timedelta(days=20)
    end = booked + timedelta(days=7)
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    prices = PriceTable.from_closes(
        {"FPT": [(d, 10_000 if d < EX else 100_000) for d in days if d.weekday() < 5]}
    )
    entries = [
        entry(1, "DEPOSIT", start, amount="10000000"),
        entry(2, "BUY", start, "FPT", 1_000, "10000"),
        entry(3, "SHARE_CONSOLIDATION", booked, "FPT", 900),
    ]
    pending = [Receivable("FPT", EX, booked, shares=-900)]

    result = compute_performance(
        entries=entries,
        prices=prices,
        start=start,
        end=end,
        config=LedgerConfig(),
        receivables=pending,
    )

    assert result.twr == 0.0
    assert set(result.values) == {Decimal(10_000_000)}
