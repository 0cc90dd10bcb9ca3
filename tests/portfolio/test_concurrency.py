"""Concurrent writes serialise on the portfolio row: a holding can never go negative (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from portfolio import services
from portfolio.ledger import LedgerConfig, fold
from portfolio.models import Portfolio
from tests.conftest import client_for, requires_postgres
from tests.portfolio.api_helpers import record

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]

SELLERS = 20


def _run_concurrently(work: Any, count: int) -> list[Any]:
    """Start ``count`` threads that all begin ``work(i)`` at once; each has its own connection."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # reported by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_concurrent_sells_of_100_against_1000_shares(
    user: Any, instruments: dict[str, Any]
) -> None:
    portfolio = services.portfolio_create(owner=user, name="Race")
    services.transaction_record(
        portfolio=portfolio,
        kind="DEPOSIT",
        amount=Decimal(200_000_000),
        trade_date=date(2025, 3, 3),
    )
    services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        symbol="FPT",
        quantity=1000,
        price=Decimal(100_000),
        trade_date=date(2025, 3, 4),
    )
    clients = [client_for(user) for _ in range(SELLERS)]

    def sell(index: int) -> Any:
        response = record(
            clients[index], portfolio, kind="SELL", symbol="FPT", quantity=100, price=110_000,
            trade_date="2025-03-10",
        )  # fmt: skip
        return response.status_code, response.json()

    results = _run_concurrently(sell, SELLERS)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 10 + [422] * 10, results
    refusals = [body["error"] for status, body in results if status == 422]
    assert {error["code"] for error in refusals} == {"oversell"}
    assert all("only 0 held" in error["message"] for error in refusals)
    entries = services.ledger_entries(portfolio=Portfolio.objects.get(pk=portfolio.pk))
    state = fold(entries, config=LedgerConfig())
    assert state.positions["FPT"].quantity == 0
    assert portfolio.transactions.filter(kind="SELL").count() == 10


def test_concurrent_posts_with_one_idempotency_key_write_one_row(
    user: Any, instruments: dict[str, Any]
) -> None:
    portfolio = services.portfolio_create(owner=user, name="Retry")
    clients = [client_for(user) for _ in range(8)]

    def deposit(index: int) -> Any:
        response = clients[index].post(
            f"/api/portfolios/{portfolio.pk}/transactions/",
            {"kind": "DEPOSIT", "amount": "1000000", "trade_date": "2025-03-03"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="same-key",
        )
        return response.status_code, response.json()

    results = _run_concurrently(deposit, 8)

    assert {status for status, _ in results} == {201}, results
    assert len({body["id"] for _, body in results}) == 1
    assert portfolio.transactions.count() == 1
