"""Pending entitlements in the summary, holdings, allocation and overview (hand-computed, API).

From the ex-date until its ledger row lands, a pending cash dividend (net) and pending new shares
(at the symbol's price) count in the portfolio's value, as they do in the performance series:
the ex-date's price drop is no loss in ``total_value`` nor in today's P&L, only the tax is.

The quotes of ``tests.portfolio.factories`` are stamped 2026-03-02 07:45 UTC: their Vietnam trading
day, "today", is Monday 2 March 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from market.models import CorporateEvent, Instrument
from portfolio import services
from portfolio.models import Portfolio
from portfolio.services.entitlements import entitlements_sync
from tests.portfolio.api_helpers import record
from tests.portfolio.factories import daily_bars, quote

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)  # the quotes' trading day (a Monday)
FRIDAY = date(2026, 2, 27)
BOUGHT = date(2026, 2, 2)
PAID = date(2026, 3, 31)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setattr("portfolio.selectors.market_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def held(auth_client: APIClient, portfolio: Portfolio, instruments: dict[str, Instrument]) -> Any:
    """30,000,000 VND deposited, 1,000 FPT bought at 30,000 without fees; Friday's close 30,000."""
    for step in (
        {"kind": "DEPOSIT", "amount": 30_000_000, "trade_date": BOUGHT},
        {"kind": "BUY", "symbol": "FPT", "quantity": 1_000, "price": 30_000, "fee": 0,
         "trade_date": BOUGHT},
    ):  # fmt: skip
        response = record(auth_client, portfolio, **step)
        assert response.status_code == 201, response.json()
    daily_bars(instruments["FPT"], {FRIDAY: 30_000})
    return portfolio


def event(instrument: Instrument, **terms: Any) -> CorporateEvent:
    fields: dict[str, Any] = {"ex_date": TODAY, "payment_date": PAID, "source": "manual"}
    fields.update(terms)
    return CorporateEvent.objects.create(instrument=instrument, **fields)


def valuation(client: APIClient, portfolio: Portfolio) -> tuple[dict[str, Any], dict[str, Any]]:
    portfolio.refresh_from_db()
    entitlements_sync(portfolio=portfolio, today=TODAY)
    summary = client.get(f"/api/portfolios/{portfolio.pk}/summary/")
    holdings = client.get(f"/api/portfolios/{portfolio.pk}/holdings/")
    assert summary.status_code == holdings.status_code == 200
    (fpt,) = holdings.json()["results"]
    return summary.json(), fpt


@pytest.mark.parametrize(
    "reference",
    [
        pytest.param(30_000, id="reference = the close before (the simulated feed)"),
        pytest.param(28_000, id="reference adjusted by the exchange for the dividend"),
    ],
)
def test_a_cash_dividend_going_ex_today_costs_the_total_only_its_tax(
    auth_client: APIClient, held: Portfolio, instruments: dict[str, Instrument], reference: int
) -> None:
    event(instruments["FPT"], kind="cash_dividend", cash_per_share=Decimal(2_000))
    quote("FPT", price=28_000, reference=reference)

    summary, fpt = valuation(auth_client, held)

    # 28,000,000 of shares + 0 cash + 1,900,000 receivable (2,000,000 less 5 % tax)
    assert summary["receivables"] == {"cash": "1900000", "shares_value": "0", "total": "1900000"}
    assert summary["total_value"] == "29900000"
    assert summary["market_value"] == "28000000"
    assert summary["total_return"] == "-100000"
    assert (fpt["pending_cash"], fpt["pending_shares"]) == ("1900000", "0")
    # Today's P&L = value change less flows: 29,900,000 - 30,000,000.
    assert fpt["day_change"] == summary["day_change"] == "-100000"


def test_a_pending_stock_dividend_counts_its_shares_at_the_price(
    auth_client: APIClient, held: Portfolio, instruments: dict[str, Instrument]
) -> None:
    event(instruments["FPT"], kind="stock_dividend", ratio_old=100, ratio_new=20)
    quote("FPT", price=25_000, reference=30_000)

    summary, fpt = valuation(auth_client, held)

    # 1,000 held + 200 pending, all at 25,000: 30,000,000, exactly the value before the ex-date.
    assert summary["receivables"] == {"cash": "0", "shares_value": "5000000", "total": "5000000"}
    assert summary["total_value"] == "30000000"
    assert (fpt["quantity"], fpt["pending_shares"], fpt["market_value"]) == (
        "1000",
        "200",
        "25000000",
    )
    assert fpt["day_change"] == summary["day_change"] == "0"
    assert fpt["weight"] == "83.33"  # 25,000,000 of 30,000,000


def test_a_receivable_gone_ex_before_today_is_in_the_base_of_todays_change(
    auth_client: APIClient, held: Portfolio, instruments: dict[str, Instrument]
) -> None:
    event(instruments["FPT"], kind="cash_dividend", cash_per_share=Decimal(2_000), ex_date=FRIDAY)
    instruments["FPT"].bars.all().delete()
    daily_bars(instruments["FPT"], {date(2026, 2, 26): 30_000, FRIDAY: 28_000})
    quote("FPT", price=28_500, reference=28_000)

    summary, fpt = valuation(auth_client, held)

    assert summary["total_value"] == "30400000"  # 28,500,000 + 1,900,000
    assert fpt["day_pending_base"] == "1900000"
    assert fpt["day_change"] == summary["day_change"] == "500000"  # only the price moved


def test_a_quote_from_before_the_ex_date_does_not_meet_the_receivable(
    auth_client: APIClient, held: Portfolio, instruments: dict[str, Instrument]
) -> None:
    event(instruments["FPT"], kind="cash_dividend", cash_per_share=Decimal(2_000))
    friday = datetime(2026, 2, 27, 7, 45, tzinfo=UTC)
    quote("FPT", price=30_000, reference=30_000, as_of=friday)

    summary, fpt = valuation(auth_client, held)

    assert summary["receivables"]["total"] == "0"
    assert summary["total_value"] == "30000000"
    assert fpt["pending_cash"] == "0"


def test_allocation_and_overview_count_the_receivables(
    auth_client: APIClient, held: Portfolio, instruments: dict[str, Instrument], user: Any
) -> None:
    event(instruments["FPT"], kind="cash_dividend", cash_per_share=Decimal(2_000))
    quote("FPT", price=28_000, reference=30_000)
    other = services.portfolio_create(owner=user, name="Second")
    record(auth_client, other, kind="DEPOSIT", amount=1_000_000, trade_date=BOUGHT)
    own, _ = valuation(auth_client, held)

    allocation = auth_client.get(f"/api/portfolios/{held.pk}/allocation/").json()
    overview = auth_client.get("/api/portfolios/overview/").json()

    slices = {s["key"]: (s["market_value"], s["weight"]) for s in allocation["results"]}
    assert slices == {"FPT": ("28000000", "93.65"), "RECEIVABLES": ("1900000", "6.35")}
    assert overview["totals"]["receivables"] == "1900000"
    assert overview["totals"]["total_value"] == "30900000"  # 29,900,000 + 1,000,000 cash
    assert overview["totals"]["total_value"] == str(
        sum(Decimal(p["summary"]["total_value"]) for p in overview["portfolios"])
    )
    assert own["total_value"] == "29900000"
    assert {s["key"] for s in overview["allocation"]} == {"FPT", "CASH", "RECEIVABLES"}
