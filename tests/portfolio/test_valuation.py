"""Today's P&L, the one rounding, the one allocation and the number formats, through the API.

The quotes of ``tests.portfolio.factories`` are stamped 2026-03-02 07:45 UTC: their Vietnam trading
day, "today" for the day change, is Monday 2 March 2026.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from portfolio.models import Portfolio
from tests.portfolio.api_helpers import record
from tests.portfolio.factories import quote

pytestmark = pytest.mark.django_db

QUOTE_DAY = date(2026, 3, 2)
EARLIER = date(2026, 2, 2)


def recorded(client: APIClient, portfolio: Portfolio, *steps: dict[str, Any]) -> None:
    for step in steps:
        response = record(client, portfolio, **step)
        assert response.status_code == 201, response.json()


def bought(
    client: APIClient, portfolio: Portfolio, *buys: tuple[str, int, int, date], cash: int
) -> None:
    """A deposit of ``cash`` on the first buy's day, then each (symbol, quantity, price, day)."""
    recorded(
        client,
        portfolio,
        {"kind": "DEPOSIT", "amount": cash, "trade_date": min(b[3] for b in buys)},
        *(
            {"kind": "BUY", "symbol": symbol, "quantity": quantity, "price": price,
             "trade_date": day}
            for symbol, quantity, price, day in buys
        ),
    )  # fmt: skip


def valuation(client: APIClient, portfolio: Portfolio) -> tuple[dict[str, Any], list[Any]]:
    summary = client.get(f"/api/portfolios/{portfolio.pk}/summary/")
    holdings = client.get(f"/api/portfolios/{portfolio.pk}/holdings/")
    assert summary.status_code == holdings.status_code == 200
    return summary.json(), holdings.json()["results"]


def test_shares_bought_today_move_from_their_buy_price_not_the_reference(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    bought(auth_client, portfolio, ("FPT", 1000, 108_600, QUOTE_DAY), cash=200_000_000)
    quote("FPT", price=108_700, reference=109_900)

    summary, (fpt,) = valuation(auth_client, portfolio)

    # 1,000 x 108,700 - 1,000 x 108,600 (bought today) = +100,000; nothing held at the close before
    assert fpt["day_change"] == "100000"
    assert fpt["day_base_quantity"] == "0"
    assert fpt["day_bought_value"] == "108600000"
    assert fpt["trading_day"] == "2026-03-02"
    assert summary["day_change"] == "100000"
    assert summary["day_change_pct"] == "0.09"  # 100,000 / 108,600,000


def test_a_symbol_sold_out_today_keeps_its_day_change_in_the_total(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    bought(
        auth_client,
        portfolio,
        ("FPT", 1000, 100_000, EARLIER),
        ("VNM", 100, 60_000, EARLIER),
        cash=200_000_000,
    )
    recorded(
        auth_client,
        portfolio,
        {"kind": "SELL", "symbol": "FPT", "quantity": 1000, "price": 110_000,
         "trade_date": QUOTE_DAY},
    )  # fmt: skip
    quote("FPT", price=108_700, reference=109_900)
    quote("VNM", price=61_000, reference=60_500)

    summary, holdings = valuation(auth_client, portfolio)

    assert [h["symbol"] for h in holdings] == ["VNM"]
    assert holdings[0]["day_change"] == "50000"  # 100 x (61,000 - 60,500)
    (fpt,) = summary["day_closed"]
    # sold 1,000 at 110,000 against a reference of 109,900: +100,000
    assert fpt["symbol"] == "FPT"
    assert fpt["day_change"] == "100000"
    assert fpt["day_base_quantity"] == "1000"
    assert fpt["day_sold_value"] == "110000000"
    assert summary["day_change"] == "150000"


def test_bonus_shares_booked_today_move_from_the_reference_like_the_shares_they_came_with(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    bought(auth_client, portfolio, ("HPG", 1000, 30_000, EARLIER), cash=50_000_000)
    recorded(
        auth_client,
        portfolio,
        {"kind": "STOCK_DIVIDEND", "symbol": "HPG", "quantity": 500, "trade_date": QUOTE_DAY},
    )
    quote("HPG", price=21_000, reference=20_000)  # reference adjusted for the 50 % bonus

    summary, (hpg,) = valuation(auth_client, portfolio)

    assert hpg["day_base_quantity"] == "1500"
    assert hpg["day_change"] == summary["day_change"] == "1500000"  # 1,500 x (21,000 - 20,000)


def test_holdings_add_up_to_the_summary_to_the_dong(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    for symbol in ("FPT", "VNM", "HPG"):
        recorded(
            auth_client,
            portfolio,
            {"kind": "DEPOSIT", "amount": 100_000, "trade_date": EARLIER},
            {"kind": "BUY", "symbol": symbol, "quantity": 3, "price": 10_000, "fee": 1,
             "trade_date": EARLIER},
            {"kind": "SELL", "symbol": symbol, "quantity": 1, "price": 10_000, "fee": 0,
             "tax": 0, "trade_date": date(2026, 2, 5)},
        )  # fmt: skip
        quote(symbol, price=10_000, reference=10_000)

    summary, holdings = valuation(auth_client, portfolio)

    # each line's cost is 30,001 x 2/3 = 20,000.67 -> 20,001; the summary adds the lines
    for name in ("cost_basis", "market_value", "unrealized_pnl", "realized_pnl", "day_change"):
        assert sum(Decimal(h[name]) for h in holdings) == Decimal(summary[name]), name
    assert summary["cost_basis"] == "60003"
    texts = [*summary.values(), *(v for h in holdings for v in h.values())]
    assert "-0" not in texts
    assert "-0.00" not in texts


def test_allocation_by_every_key_shares_one_definition_with_the_holdings_weights(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    bought(
        auth_client,
        portfolio,
        ("FPT", 300, 100_000, EARLIER),
        ("SHS", 1000, 20_000, EARLIER),
        cash=100_000_000,
    )
    quote("FPT", price=101_000, reference=100_000)
    quote("SHS", price=20_000, reference=20_000)
    url = f"/api/portfolios/{portfolio.pk}/allocation/"
    summary, holdings = valuation(auth_client, portfolio)

    views = {
        by: auth_client.get(url, {"by": by}).json()
        for by in ("symbol", "industry", "exchange", "type")
    }

    by_symbol = views["symbol"]["results"]
    assert [(s["key"], s["weight"]) for s in by_symbol] == [
        *((h["symbol"], h["weight"]) for h in holdings),
        ("CASH", by_symbol[-1]["weight"]),
    ]
    for by, view in views.items():
        assert view["total_value"] == summary["total_value"], by
        assert sum(Decimal(s["market_value"]) for s in view["results"]) == Decimal(
            summary["total_value"]
        ), by
        assert view["results"][-1]["key"] == "CASH"
        assert view["results"][-1]["market_value"] == summary["cash"]


def test_prices_come_back_in_whole_vnd_like_every_money_figure(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    bought(auth_client, portfolio, ("FPT", 1000, 108_600, EARLIER), cash=200_000_000)
    quote("FPT", price=108_600, reference=108_000)

    summary, (fpt,) = valuation(auth_client, portfolio)

    assert fpt["last_price"] == "108600"
    assert fpt["reference_price"] == "108000"
    assert re.fullmatch(r"\d+\.\d\d", fpt["weight"])
    assert summary["day_change_pct"] == "0.56"


def test_watchlist_and_alert_prices_come_back_in_whole_vnd_and_percent_thresholds_in_two_decimals(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    quote("FPT", price=108_600, reference=108_000)
    auth_client.post("/api/watchlist/", {"symbol": "FPT"}, format="json")
    for condition, threshold in (("above", "110000"), ("change_pct_above", "3.5")):
        created = auth_client.post(
            "/api/alerts/",
            {"symbol": "FPT", "condition": condition, "threshold": threshold},
            format="json",
        )
        assert created.status_code == 201, created.json()

    (watched,) = auth_client.get("/api/watchlist/").json()["results"]
    alerts = auth_client.get("/api/alerts/").json()["results"]

    assert (watched["quote"]["price"], watched["quote"]["change"]) == ("108600", "600")
    assert watched["quote"]["change_pct"] == "0.56"
    assert sorted(a["threshold"] for a in alerts) == ["110000", "3.50"]
