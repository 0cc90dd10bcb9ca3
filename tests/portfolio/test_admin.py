"""The admin: transactions inline saved through the services, ledger errors shown, not raised."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from portfolio import services
from portfolio.models import Alert, Portfolio, Transaction, WatchlistItem
from portfolio_site.errors import RuleViolation
from tests.factories import UserFactory
from tests.portfolio.factories import quote

pytestmark = pytest.mark.django_db

PORTFOLIO_FIELDS = ("name", "description", "fee_rate", "sell_tax_rate", "dividend_tax_rate")


@pytest.fixture
def admin_client() -> Client:
    client = Client(headers={"accept-language": "en"})  # the texts asserted below are English
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def holding(portfolio: Portfolio) -> Portfolio:
    """Cash, 1,000 FPT bought, then 1,000 sold."""
    services.transaction_record(
        portfolio=portfolio,
        kind="DEPOSIT",
        amount=Decimal(500_000_000),
        trade_date=date(2025, 3, 3),
    )
    services.transaction_record(
        portfolio=portfolio, kind="BUY", symbol="FPT", quantity=1000, price=Decimal(100_000),
        trade_date=date(2025, 3, 4),
    )  # fmt: skip
    services.transaction_record(
        portfolio=portfolio, kind="SELL", symbol="FPT", quantity=400, price=Decimal(110_000),
        trade_date=date(2025, 3, 10),
    )  # fmt: skip
    return portfolio


def form_data(
    portfolio: Portfolio, *, new: list[dict[str, Any]] = (), **changes: Any
) -> dict[str, Any]:  # type: ignore[assignment]
    """The change form as a browser would post it, plus ``new`` inline rows and ``changes``."""
    data: dict[str, Any] = {
        "owner": portfolio.owner_id,
        "cost_method": portfolio.cost_method,
        **{name: getattr(portfolio, name) for name in PORTFOLIO_FIELDS},
    }
    if portfolio.enforce_settlement:
        data["enforce_settlement"] = "on"
    if portfolio.track_cash:
        data["track_cash"] = "on"
    rows: list[Transaction] = []
    if portfolio.pk:
        stored = Transaction.objects.filter(portfolio=portfolio).select_related("instrument")
        rows = list(stored.order_by("trade_date", "id"))
    for index, row in enumerate(rows):
        prefix = f"transactions-{index}-"
        data |= {
            f"{prefix}id": row.pk,
            f"{prefix}portfolio": portfolio.pk,
            f"{prefix}kind": row.kind,
            f"{prefix}symbol": row.instrument.symbol if row.instrument else "",
            f"{prefix}quantity": row.quantity,
            f"{prefix}price": row.price or "",
            f"{prefix}amount": row.amount or "",
            f"{prefix}fee": row.fee,
            f"{prefix}tax": row.tax,
            f"{prefix}trade_date": row.trade_date.isoformat(),
            f"{prefix}note": row.note,
            f"{prefix}external_id": row.external_id,
        }
    for offset, fields in enumerate(new):
        prefix = f"transactions-{len(rows) + offset}-"
        data |= {f"{prefix}portfolio": portfolio.pk or ""}
        data |= {f"{prefix}{name}": value for name, value in fields.items()}
    data |= {
        "transactions-TOTAL_FORMS": len(rows) + len(new),
        "transactions-INITIAL_FORMS": len(rows),
        "transactions-MIN_NUM_FORMS": 0,
        "transactions-MAX_NUM_FORMS": 1000,
    }
    return {key: value for key, value in data.items() if value is not None} | changes


def change_url(portfolio: Portfolio) -> str:
    return f"/admin/portfolio/portfolio/{portfolio.pk}/change/"


def test_change_page_shows_computed_holdings(admin_client: Client, holding: Portfolio) -> None:
    quote("FPT", price=120_000, reference=118_000)

    page = admin_client.get(change_url(holding))

    assert page.status_code == 200
    html = page.content.decode()
    assert "<td>FPT</td>" in html
    assert "<td>600</td>" in html  # 1,000 bought - 400 sold
    assert "<td>72,000,000</td>" in html  # 600 x 120,000


def test_inline_buy_is_recorded_through_the_service(
    admin_client: Client, holding: Portfolio, published: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    new = {"kind": "BUY", "symbol": "vnm", "quantity": 100, "price": 60000,
           "trade_date": "2025-03-07"}  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(change_url(holding), form_data(holding, new=[new]))

    assert response.status_code == 302, response.content.decode()[:2000]
    row = holding.transactions.get(kind="BUY", instrument__symbol="VNM")
    assert (row.fee, row.fee_is_derived) == (9_000, True)  # 0.0015 x 6,000,000
    assert row.settle_date == date(2025, 3, 11)  # Friday + 2 trading days
    assert published == [holding.pk]


def test_inline_oversell_shows_the_ledger_error_and_writes_nothing(
    admin_client: Client, holding: Portfolio
) -> None:
    new = {"kind": "SELL", "symbol": "FPT", "quantity": 5000, "price": 120000,
           "trade_date": "2025-03-12"}  # fmt: skip

    response = admin_client.post(change_url(holding), form_data(holding, new=[new]))

    assert response.status_code == 200
    assert "cannot sell 5,000 shares; only 600 held" in response.content.decode()
    assert holding.transactions.count() == 3


def test_inline_delete_that_breaks_a_later_sell_is_refused(
    admin_client: Client, holding: Portfolio
) -> None:
    data = form_data(holding)
    data["transactions-1-DELETE"] = "on"  # the BUY the SELL needs

    response = admin_client.post(change_url(holding), data)

    assert response.status_code == 200
    assert "cannot sell 400 shares" in response.content.decode()
    assert holding.transactions.count() == 3


def test_inline_edit_keeps_an_unchanged_derived_fee_derived(
    admin_client: Client, holding: Portfolio
) -> None:
    data = form_data(holding)
    data["transactions-1-price"] = "90000"  # the BUY

    response = admin_client.post(change_url(holding), data)

    assert response.status_code == 302
    buy = holding.transactions.get(kind="BUY")
    assert (buy.price, buy.fee, buy.fee_is_derived) == (90_000, 135_000, True)


def test_switching_on_cash_tracking_that_breaks_the_ledger_is_a_form_error(
    admin_client: Client, user: Any, instruments: dict[str, Any]
) -> None:
    loose = services.portfolio_create(owner=user, name="Loose", track_cash=False)
    services.transaction_record(
        portfolio=loose, kind="BUY", symbol="FPT", quantity=10, price=Decimal(100_000),
        trade_date=date(2025, 3, 4),
    )  # fmt: skip
    data = form_data(loose, track_cash="on")

    response = admin_client.post(change_url(loose), data)

    assert response.status_code == 200
    assert response.content.decode().count("needs 1,001,500 VND but only 0 VND") == 1
    assert Portfolio.objects.get(pk=loose.pk).track_cash is False


def test_ledger_error_at_save_time_is_a_message_not_a_500(
    admin_client: Client, holding: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_apply = services.transactions_apply

    def racing_apply(**kwargs: Any) -> Any:
        if not kwargs.get("dry_run"):
            raise RuleViolation("Transaction 9 (2025-03-12 SELL FPT): cannot sell", code="oversell")
        return real_apply(**kwargs)

    monkeypatch.setattr(services, "transactions_apply", racing_apply)
    new = {"kind": "DEPOSIT", "amount": 1000, "trade_date": "2025-03-12"}

    response = admin_client.post(
        change_url(holding), form_data(holding, new=[new], name="Renamed"), follow=True
    )

    assert response.status_code == 200
    assert "Nothing was saved: Transaction 9 (2025-03-12 SELL FPT): cannot sell" in (
        response.content.decode()
    )
    assert holding.transactions.count() == 3
    assert Portfolio.objects.get(pk=holding.pk).name == "Main"


def test_add_portfolio_with_transactions(admin_client: Client, user: Any, instruments: Any) -> None:
    blank = Portfolio(owner=user, name="Fresh")
    new = [
        {"kind": "DEPOSIT", "amount": 10_000_000, "trade_date": "2025-03-03"},
        {"kind": "BUY", "symbol": "FPT", "quantity": 10, "price": 100000,
         "trade_date": "2025-03-04"},
    ]  # fmt: skip

    response = admin_client.post("/admin/portfolio/portfolio/add/", form_data(blank, new=new))

    assert response.status_code == 302, response.content.decode()[:3000]
    created = Portfolio.objects.get(name="Fresh")
    assert created.transactions.count() == 2
    assert created.transactions.get(kind="BUY").fee == 1_500


def test_changelist_searches_by_symbol_and_filters_by_owner(
    admin_client: Client, holding: Portfolio, other_user: Any
) -> None:
    services.portfolio_create(owner=other_user, name="Other")

    by_symbol = admin_client.get("/admin/portfolio/portfolio/?q=FPT")
    by_owner = admin_client.get(f"/admin/portfolio/portfolio/?owner__id__exact={other_user.pk}")
    transactions = admin_client.get("/admin/portfolio/transaction/?q=FPT")

    assert by_symbol.status_code == 200
    assert list(by_symbol.context["cl"].queryset) == [holding]
    assert [p.name for p in by_owner.context["cl"].queryset] == ["Other"]
    assert transactions.context["cl"].result_count == 2


def test_watchlist_and_alert_admin_pages(admin_client: Client, user: Any, instruments: Any) -> None:
    WatchlistItem.objects.create(user=user, instrument=instruments["FPT"])
    Alert.objects.create(user=user, instrument=instruments["FPT"], condition="above", threshold=1)

    assert admin_client.get("/admin/portfolio/watchlistitem/?q=FPT").status_code == 200
    assert admin_client.get("/admin/portfolio/alert/?q=FPT").status_code == 200
    assert Transaction.objects.count() == 0
