"""Exactly once under concurrency: simultaneous confirmations, re-ingestion and the daily task
book an entitlement once (PostgreSQL, one connection per thread)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from market.models import CorporateEvent, Instrument
from portfolio import services
from portfolio.models import Entitlement, Portfolio, Transaction
from portfolio.services.entitlement_jobs import entitlements_daily
from portfolio.services.entitlements import (
    entitlement_apply,
    entitlements_sync,
    entitlements_sync_event,
)
from tests.conftest import requires_postgres
from tests.portfolio.test_concurrency import _run_concurrently

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

TODAY = date(2026, 7, 20)
WORKERS = 12


def test_concurrent_confirmations_re_ingestion_and_the_task_book_the_dividend_once(
    user: Any, instruments: dict[str, Instrument]
) -> None:
    portfolio = services.portfolio_create(owner=user, name="Race")
    Portfolio.objects.filter(pk=portfolio.pk).update(auto_apply_entitlements=True)
    services.transaction_record(
        portfolio=portfolio, kind="DEPOSIT", amount=Decimal(50_000_000), trade_date=date(2026, 5, 4)
    )
    services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        symbol="FPT",
        quantity=1_000,
        price=Decimal(30_000),
        trade_date=date(2026, 6, 1),
    )
    event = CorporateEvent.objects.create(
        instrument=instruments["FPT"],
        kind="cash_dividend",
        ex_date=date(2026, 6, 15),
        payment_date=date(2026, 7, 10),
        cash_per_share=Decimal(2_000),
        source="manual",
    )
    (entitlement,) = entitlements_sync(portfolio=portfolio, today=TODAY)

    def work(index: int) -> Any:
        if index % 3 == 0:
            return entitlements_sync_event(event=event, today=TODAY)
        if index % 3 == 1:
            return entitlements_daily(today=TODAY)
        return entitlement_apply(
            portfolio=portfolio, entitlement_id=entitlement.pk, today=TODAY
        ).booked

    results = _run_concurrently(work, WORKERS)

    assert not [r for r in results if isinstance(r, Exception)], results
    booked = [r for r in results if r is True]
    applied_by_task = sum(r["applied"] for r in results if isinstance(r, dict))
    assert len(booked) + applied_by_task == 1, results
    (row,) = Transaction.objects.filter(kind="DIVIDEND")
    assert (row.amount, row.tax, row.entitlement_id) == (
        Decimal(2_000_000),
        Decimal(100_000),
        entitlement.pk,
    )
    assert Entitlement.objects.get().status == "applied"
