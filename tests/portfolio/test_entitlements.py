"""Entitlements from corporate events: hand-computed terms, statuses, booking exactly once,
corrections, hand-typed rows matched, rights exercised or lapsed, auto-apply (PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from market.models import CorporateEvent, Instrument
from portfolio import services
from portfolio.ledger import fold
from portfolio.models import Entitlement, Portfolio, Transaction
from portfolio.services.entitlement_jobs import entitlements_daily
from portfolio.services.entitlements import (
    entitlement_apply,
    entitlement_exercise,
    entitlements_sync,
    entitlements_sync_event,
)
from portfolio_site.errors import Conflict, DomainError, RuleViolation

pytestmark = pytest.mark.django_db

EX = date(2026, 6, 15)  # a Monday
BEFORE_EX = date(2026, 6, 12)  # the Friday before: still entitled
PAY = date(2026, 7, 10)
TODAY = date(2026, 7, 20)


def event(instrument: Instrument, **terms: Any) -> CorporateEvent:
    fields: dict[str, Any] = {
        "kind": "cash_dividend",
        "ex_date": EX,
        "record_date": date(2026, 6, 16),
        "payment_date": PAY,
        "cash_per_share": Decimal(2_000),
        "source": "manual",
    }
    fields.update(terms)
    return CorporateEvent.objects.create(instrument=instrument, **fields)


def buy(portfolio: Portfolio, quantity: int, day: date, symbol: str = "FPT") -> Transaction:
    return services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        symbol=symbol,
        quantity=quantity,
        price=Decimal(30_000),
        fee=Decimal(0),
        trade_date=day,
    )


@pytest.fixture
def funded(portfolio: Portfolio) -> Portfolio:
    services.transaction_record(
        portfolio=portfolio,
        kind="DEPOSIT",
        amount=Decimal(500_000_000),
        trade_date=date(2026, 5, 4),
    )
    return portfolio


def only(portfolio: Portfolio) -> Entitlement:
    (entitlement,) = entitlements_sync(portfolio=portfolio, today=TODAY)
    return entitlement


def test_cash_dividend_from_the_shares_held_at_the_close_before_the_ex_date(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    buy(funded, 500, BEFORE_EX)  # settles after the record date's T+2 cut: still entitled
    buy(funded, 700, EX)  # bought on the ex-date: not entitled
    event(instruments["FPT"])
    entitlement = only(funded)
    assert entitlement.shares_held == 1_500
    assert entitlement.cash_gross == Decimal(3_000_000)
    assert entitlement.cash_tax == Decimal(150_000)  # 5 % withheld at source
    assert entitlement.cash_net == Decimal(2_850_000)
    assert entitlement.status == "due"


def test_stock_dividend_rounds_down_and_rights_carry_their_terms(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 2_123, date(2026, 6, 1))
    event(
        instruments["FPT"], kind="stock_dividend", cash_per_share=None, ratio_old=100, ratio_new=15
    )
    event(
        instruments["FPT"],
        kind="rights_issue",
        cash_per_share=None,
        ex_date=date(2026, 6, 22),
        record_date=date(2026, 6, 23),
        ratio_old=10,
        ratio_new=3,
        subscription_price=Decimal(10_000),
        subscription_start=date(2026, 7, 1),
        subscription_end=date(2026, 7, 31),
    )
    rights, stock = entitlements_sync(portfolio=funded, today=TODAY)
    assert stock.new_shares == 318  # 2,123 x 15 / 100 = 318.45: the fraction is cancelled
    assert stock.cash_gross is None
    assert rights.rights == 636  # floor(2,123 x 3 / 10)
    assert rights.status == "due"  # inside the subscription window


def test_pending_from_the_ex_date_until_the_payment_date(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    event(instruments["FPT"])
    assert entitlements_sync(portfolio=funded, today=date(2026, 6, 12)) == []  # before the ex-date
    (pending,) = entitlements_sync(portfolio=funded, today=EX)
    assert pending.status == "pending"
    with pytest.raises(RuleViolation) as refused:
        entitlement_apply(portfolio=funded, entitlement_id=pending.pk, today=EX)
    assert refused.value.code == "not_due"
    assert not Transaction.objects.filter(kind="DIVIDEND").exists()
    (due,) = entitlements_sync(portfolio=funded, today=PAY)
    assert due.status == "due"


def test_applying_books_the_dividend_once_and_a_repeat_books_nothing(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    event(instruments["FPT"])
    entitlement = only(funded)
    first = entitlement_apply(portfolio=funded, entitlement_id=entitlement.pk, today=TODAY)
    again = entitlement_apply(portfolio=funded, entitlement_id=entitlement.pk, today=TODAY)
    assert (first.booked, again.booked) == (True, False)
    (row,) = Transaction.objects.filter(kind="DIVIDEND")
    assert (row.amount, row.tax, row.trade_date, row.entitlement_id) == (
        Decimal(2_000_000),
        Decimal(100_000),
        PAY,
        entitlement.pk,
    )
    state = fold(services.ledger_entries(portfolio=funded), config=services.ledger_config(funded))
    assert state.dividends == Decimal(1_900_000)
    # Syncing again (re-ingestion, the daily task) writes nothing new.
    entitlements_sync(portfolio=funded, today=TODAY)
    entitlements_sync_event(event=CorporateEvent.objects.get(), today=TODAY)
    assert Transaction.objects.filter(kind="DIVIDEND").count() == 1
    assert Entitlement.objects.get().status == "applied"


def test_a_hand_typed_dividend_is_matched_not_duplicated(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    typed = services.transaction_record(
        portfolio=funded,
        kind="DIVIDEND",
        symbol="FPT",
        amount=Decimal(1_999_999),  # within one dong of 2,000,000
        trade_date=PAY,
        note="typed by hand",
    )
    event(instruments["FPT"])
    entitlement = only(funded)
    entitlement_apply(portfolio=funded, entitlement_id=entitlement.pk, today=TODAY)
    (row,) = Transaction.objects.filter(kind="DIVIDEND")
    assert row.pk == typed.pk
    assert row.entitlement_id == entitlement.pk
    assert row.amount == Decimal(2_000_000)
    assert row.note == "typed by hand"


def test_a_hand_typed_dividend_two_dong_away_is_not_matched(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    services.transaction_record(
        portfolio=funded, kind="DIVIDEND", symbol="FPT", amount=Decimal(1_999_998), trade_date=PAY
    )
    event(instruments["FPT"])
    entitlement_apply(portfolio=funded, entitlement_id=only(funded).pk, today=TODAY)
    assert Transaction.objects.filter(kind="DIVIDEND").count() == 2


def test_stock_dividend_books_the_shares_without_cost_on_the_listing_date(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    event(
        instruments["FPT"], kind="stock_dividend", cash_per_share=None, ratio_old=100, ratio_new=20
    )
    entitlement_apply(portfolio=funded, entitlement_id=only(funded).pk, today=TODAY)
    (row,) = Transaction.objects.filter(kind="STOCK_DIVIDEND")
    assert (row.quantity, row.trade_date) == (200, PAY)
    state = fold(services.ledger_entries(portfolio=funded), config=services.ledger_config(funded))
    position = state.positions["FPT"]
    assert (position.quantity, position.cost) == (1_200, Decimal(30_000_000))


def test_correcting_an_applied_event_rewrites_the_row_and_reports_the_change(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    corporate = event(instruments["FPT"])
    entitlement_apply(portfolio=funded, entitlement_id=only(funded).pk, today=TODAY)
    corporate.cash_per_share = Decimal(2_500)
    corporate.save()
    entitlements_sync_event(event=corporate, today=TODAY)
    entitlement = Entitlement.objects.get()
    (row,) = Transaction.objects.filter(kind="DIVIDEND")
    assert (row.amount, row.tax) == (Decimal(2_500_000), Decimal(125_000))
    assert entitlement.status == "applied"
    assert entitlement.last_change["terms"]["cash_gross"] == ["2000000", "2500000"]
    assert entitlement.last_change["transactions"]["DIVIDEND"]["changed"]["amount"] == [
        "2000000",
        "2500000",
    ]


def test_a_cancelled_event_removes_its_booked_row(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    corporate = event(instruments["FPT"])
    entitlement_apply(portfolio=funded, entitlement_id=only(funded).pk, today=TODAY)
    corporate.status = "cancelled"
    corporate.save()
    entitlements_sync_event(event=corporate, today=TODAY)
    assert not Entitlement.objects.exists()
    assert not Transaction.objects.filter(kind="DIVIDEND").exists()


def test_a_ledger_change_before_the_ex_date_recomputes_the_pending_entitlement(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    event(instruments["FPT"])
    assert only(funded).cash_gross == Decimal(2_000_000)
    buy(funded, 300, date(2026, 6, 3))
    entitlement = only(funded)
    assert entitlement.cash_gross == Decimal(2_600_000)
    assert entitlement.last_change["terms"]["shares_held"] == ["1000", "1300"]


def test_nobody_holding_the_symbol_costs_nothing(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1), symbol="VNM")
    corporate = event(instruments["FPT"])
    assert entitlements_sync_event(event=corporate, today=TODAY) == 0
    assert entitlements_sync(portfolio=funded, today=TODAY) == []


def test_a_right_is_exercised_up_to_the_entitled_quantity_at_cost_without_fee(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    buy(funded, 1_000, date(2026, 6, 1))
    event(
        instruments["FPT"],
        kind="rights_issue",
        cash_per_share=None,
        ratio_old=10,
        ratio_new=3,
        subscription_price=Decimal(10_000),
        subscription_start=date(2026, 7, 1),
        subscription_end=date(2026, 7, 31),
        payment_date=date(2026, 8, 20),
    )
    entitlement = only(funded)
    assert entitlement.rights == 300
    with pytest.raises(DomainError) as too_many:
        entitlement_exercise(
            portfolio=funded, entitlement_id=entitlement.pk, quantity=301, today=TODAY
        )
    assert too_many.value.fields == {"quantity": ["At most 300."]}
    with pytest.raises(RuleViolation):
        entitlement_apply(portfolio=funded, entitlement_id=entitlement.pk, today=TODAY)
    done = entitlement_exercise(
        portfolio=funded, entitlement_id=entitlement.pk, quantity=200, today=TODAY
    )
    assert done.booked
    assert done.entitlement.status == "applied"
    assert not entitlement_exercise(
        portfolio=funded, entitlement_id=entitlement.pk, quantity=200, today=TODAY
    ).booked
    with pytest.raises(Conflict):
        entitlement_exercise(
            portfolio=funded, entitlement_id=entitlement.pk, quantity=100, today=TODAY
        )
    (row,) = Transaction.objects.filter(kind="RIGHTS_SUBSCRIPTION")
    assert (row.quantity, row.price, row.fee, row.trade_date, row.settle_date) == (
        200,
        Decimal(10_000),
        Decimal(0),
        TODAY,
        date(2026, 8, 20),  # tradable from the listing date
    )
    state = fold(services.ledger_entries(portfolio=funded), config=services.ledger_config(funded))
    position = state.positions["FPT"]
    assert (position.quantity, position.cost) == (1_200, Decimal(32_000_000))
    assert state.cash == Decimal(500_000_000 - 30_000_000 - 2_000_000)


def test_an_unexercised_right_lapses_at_the_end_of_its_window_and_is_never_auto_exercised(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    Portfolio.objects.filter(pk=funded.pk).update(auto_apply_entitlements=True)
    buy(funded, 1_000, date(2026, 6, 1))
    event(
        instruments["FPT"],
        kind="rights_issue",
        cash_per_share=None,
        ratio_old=10,
        ratio_new=3,
        subscription_price=Decimal(10_000),
        subscription_start=date(2026, 7, 1),
        subscription_end=date(2026, 7, 31),
    )
    entitlements_daily(today=TODAY)
    assert Entitlement.objects.get().status == "due"
    assert not Transaction.objects.filter(kind="RIGHTS_SUBSCRIPTION").exists()
    entitlements_daily(today=date(2026, 8, 3))
    entitlement = Entitlement.objects.get()
    assert entitlement.status == "lapsed"
    with pytest.raises(RuleViolation) as refused:
        entitlement_exercise(
            portfolio=funded, entitlement_id=entitlement.pk, quantity=10, today=date(2026, 8, 3)
        )
    assert refused.value.code == "lapsed"


def test_the_daily_task_applies_due_entitlements_only_where_asked(
    user: Any, instruments: dict[str, Instrument]
) -> None:
    auto = services.portfolio_create(owner=user, name="Auto")
    Portfolio.objects.filter(pk=auto.pk).update(auto_apply_entitlements=True)
    manual = services.portfolio_create(owner=user, name="Manual")
    for portfolio in (auto, manual):
        services.transaction_record(
            portfolio=portfolio,
            kind="DEPOSIT",
            amount=Decimal(50_000_000),
            trade_date=date(2026, 5, 4),
        )
        buy(portfolio, 1_000, date(2026, 6, 1))
    event(instruments["FPT"])
    assert entitlements_daily(today=date(2026, 7, 9))["applied"] == 0  # pending until payment
    report = entitlements_daily(today=PAY)
    assert report["applied"] == 1
    assert Transaction.objects.filter(portfolio=auto, kind="DIVIDEND").count() == 1
    assert not Transaction.objects.filter(portfolio=manual, kind="DIVIDEND").exists()
    assert Entitlement.objects.get(portfolio=manual).status == "due"
    entitlements_daily(today=TODAY)
    assert Transaction.objects.filter(kind="DIVIDEND").count() == 1


def test_the_database_refuses_a_second_row_of_one_kind_for_an_entitlement(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    from django.db import IntegrityError, transaction

    buy(funded, 1_000, date(2026, 6, 1))
    event(instruments["FPT"])
    entitlement = only(funded)
    entitlement_apply(portfolio=funded, entitlement_id=entitlement.pk, today=TODAY)
    row = Transaction.objects.get(kind="DIVIDEND")
    row.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_a_corrected_event_queues_the_recompute_of_its_entitlements(
    funded: Portfolio,
    instruments: dict[str, Instrument],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from portfolio.tasks import entitlements_sync_event as task

    queued: list[int] = []
    monkeypatch.setattr("portfolio.tasks.entitlements_sync_event.delay", queued.append)
    buy(funded, 1_000, date(2026, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        corporate = event(instruments["FPT"])
    with django_capture_on_commit_callbacks(execute=True):
        event(
            instruments["FPT"], ex_date=date(2099, 1, 5), record_date=None, payment_date=None
        )  # not ex yet
    assert queued == [corporate.pk]
    assert task(corporate.pk) == 1  # the task itself: one holder looked at
    assert Entitlement.objects.get().cash_gross == Decimal(2_000_000)


def test_the_demo_portfolio_gets_one_pending_dividend_idempotently(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    from portfolio.services.entitlement_jobs import demo_pending_dividend

    buy(funded, 1_000, date(2026, 6, 1))
    buy(funded, 3_000, date(2026, 6, 1), symbol="VNM")
    today = date(2026, 12, 7)  # a Monday
    first = demo_pending_dividend(portfolio=funded, today=today)
    again = demo_pending_dividend(portfolio=funded, today=today)
    assert first is not None
    assert again is not None
    assert first.pk == again.pk
    assert first.status == "pending"
    assert first.event.instrument.symbol == "VNM"  # the largest holding
    assert (first.event.ex_date, first.event.payment_date) == (
        date(2026, 11, 30),
        date(2026, 12, 28),
    )
    assert first.cash_net == Decimal(3_000 * 1_500 * 95 // 100)
    assert CorporateEvent.objects.count() == 1


def test_staff_see_the_entitlements_read_only_in_the_admin(
    funded: Portfolio, instruments: dict[str, Instrument]
) -> None:
    from django.test import Client

    from tests.factories import UserFactory

    buy(funded, 1_000, date(2026, 6, 1))
    event(instruments["FPT"])
    entitlement = only(funded)
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listed = client.get("/admin/portfolio/entitlement/?status__exact=due&q=FPT")
    assert listed.status_code == 200
    assert b"2000000" in listed.content
    assert client.get("/admin/portfolio/entitlement/add/").status_code == 403
    client.post(f"/admin/portfolio/entitlement/{entitlement.pk}/delete/", {"post": "yes"})
    assert Entitlement.objects.filter(pk=entitlement.pk).exists()
