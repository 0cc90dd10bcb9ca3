"""A hand-computed portfolio through the API: every holding and summary field, to the đồng.

Rates are the defaults: fee 0.15% of gross trade value, sell tax 0.1% of gross proceeds, dividend
tax 5%, all half-up to whole VND. Average cost.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from portfolio.models import Portfolio
from tests.portfolio.api_helpers import record
from tests.portfolio.factories import quote

pytestmark = pytest.mark.django_db


def build_scenario(client: APIClient, portfolio: Portfolio) -> None:
    steps: list[dict[str, Any]] = [
        # cash 500,000,000; net flows 500,000,000
        {"kind": "DEPOSIT", "amount": 500_000_000, "trade_date": date(2025, 3, 3)},
        # gross 1,000 x 120,000 = 120,000,000; fee 0.0015 x 120,000,000 = 180,000
        # FPT cost 120,180,000; cash 500,000,000 - 120,180,000 = 379,820,000
        {"kind": "BUY", "symbol": "FPT", "quantity": 1000, "price": 120_000,
         "trade_date": date(2025, 3, 4)},
        # gross 500 x 126,000 = 63,000,000; fee 94,500; FPT cost 183,274,500 for 1,500 shares
        # cash 379,820,000 - 63,094,500 = 316,725,500
        {"kind": "BUY", "symbol": "FPT", "quantity": 500, "price": 126_000,
         "trade_date": date(2025, 3, 5)},
        # gross 2,000 x 61,500 = 123,000,000; fee 184,500; VNM cost 123,184,500 (avg 61,592.25)
        # cash 316,725,500 - 123,184,500 = 193,541,000
        {"kind": "BUY", "symbol": "VNM", "quantity": 2000, "price": 61_500,
         "trade_date": date(2025, 3, 6)},
        # partial sell: gross 600 x 130,000 = 78,000,000; fee 117,000; tax 78,000
        # proceeds 78,000,000 - 117,000 - 78,000 = 77,805,000
        # cost removed 183,274,500 x 600 / 1,500 = 73,309,800 -> realized 4,495,200
        # FPT: 900 shares, cost 109,964,700; cash 193,541,000 + 77,805,000 = 271,346,000
        {"kind": "SELL", "symbol": "FPT", "quantity": 600, "price": 130_000,
         "trade_date": date(2025, 3, 12)},
        # cash dividend 1,500 VND x 2,000 VNM = 3,000,000; tax 5% = 150,000; net 2,850,000
        # cash 274,196,000
        {"kind": "DIVIDEND", "symbol": "VNM", "amount": 3_000_000,
         "trade_date": date(2025, 6, 16)},
        # bonus shares 20% of 900 = 180: FPT 1,080 shares, cost unchanged 109,964,700
        # avg cost 109,964,700 / 1,080 = 101,819.17
        {"kind": "STOCK_DIVIDEND", "symbol": "FPT", "quantity": 180,
         "trade_date": date(2025, 6, 20)},
        # cash 274,196,000 - 50,000,000 = 224,196,000; net flows 450,000,000
        {"kind": "WITHDRAWAL", "amount": 50_000_000, "trade_date": date(2025, 7, 1)},
        # cash 224,196,000 + 120,000 = 224,316,000
        {"kind": "INTEREST", "amount": 120_000, "trade_date": date(2025, 7, 31)},
        # custody fee row: cash 224,316,000 - 50,000 = 224,266,000
        {"kind": "FEE", "amount": 50_000, "trade_date": date(2025, 8, 1)},
    ]  # fmt: skip
    for step in steps:
        response = record(client, portfolio, **step)
        assert response.status_code == 201, response.json()


def test_buy_records_derived_fee_and_t_plus_2_settlement(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    record(auth_client, portfolio, kind="DEPOSIT", amount=500_000_000, trade_date="2025-03-03")

    response = record(
        auth_client, portfolio, kind="BUY", symbol="fpt", quantity=1000, price=120_000,
        trade_date="2025-03-07",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["symbol"] == "FPT"
    assert body["quantity"] == "1000"
    assert body["price"] == "120000"
    assert body["fee"] == "180000"  # 0.0015 x 120,000,000
    assert body["tax"] == "0"
    assert body["fee_is_derived"] is True
    # Friday 7 March + 2 trading days = Tuesday 11 March
    assert body["settle_date"] == "2025-03-11"


def test_hand_computed_holdings_match_every_field(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    build_scenario(auth_client, portfolio)
    quote("FPT", price=125_000, reference=124_000)
    quote("VNM", price=60_000, reference=61_000)

    response = auth_client.get(f"/api/portfolios/{portfolio.pk}/holdings/")

    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == "2026-03-02T07:45:00Z"
    fpt, vnm = body["results"]
    # total value = 135,000,000 + 120,000,000 + cash 224,266,000 = 479,266,000
    assert fpt == {
        "symbol": "FPT",
        "name": "FPT Corp",
        "exchange": "HOSE",
        "industry": "Technology",
        "type": "stock",
        "quantity": "1080",
        "settled_quantity": "1080",
        "avg_cost": "101819",  # 109,964,700 / 1,080 = 101,819.17
        "cost_basis": "109964700",
        "last_price": "125000",
        "price_source": "quote",
        "price_as_of": "2026-03-02T07:45:00Z",
        "market_value": "135000000",  # 1,080 x 125,000
        "unrealized_pnl": "25035300",  # 135,000,000 - 109,964,700
        "unrealized_pnl_pct": "22.77",  # 25,035,300 / 109,964,700
        "realized_pnl": "4495200",
        "trading_day": "2026-03-02",  # the quote's
        "reference_price": "124000",
        "day_base_quantity": "1080",  # no trade on the quote's day
        "day_bought_value": "0",
        "day_sold_value": "0",
        "day_pending_base": "0",  # no pending entitlement
        "day_change": "1080000",  # 1,080 x (125,000 - 124,000)
        "day_change_pct": "0.81",  # 1,080,000 / (1,080 x 124,000)
        "weight": "28.17",  # 135,000,000 / 479,266,000
        "pending_shares": "0",
        "pending_cash": "0",
    }
    assert vnm == {
        "symbol": "VNM",
        "name": "Vinamilk",
        "exchange": "HOSE",
        "industry": "Consumer Staples",
        "type": "stock",
        "quantity": "2000",
        "settled_quantity": "2000",
        "avg_cost": "61592",  # 123,184,500 / 2,000 = 61,592.25
        "cost_basis": "123184500",
        "last_price": "60000",
        "price_source": "quote",
        "price_as_of": "2026-03-02T07:45:00Z",
        "market_value": "120000000",
        "unrealized_pnl": "-3184500",  # 120,000,000 - 123,184,500
        "unrealized_pnl_pct": "-2.59",
        "realized_pnl": "0",
        "trading_day": "2026-03-02",
        "reference_price": "61000",
        "day_base_quantity": "2000",
        "day_bought_value": "0",
        "day_sold_value": "0",
        "day_pending_base": "0",  # no pending entitlement
        "day_change": "-2000000",  # 2,000 x (60,000 - 61,000)
        "day_change_pct": "-1.64",  # -2,000,000 / (2,000 x 61,000)
        "weight": "25.04",  # 120,000,000 / 479,266,000
        "pending_shares": "0",
        "pending_cash": "0",
    }


@pytest.fixture
def scenario_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Pin the summary's valuation date: the Return % weighs flows by the days up to it."""
    today = date(2026, 3, 2)
    monkeypatch.setattr("portfolio.selectors.market_today", lambda: today)
    return today


@pytest.mark.usefixtures("scenario_today")
def test_hand_computed_summary_matches_every_field(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    build_scenario(auth_client, portfolio)
    quote("FPT", price=125_000, reference=124_000)
    quote("VNM", price=60_000, reference=61_000)

    response = auth_client.get(f"/api/portfolios/{portfolio.pk}/summary/")

    assert response.status_code == 200
    assert response.json() == {
        "cash": "224266000",
        "settled_cash": "224266000",
        "cost_basis": "233149200",  # 109,964,700 + 123,184,500
        "market_value": "255000000",  # 135,000,000 + 120,000,000
        "total_value": "479266000",  # 255,000,000 + 224,266,000
        "net_flows": "450000000",  # 500,000,000 - 50,000,000
        "realized_pnl": "4495200",
        "unrealized_pnl": "21850800",  # 255,000,000 - 233,149,200
        "dividends": "2850000",  # net of the 150,000 tax
        "interest": "120000",
        "fees": "626000",  # 180,000 + 94,500 + 184,500 + 117,000 + FEE row 50,000
        "taxes": "228000",  # sell tax 78,000 + dividend tax 150,000
        # 4,495,200 + 21,850,800 + 2,850,000 + 120,000 - 50,000 = 29,266,000
        # = total value - net flows = 479,266,000 - 450,000,000
        "total_return": "29266000",
        # Modified Dietz, linked where no shares were held: the deposit's own period gives 0;
        # then V0 = 500,000,000 from 4 Mar 2025 to 2 Mar 2026 (364 days) and the withdrawal out
        # for the 244 days after 1 Jul: 29,266,000 / (500,000,000 - 50,000,000 x 244 / 364)
        "total_return_pct": "6.27",
        "day_change": "-920000",  # 1,080,000 - 2,000,000
        # -920,000 / (1,080 x 124,000 + 2,000 x 61,000 = 255,920,000)
        "day_change_pct": "-0.36",
        "holdings_count": 2,
        "transactions_count": 10,
        "cash_tracked": True,
        "as_of": "2026-03-02T07:45:00Z",
        "day_closed": [],
        "receivables": {"cash": "0", "shares_value": "0", "total": "0"},
    }


def test_allocation_groups_market_value_and_cash(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    build_scenario(auth_client, portfolio)
    quote("FPT", price=125_000, reference=124_000)
    quote("VNM", price=60_000, reference=61_000)

    by_industry = auth_client.get(f"/api/portfolios/{portfolio.pk}/allocation/?by=industry")
    by_exchange = auth_client.get(f"/api/portfolios/{portfolio.pk}/allocation/?by=exchange")
    bad = auth_client.get(f"/api/portfolios/{portfolio.pk}/allocation/?by=colour")

    assert by_industry.status_code == 200
    assert by_industry.json()["results"] == [
        {"key": "Technology", "label": "Technology", "market_value": "135000000", "weight": "28.17"},
        {"key": "Consumer Staples", "label": "Consumer Staples", "market_value": "120000000",
         "weight": "25.04"},
        {"key": "CASH", "label": "Cash", "market_value": "224266000", "weight": "46.79"},
    ]  # fmt: skip
    assert [s["key"] for s in by_exchange.json()["results"]] == ["HOSE", "CASH"]
    assert by_exchange.json()["results"][0]["market_value"] == "255000000"
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_allocation"


def test_holding_without_quote_is_valued_at_last_close_then_cost(
    auth_client: APIClient, portfolio: Portfolio, instruments: dict[str, Any]
) -> None:
    from tests.portfolio.factories import daily_bars

    record(auth_client, portfolio, kind="DEPOSIT", amount=100_000_000, trade_date="2025-03-03")
    record(auth_client, portfolio, kind="BUY", symbol="FPT", quantity=100, price=100_000,
           trade_date="2025-03-04")  # fmt: skip  # cost 10,015,000
    record(auth_client, portfolio, kind="BUY", symbol="HPG", quantity=100, price=20_000,
           trade_date="2025-03-04")  # fmt: skip  # cost 2,003,000
    daily_bars(instruments["FPT"], {date(2025, 3, 4): 101_000, date(2025, 3, 5): 102_000})

    holdings = auth_client.get(f"/api/portfolios/{portfolio.pk}/holdings/").json()["results"]

    fpt, hpg = holdings
    assert (fpt["price_source"], fpt["last_price"], fpt["market_value"]) == (
        "close",
        "102000",
        "10200000",
    )
    assert fpt["day_change"] is None
    assert (hpg["price_source"], hpg["last_price"], hpg["market_value"]) == (
        "cost",
        None,
        "2003000",
    )
    assert hpg["unrealized_pnl"] == "0"
