"""Realized P&L through the API: on every SELL in the transactions, and per closed position.

Hand-computed at the default rates (fee 0.15 %, sell tax 0.1 %, half-up to whole VND):

- BUY 1,000 FPT @ 10,000: fee 15,000, cost 10,015,000.
- BUY 1,000 FPT @ 12,000: fee 18,000, cost 12,018,000 (22,033,000 for 2,000).
- SELL 500 @ 13,000: gross 6,500,000, fee 9,750, tax 6,500, proceeds 6,483,750.
  Average cost removes a quarter, 5,508,250 (realized 975,500); FIFO half of lot 1, 5,007,500
  (realized 1,476,250).
- SELL 1,500 @ 11,000: gross 16,500,000, fee 24,750, tax 16,500, proceeds 16,458,750.
  Average cost removes the rest, 16,524,750 (realized -66,000); FIFO the other half of lot 1 and
  lot 2, 17,025,500 (realized -566,750). Sold out: realized 909,500 under both methods.
- BUY 300 FPT @ 9,000 again: fee 4,050, a new position that is still open.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from portfolio import realized, services
from portfolio.models import Portfolio
from tests.portfolio.api_helpers import record, transactions_url

pytestmark = pytest.mark.django_db

SALES = {
    # method: [(proceeds, cost, realized, pct) of the first sale, ... of the second]
    "average": [
        ("6483750", "5508250", "975500", "17.71"),
        ("16458750", "16524750", "-66000", "-0.40"),
    ],
    "fifo": [
        ("6483750", "5007500", "1476250", "29.48"),
        ("16458750", "17025500", "-566750", "-3.33"),
    ],
}


def round_trip(client: APIClient, portfolio: Portfolio) -> list[int]:
    """Record the module's scenario; the ids of its two sales."""
    steps: list[dict[str, Any]] = [
        {"kind": "DEPOSIT", "amount": 100_000_000, "trade_date": date(2025, 3, 3)},
        {"kind": "BUY", "symbol": "FPT", "quantity": 1000, "price": 10_000,
         "trade_date": date(2025, 3, 4)},
        {"kind": "BUY", "symbol": "FPT", "quantity": 1000, "price": 12_000,
         "trade_date": date(2025, 3, 5)},
        {"kind": "SELL", "symbol": "FPT", "quantity": 500, "price": 13_000,
         "trade_date": date(2025, 3, 7)},
        {"kind": "SELL", "symbol": "FPT", "quantity": 1500, "price": 11_000,
         "trade_date": date(2025, 3, 11)},
        {"kind": "BUY", "symbol": "FPT", "quantity": 300, "price": 9_000,
         "trade_date": date(2025, 3, 12)},
    ]  # fmt: skip
    ids = []
    for step in steps:
        response = record(client, portfolio, **step)
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    return ids[3:5]


@pytest.fixture(params=["average", "fifo"])
def method_portfolio(request: pytest.FixtureRequest, user: Any, instruments: Any) -> Portfolio:
    return services.portfolio_create(owner=user, name=request.param, cost_method=request.param)


def test_each_sale_in_the_transactions_shows_what_it_realized(
    auth_client: APIClient, method_portfolio: Portfolio
) -> None:
    first, second = round_trip(auth_client, method_portfolio)
    expected = SALES[method_portfolio.cost_method]

    rows = auth_client.get(transactions_url(method_portfolio)).json()["results"]

    shown = {row["id"]: row["realized"] for row in rows}
    assert shown[first] == {
        "quantity": "500",
        "gross": "6500000",
        "fee": "9750",
        "tax": "6500",
        "proceeds": expected[0][0],
        "cost": expected[0][1],
        "realized_pnl": expected[0][2],
        "realized_pnl_pct": expected[0][3],
    }
    assert (shown[second]["proceeds"], shown[second]["cost"]) == expected[1][:2]
    assert (shown[second]["realized_pnl"], shown[second]["realized_pnl_pct"]) == expected[1][2:]
    # only sales realize anything
    assert [row["kind"] for row in rows if row["realized"] is None] == [
        "BUY",
        "BUY",
        "BUY",
        "DEPOSIT",
    ]


def test_sales_add_up_to_the_portfolio_realized_pnl(
    auth_client: APIClient, method_portfolio: Portfolio
) -> None:
    round_trip(auth_client, method_portfolio)

    rows = auth_client.get(transactions_url(method_portfolio)).json()["results"]
    summary = auth_client.get(f"/api/portfolios/{method_portfolio.pk}/summary/").json()

    total = sum(int(row["realized"]["realized_pnl"]) for row in rows if row["realized"])
    assert total == int(summary["realized_pnl"]) == 909_500


def test_a_sale_shows_what_it_realized_when_recorded_and_when_read(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    first, _ = round_trip(auth_client, portfolio)

    detail = auth_client.get(f"{transactions_url(portfolio)}{first}/").json()
    assert detail["realized"]["realized_pnl"] == "975500"

    # a new sale of the 300 rebought (settled on 14 March): 300 x 9,500 = 2,850,000,
    # fee 4,275, tax 2,850, proceeds 2,842,875; cost 2,704,050; realized 138,825
    created = record(
        auth_client, portfolio, kind="SELL", symbol="FPT", quantity=300, price=9_500,
        trade_date="2025-03-14",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    assert created.json()["realized"]["realized_pnl"] == "138825"

    # and a change to it is shown at once
    changed = auth_client.patch(
        f"{transactions_url(portfolio)}{created.json()['id']}/", {"price": "9600"}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    # 2,880,000 - 4,320 - 2,880 = 2,872,800; realized 168,750
    assert changed.json()["realized"]["realized_pnl"] == "168750"


def test_closed_positions_list_the_position_sold_out_and_not_the_one_rebought(
    auth_client: APIClient, method_portfolio: Portfolio
) -> None:
    round_trip(auth_client, method_portfolio)

    response = auth_client.get(f"/api/portfolios/{method_portfolio.pk}/closed-positions/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "symbol": "FPT",
            "first_trade_date": "2025-03-04",
            "last_trade_date": "2025-03-11",
            "quantity": "2000",
            "proceeds": "22942500",
            "cost": "22033000",
            "realized_pnl": "909500",
            "realized_pnl_pct": "4.13",
            "fees": "67500",  # 15,000 + 18,000 + 9,750 + 24,750
            "taxes": "23000",  # 6,500 + 16,500
        }
    ]


def test_closed_positions_follow_a_new_sale_and_a_deletion(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    round_trip(auth_client, portfolio)
    url = f"/api/portfolios/{portfolio.pk}/closed-positions/"
    assert len(auth_client.get(url).json()["results"]) == 1  # now cached

    # when the rebought 300 are sold, a second position closes (the newest first)
    sale = record(
        auth_client, portfolio, kind="SELL", symbol="FPT", quantity=300, price=9_500,
        trade_date="2025-03-14",
    )  # fmt: skip
    rows = auth_client.get(url).json()["results"]
    assert [(r["first_trade_date"], r["last_trade_date"]) for r in rows] == [
        ("2025-03-12", "2025-03-14"),
        ("2025-03-04", "2025-03-11"),
    ]
    assert rows[0]["realized_pnl"] == "138825"

    # and when that sale is deleted, it is open again
    deleted = auth_client.delete(f"{transactions_url(portfolio)}{sale.json()['id']}/")
    assert deleted.status_code == 204
    assert len(auth_client.get(url).json()["results"]) == 1


def test_a_portfolio_that_never_sold_out_has_no_closed_positions(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    response = auth_client.get(f"/api/portfolios/{portfolio.pk}/closed-positions/")

    assert response.status_code == 200
    assert response.json() == {"year": None, "results": [], "sales": [], "years": []}


@pytest.mark.parametrize("method", ["average", "fifo"])
def test_bonus_shares_leave_fifo_and_average_cost_realizing_the_same(
    auth_client: APIClient, user: Any, instruments: Any, method: str
) -> None:
    # given 1,000 FPT bought at 30,000 (fee 45,000: cost 30,045,000) and a 50 % stock dividend
    portfolio = services.portfolio_create(owner=user, name=method, cost_method=method)
    steps: list[dict[str, Any]] = [
        {"kind": "DEPOSIT", "amount": 40_000_000, "trade_date": date(2025, 3, 3)},
        {"kind": "BUY", "symbol": "FPT", "quantity": 1000, "price": 30_000,
         "trade_date": date(2025, 3, 4)},
        {"kind": "STOCK_DIVIDEND", "symbol": "FPT", "quantity": 500,
         "trade_date": date(2025, 3, 10)},
    ]  # fmt: skip
    for step in steps:
        assert record(auth_client, portfolio, **step).status_code == 201

    # when 1,000 are sold at 20,000: fee 30,000, tax 20,000, proceeds 19,950,000
    sale = record(
        auth_client, portfolio, kind="SELL", symbol="FPT", quantity=1000, price=20_000,
        trade_date="2025-03-12",
    )  # fmt: skip

    # then both methods remove 1,000/1,500 of the basis (20,030,000): realized -80,000, where
    # a zero-cost lot of bonus shares made FIFO realize -10,080,000
    assert sale.status_code == 201, sale.json()
    assert sale.json()["realized"]["cost"] == "20030000"
    assert sale.json()["realized"]["realized_pnl"] == "-80000"
    summary = auth_client.get(f"/api/portfolios/{portfolio.pk}/summary/").json()
    assert (summary["realized_pnl"], summary["cost_basis"]) == ("-80000", "10015000")


def test_rounded_sales_add_up_to_the_closed_position_the_holding_and_the_summary(
    auth_client: APIClient, user: Any, instruments: Any
) -> None:
    # BUY 3 @ 10,000 with a 1 VND fee: cost 30,001; three SELLs of 1 @ 11,000 (no fee, no tax),
    # each removing 10,000.33..., realize 999.67 each, shown 1,000. Exactly 2,999 in all, but the
    # screens add up what they show: 3,000 on the sales, the closed position and the summary.
    portfolio = services.portfolio_create(
        owner=user, name="Thirds", track_cash=False, fee_rate=Decimal(0), sell_tax_rate=Decimal(0)
    )
    steps: list[dict[str, Any]] = [
        {"kind": "BUY", "symbol": "FPT", "quantity": 3, "price": 10_000, "fee": 1,
         "trade_date": date(2025, 3, 4)},
        *({"kind": "SELL", "symbol": "FPT", "quantity": 1, "price": 11_000,
           "trade_date": date(2025, 3, day)} for day in (7, 10, 11)),
    ]  # fmt: skip
    for step in steps:
        response = record(auth_client, portfolio, **step)
        assert response.status_code == 201, response.json()

    rows = auth_client.get(transactions_url(portfolio)).json()["results"]
    sales = [row["realized"]["realized_pnl"] for row in rows if row["kind"] == "SELL"]
    closed = auth_client.get(f"/api/portfolios/{portfolio.pk}/closed-positions/").json()
    summary = auth_client.get(f"/api/portfolios/{portfolio.pk}/summary/").json()

    assert sales == ["1000", "1000", "1000"]
    assert [row["realized_pnl"] for row in closed["results"]] == ["3000"]
    assert summary["realized_pnl"] == "3000"


def test_a_stored_write_answers_201_even_when_the_database_fails_right_after_it(
    auth_client: APIClient, method_portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reliability suite restarted PostgreSQL under load: a deposit was stored but answered
    # 503, because the response read the ledger again to show a SELL's realized P&L. Given a
    # database that fails every read made after the write is stored ...
    def database_gone(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection to server was lost")

    monkeypatch.setattr(Portfolio, "refresh_from_db", database_gone)
    monkeypatch.setattr(realized, "sale_realized_map", database_gone)
    # ... a deposit and a buy read nothing after the write, and a sale shows realized null
    steps: list[dict[str, Any]] = [
        {"kind": "DEPOSIT", "amount": 100_000_000, "trade_date": date(2025, 3, 3)},
        {"kind": "BUY", "symbol": "FPT", "quantity": 100, "price": 10_000,
         "trade_date": date(2025, 3, 4)},
        {"kind": "SELL", "symbol": "FPT", "quantity": 100, "price": 11_000,
         "trade_date": date(2025, 3, 7)},
    ]  # fmt: skip
    bodies = []
    for step in steps:
        response = record(auth_client, method_portfolio, **step)
        assert response.status_code == 201, response.json()
        bodies.append(response.json())

    assert [body["realized"] for body in bodies] == [None, None, None]
    assert method_portfolio.transactions.count() == 3
