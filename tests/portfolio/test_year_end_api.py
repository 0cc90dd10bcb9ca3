"""Closed positions by year, totals per year and the CSV for Excel (issue #16).

The 2025 figures are test_realized_api's hand-computed round trip (average cost): realized
975,500 and -66,000 on the two sales; fees 15,000 + 18,000 + 9,750 + 24,750 + 4,050 (the rebuy);
sell taxes 6,500 + 16,500. In 2026: a cash dividend of 300,000 (5 % withheld: 15,000) and the
rebought 300 sold @ 10,000: gross 3,000,000, fee 4,500, tax 3,000, proceeds 2,992,500, cost
2,704,050, realized 288,450.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from market.models import Instrument
from portfolio import services
from portfolio.models import Portfolio, Transaction
from tests.portfolio.api_helpers import error_code, record
from tests.portfolio.test_realized_api import round_trip

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_years(auth_client: APIClient, user: Any, instruments: dict[str, Instrument]) -> Portfolio:
    Instrument.objects.filter(symbol="FPT").update(name="Công ty Cổ phần FPT")
    portfolio = services.portfolio_create(owner=user, name="Năm", cost_method="average")
    round_trip(auth_client, portfolio)
    for step in (
        {"kind": "DIVIDEND", "symbol": "FPT", "amount": 300_000, "trade_date": date(2026, 6, 10)},
        {"kind": "SELL", "symbol": "FPT", "quantity": 300, "price": 10_000,
         "trade_date": date(2026, 7, 1)},
    ):  # fmt: skip
        response = record(auth_client, portfolio, **step)
        assert response.status_code == 201, response.json()
    return portfolio


def url(portfolio: Portfolio, query: str = "") -> str:
    return f"/api/portfolios/{portfolio.pk}/closed-positions/{query}"


YEAR_2026 = {
    "year": 2026,
    "sales_count": 1,
    "realized_pnl": "288450",
    "fees": "4500",
    "sell_taxes": "3000",
    "dividend_income": "300000",
    "dividend_taxes": "15000",
}
YEAR_2025 = {
    "year": 2025,
    "sales_count": 2,
    "realized_pnl": "909500",
    "fees": "71550",
    "sell_taxes": "23000",
    "dividend_income": "0",
    "dividend_taxes": "0",
}


def test_every_year_has_its_totals(auth_client: APIClient, two_years: Portfolio) -> None:
    body = auth_client.get(url(two_years)).json()

    assert body["year"] is None
    assert body["years"] == [YEAR_2026, YEAR_2025]
    assert [(s["trade_date"], s["realized_pnl"]) for s in body["sales"]] == [
        ("2026-07-01", "288450"),
        ("2025-03-11", "-66000"),
        ("2025-03-07", "975500"),
    ]
    assert [(r["last_trade_date"], r["realized_pnl"]) for r in body["results"]] == [
        ("2026-07-01", "288450"),
        ("2025-03-11", "909500"),
    ]
    # the year's realized P&L is its sales' sum, and the summary's realized is every year's
    summary = auth_client.get(f"/api/portfolios/{two_years.pk}/summary/").json()
    assert int(summary["realized_pnl"]) == 288_450 + 909_500


def test_the_year_filter_keeps_that_year_only(auth_client: APIClient, two_years: Portfolio) -> None:
    body = auth_client.get(url(two_years, "?year=2025")).json()

    assert body["year"] == 2025
    assert body["years"] == [YEAR_2025]
    assert [s["trade_date"] for s in body["sales"]] == ["2025-03-11", "2025-03-07"]
    assert [r["last_trade_date"] for r in body["results"]] == ["2025-03-11"]
    empty = auth_client.get(url(two_years, "?year=2024")).json()
    assert (empty["results"], empty["sales"], empty["years"]) == ([], [], [])


@pytest.mark.parametrize(
    "year", ["abc", "20255", "2025.0", "1999", "2999", "-2025", "\uff12\uff10\uff12\uff15"]
)
def test_a_bad_year_is_400_with_the_error_body(
    auth_client: APIClient, two_years: Portfolio, year: str
) -> None:
    for query in (f"?year={year}", f"?year={year}&format=csv"):
        response = auth_client.get(url(two_years, query))
        assert response.status_code == 400, query
        assert error_code(response) == "invalid_year"
        assert response.json()["error"]["fields"]["year"]


def _csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_of_a_year_for_excel(auth_client: APIClient, two_years: Portfolio) -> None:
    for path in (url(two_years, "?year=2026&format=csv"), url(two_years, "export.csv?year=2026")):
        response = auth_client.get(path)
        rows = _csv(response)
        assert "realized-2026.csv" in response["Content-Disposition"]
        assert [(r["date"], r["kind"], r["name"]) for r in rows] == [
            ("2026-06-10", "DIVIDEND", "Công ty Cổ phần FPT"),
            ("2026-07-01", "SELL", "Công ty Cổ phần FPT"),
        ]
        dividend, sale = rows
        assert (dividend["gross"], dividend["tax"], dividend["proceeds"]) == (
            "300000",
            "15000",
            "285000",
        )
        assert (sale["proceeds"], sale["cost"], sale["realized_pnl"]) == (
            "2992500",
            "2704050",
            "288450",
        )


def test_csv_of_every_year_adds_up_to_the_totals(
    auth_client: APIClient, two_years: Portfolio
) -> None:
    rows = _csv(auth_client.get(url(two_years, "export.csv")))
    years = auth_client.get(url(two_years)).json()["years"]

    for totals in years:
        mine = [r for r in rows if r["date"].startswith(str(totals["year"]))]
        sold = [r for r in mine if r["kind"] == "SELL"]
        assert sum(int(r["realized_pnl"]) for r in sold) == int(totals["realized_pnl"])
        assert sum(int(r["tax"]) for r in sold) == int(totals["sell_taxes"])
        paid = [r for r in mine if r["kind"] == "DIVIDEND"]
        assert sum(int(r["gross"]) for r in paid) == int(totals["dividend_income"])
        assert sum(int(r["tax"]) for r in paid) == int(totals["dividend_taxes"])


def test_a_formula_looking_name_is_neutralised(
    auth_client: APIClient, two_years: Portfolio
) -> None:
    Instrument.objects.filter(symbol="FPT").update(name="=HYPERLINK(1)")
    rows = _csv(auth_client.get(url(two_years, "export.csv")))
    assert {r["name"] for r in rows} == {"'=HYPERLINK(1)"}


def test_closed_positions_and_csv_are_owner_only(
    other_client: APIClient, two_years: Portfolio
) -> None:
    assert other_client.get(url(two_years)).status_code == 404
    assert other_client.get(url(two_years, "export.csv")).status_code == 404
    assert Transaction.objects.filter(portfolio=two_years).count() == 8
