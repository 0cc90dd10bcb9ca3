"""GET /api/portfolios/overview/: every portfolio of the user summed, to the đồng (issue #16)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from market.calendar import trading_days_between
from market.models import Instrument
from portfolio import services
from portfolio.models import Portfolio
from portfolio.services import market_today
from tests.portfolio.api_helpers import error_code, record
from tests.portfolio.factories import daily_bars, quote

pytestmark = pytest.mark.django_db

URL = "/api/portfolios/overview/"
SUMMED = [
    "cost_basis",
    "market_value",
    "total_value",
    "net_flows",
    "realized_pnl",
    "unrealized_pnl",
    "dividends",
    "interest",
    "fees",
    "taxes",
    "total_return",
    "day_change",
]


def ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.json()
    return response.json()


@pytest.fixture
def three(auth_client: APIClient, user: Any, instruments: dict[str, Instrument]) -> list[Portfolio]:
    """Cash and no-cash portfolios, average and FIFO, trades, dividends, a sale, a buy today."""
    today = market_today()
    days = trading_days_between(today - timedelta(days=60), today)
    for symbol, base in (("FPT", 98_000), ("VNM", 61_000), ("HPG", 27_000), ("SHS", 18_000)):
        daily_bars(instruments[symbol], {d: base + 50 * i for i, d in enumerate(days[:-1])})
    now = timezone.now()
    quote("FPT", price=101_300, reference=99_950, as_of=now)
    quote("VNM", price=60_700, reference=61_300, as_of=now)
    quote("HPG", price=27_450, reference=27_050, as_of=now)
    quote("SHS", price=18_900, reference=18_700, as_of=now)
    d = [day.isoformat() for day in days]
    main = services.portfolio_create(owner=user, name="Main")
    fifo = services.portfolio_create(owner=user, name="Fifo", cost_method="fifo")
    loose = services.portfolio_create(owner=user, name="No cash", track_cash=False)
    rows = {
        main: [
            {"kind": "DEPOSIT", "amount": 500_000_000, "trade_date": d[0]},
            {
                "kind": "BUY",
                "symbol": "FPT",
                "quantity": 1_300,
                "price": 97_900,
                "trade_date": d[1],
            },
            {"kind": "BUY", "symbol": "VNM", "quantity": 700, "price": 60_300, "trade_date": d[2]},
            {"kind": "DIVIDEND", "symbol": "VNM", "amount": 1_050_000, "trade_date": d[20]},
            {
                "kind": "SELL",
                "symbol": "FPT",
                "quantity": 300,
                "price": 99_100,
                "trade_date": d[25],
            },
            {
                "kind": "BUY",
                "symbol": "FPT",
                "quantity": 100,
                "price": 101_000,
                "trade_date": d[-1],
            },
        ],
        fifo: [
            {"kind": "DEPOSIT", "amount": 200_000_000, "trade_date": d[3]},
            {
                "kind": "BUY",
                "symbol": "HPG",
                "quantity": 2_000,
                "price": 26_150,
                "trade_date": d[4],
            },
            {
                "kind": "BUY",
                "symbol": "HPG",
                "quantity": 1_000,
                "price": 26_950,
                "trade_date": d[9],
            },
            {
                "kind": "SELL",
                "symbol": "HPG",
                "quantity": 1_500,
                "price": 27_300,
                "trade_date": d[30],
            },
            {"kind": "BUY", "symbol": "FPT", "quantity": 200, "price": 99_800, "trade_date": d[31]},
            {"kind": "INTEREST", "amount": 123_457, "trade_date": d[32]},
            {"kind": "FEE", "amount": 22_000, "trade_date": d[33]},
        ],
        loose: [
            {
                "kind": "BUY",
                "symbol": "SHS",
                "quantity": 3_300,
                "price": 17_700,
                "trade_date": d[5],
            },
            {"kind": "BUY", "symbol": "VNM", "quantity": 100, "price": 61_100, "trade_date": d[6]},
            {"kind": "DIVIDEND", "symbol": "SHS", "amount": 3_300_000, "trade_date": d[21]},
            {
                "kind": "SELL",
                "symbol": "SHS",
                "quantity": 1_100,
                "price": 18_800,
                "trade_date": d[-1],
            },
        ],
    }
    for portfolio, entries in rows.items():
        for fields in entries:
            ok(record(auth_client, portfolio, **fields))
    return [main, fifo, loose]


def test_totals_are_the_sums_of_the_portfolios_own_summaries_to_the_dong(
    auth_client: APIClient, three: list[Portfolio], other_client: APIClient
) -> None:
    ok(other_client.post("/api/portfolios/", {"name": "Someone else's"}, format="json"))
    body = ok(auth_client.get(URL))
    own = {p.pk: ok(auth_client.get(f"/api/portfolios/{p.pk}/summary/")) for p in three}

    assert [line["id"] for line in body["portfolios"]] == sorted(
        (p.pk for p in three), key=lambda pk: Portfolio.objects.get(pk=pk).name
    )
    for name in SUMMED:
        assert Decimal(body["totals"][name]) == sum(Decimal(s[name]) for s in own.values()), name
    tracked = [Decimal(s["cash"]) for s in own.values() if s["cash"] is not None]
    assert len(tracked) == 2
    assert Decimal(body["totals"]["cash"]) == sum(tracked)
    assert body["totals"]["portfolios_count"] == 3
    assert body["totals"]["holdings_count"] == 4  # FPT, VNM, HPG, SHS
    # today's P&L is there (quotes of today, a buy and a sale today)
    assert Decimal(body["totals"]["day_change"]) != 0
    assert body["totals"]["day_change_pct"] is not None
    # each line carries exactly its own summary, and its share of the total value
    total_value = Decimal(body["totals"]["total_value"])
    for line in body["portfolios"]:
        assert line["error"] is None
        assert line["summary"] == {**own[line["id"]], "as_of": line["summary"]["as_of"]}
        expected = (Decimal(own[line["id"]]["total_value"]) * 100 / total_value).quantize(
            Decimal("0.01")
        )
        assert Decimal(line["share"]) == expected


def test_allocation_sums_market_value_by_symbol_across_portfolios_plus_cash(
    auth_client: APIClient, three: list[Portfolio]
) -> None:
    body = ok(auth_client.get(URL))
    holdings: dict[str, Decimal] = {}
    for p in three:
        for h in ok(auth_client.get(f"/api/portfolios/{p.pk}/holdings/"))["results"]:
            holdings[h["symbol"]] = holdings.get(h["symbol"], Decimal(0)) + Decimal(
                h["market_value"]
            )
    slices = {s["key"]: Decimal(s["market_value"]) for s in body["allocation"]}

    assert slices.pop("CASH") == Decimal(body["totals"]["cash"])
    assert slices == holdings
    assert sum(slices.values()) == Decimal(body["totals"]["market_value"])
    values = [Decimal(s["market_value"]) for s in body["allocation"][:-1]]
    assert values == sorted(values, reverse=True)


def test_performance_sums_the_portfolios_series(
    auth_client: APIClient, three: list[Portfolio]
) -> None:
    body = ok(auth_client.get(URL + "?range=3M"))
    series = {
        p.pk: ok(auth_client.get(f"/api/portfolios/{p.pk}/performance/?range=3M&benchmark=none"))[
            "series"
        ]
        for p in three
    }
    by_date: dict[str, Decimal] = {}
    for points in series.values():
        for point in points:
            by_date[point["date"]] = by_date.get(point["date"], Decimal(0)) + Decimal(
                point["value"]
            )

    combined = body["performance"]
    assert combined["range"] == "3M"
    assert {p["date"]: Decimal(p["value"]) for p in combined["series"]} == by_date
    assert combined["series"][0]["twr_index"] == "1.000000"
    assert Decimal(combined["end_value"]) == by_date[max(by_date)]
    assert combined["twr"] is not None


def test_an_empty_user_gets_zeros_and_a_bad_range_is_400(auth_client: APIClient) -> None:
    body = ok(auth_client.get(URL))
    assert body["portfolios"] == []
    assert body["allocation"] == []
    assert body["totals"]["total_value"] == "0"
    assert body["totals"]["cash"] is None
    assert body["performance"]["series"] == []

    bad = auth_client.get(URL + "?range=2W")
    assert bad.status_code == 400
    assert error_code(bad) == "invalid_range"


def test_overview_is_owner_only_and_needs_a_login(
    three: list[Portfolio], other_client: APIClient
) -> None:
    body = ok(other_client.get(URL))
    assert body["portfolios"] == []
    assert APIClient().get(URL).status_code == 401


def test_a_new_transaction_shows_at_once(auth_client: APIClient, three: list[Portfolio]) -> None:
    before = ok(auth_client.get(URL))["totals"]
    ok(
        record(
            auth_client,
            three[0],
            kind="DEPOSIT",
            amount=1_000_000,
            trade_date=market_today().isoformat(),
        )
    )
    after = ok(auth_client.get(URL))["totals"]
    assert Decimal(after["cash"]) == Decimal(before["cash"]) + 1_000_000
    assert Decimal(after["net_flows"]) == Decimal(before["net_flows"]) + 1_000_000


def test_a_portfolio_whose_ledger_no_longer_folds_is_listed_and_left_out(
    auth_client: APIClient, three: list[Portfolio]
) -> None:
    from portfolio import snapshot_cache
    from portfolio.models import Transaction

    main, fifo, loose = three
    before = {p.pk: ok(auth_client.get(f"/api/portfolios/{p.pk}/summary/")) for p in three}
    # a stored row changed behind the services' back: the SELL now sells more than was held
    Transaction.objects.filter(portfolio=fifo, kind="SELL").update(quantity=9_000)
    snapshot_cache.invalidate_portfolio(fifo.pk)
    assert auth_client.get(f"/api/portfolios/{fifo.pk}/summary/").status_code == 409

    body = ok(auth_client.get(URL))

    broken = next(line for line in body["portfolios"] if line["id"] == fifo.pk)
    assert broken["error"]["code"] == "ledger_inconsistent"
    assert broken["summary"] is None
    assert broken["share"] is None
    for name in SUMMED:
        assert Decimal(body["totals"][name]) == sum(
            Decimal(before[p.pk][name]) for p in (main, loose)
        ), name
    assert body["totals"]["portfolios_count"] == 3
