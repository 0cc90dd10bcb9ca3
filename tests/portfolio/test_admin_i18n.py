"""The admin in the staff user's language (vi by default, en on request), Vietnam time, grouped
money, a narrow transactions list, "View site" to the client and a favicon; the API stays English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation

from portfolio import services
from portfolio.models import Portfolio, Transaction
from portfolio_site.admin_display import money, price
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/portfolio/transaction/"


def staff_client(**headers: str) -> Client:
    client = Client(headers=headers)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def trades(portfolio: Portfolio) -> Portfolio:
    services.transaction_record(
        portfolio=portfolio,
        kind="DEPOSIT",
        amount=Decimal(1_234_567_000),
        trade_date=date(2025, 3, 3),
    )
    services.transaction_record(
        portfolio=portfolio, kind="BUY", symbol="FPT", quantity=1_500,
        price=Decimal(108_600), trade_date=date(2025, 3, 4),
    )  # fmt: skip
    return portfolio


@pytest.mark.parametrize(
    ("headers", "cookie", "lang", "title", "amount"),
    [
        ({}, None, "vi", "Chọn giao dịch", "1.234.567.000"),  # no preference: Vietnamese
        ({"accept-language": "vi-VN,vi;q=0.9"}, None, "vi", "Chọn giao dịch", "1.234.567.000"),
        ({"accept-language": "en-US,en;q=0.9"}, None, "en", "Select transaction", "1,234,567,000"),
        ({"accept-language": "fr-FR"}, None, "vi", "Chọn giao dịch", "1.234.567.000"),
        # the language switch's cookie wins over the browser
        ({"accept-language": "vi"}, "en", "en", "Select transaction", "1,234,567,000"),
        ({"accept-language": "en"}, "vi", "vi", "Chọn giao dịch", "1.234.567.000"),
    ],
)
def test_the_transactions_list_speaks_the_staff_users_language(
    trades: Portfolio,
    headers: dict[str, str],
    cookie: str | None,
    lang: str,
    title: str,
    amount: str,
) -> None:
    client = staff_client(**headers)
    if cookie:
        client.cookies["django_language"] = cookie
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{lang}"' in html
    assert title in html
    assert amount in html  # money grouped by thousands in that language
    assert page["Content-Language"] == lang


def test_the_transactions_list_has_seven_narrow_columns(trades: Portfolio) -> None:
    page = staff_client(**{"accept-language": "en"}).get(CHANGELIST)
    html = page.content.decode()
    headers = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert headers.count('<th scope="col"') == 7  # read-only: no selection box
    for column in ("trade date", "kind", "instrument", "quantity", "price", "amount", "portfolio"):
        assert f">{column.capitalize()}<" in headers or f">{column}<" in headers.lower()
    assert "108,600" in html
    assert "1,500" in html
    assert "Main · " in html  # the owner is shown with the portfolio


def test_every_admin_page_of_ours_renders_in_both_languages(trades: Portfolio) -> None:
    transaction = Transaction.objects.filter(portfolio=trades).first()
    assert transaction is not None
    pages = [
        "/admin/",
        "/admin/portfolio/portfolio/",
        f"/admin/portfolio/portfolio/{trades.pk}/change/",
        CHANGELIST,
        f"{CHANGELIST}{transaction.pk}/change/",
        "/admin/portfolio/alert/",
        "/admin/portfolio/watchlistitem/",
        "/admin/market/instrument/",
        "/admin/market/quote/",
        "/admin/market/tick/",
        "/admin/market/bar/",
        "/admin/market/corporateevent/",
        "/admin/market/instrumentgroup/",
    ]
    for lang, marker in (("vi", "Danh mục đầu tư"), ("en", "Portfolios")):
        client = staff_client(**{"accept-language": lang})
        for url in pages:
            page = client.get(url)
            assert page.status_code == 200, url
            assert f'<html lang="{lang}"' in page.content.decode(), url
        assert marker in client.get("/admin/").content.decode()


def test_the_portfolio_page_shows_grouped_figures_with_translated_headers(
    trades: Portfolio,
) -> None:
    html = staff_client().get(f"/admin/portfolio/portfolio/{trades.pk}/change/").content.decode()
    assert "<th>giá vốn bình quân</th>" in html
    assert "<td>1.500</td>" in html  # 1,500 FPT held


def test_times_are_shown_in_vietnam_time(trades: Portfolio) -> None:
    from market.models import Quote
    from tests.portfolio.factories import quote

    quote("FPT", price=110_000, reference=108_600)
    Quote.objects.update(as_of=datetime(2026, 3, 4, 2, 15, tzinfo=UTC))  # 09:15 in Vietnam
    html = staff_client(**{"accept-language": "en"}).get("/admin/market/quote/").content.decode()
    assert '<td class="field-as_of nowrap">2026-03-04 09:15</td>' in html


def test_view_site_opens_the_web_client(settings, trades: Portfolio) -> None:
    from django.contrib import admin

    html = staff_client().get("/admin/").content.decode()
    assert f'<a href="{admin.site.site_url}">Xem trang web</a>' in html
    assert admin.site.site_url == settings.FRONTEND_URL


def test_the_admin_has_a_favicon_and_a_language_switch() -> None:
    client = staff_client()
    html = client.get("/admin/").content.decode()
    assert '<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,' in html
    assert 'data-testid="language-switch"' in html
    # switching to English sets the cookie and the next page is English
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en"' in client.get("/admin/").content.decode()


def test_the_api_stays_english_whatever_the_browser_asks(api_client) -> None:
    response = api_client.post(
        "/api/auth/token/", {}, format="json", headers={"accept-language": "vi"}
    )
    assert response.status_code == 400
    body = response.json()
    assert "This field is required." in str(body)
    assert "Content-Language" not in response or response["Content-Language"] != "vi"


@pytest.mark.parametrize(
    ("lang", "value", "shown"),
    [
        ("vi", Decimal("1234567"), "1.234.567"),
        ("en", Decimal("1234567"), "1,234,567"),
        ("vi", Decimal("-98765.4"), "-98.765"),
        ("en", Decimal("999.5"), "1,000"),
        ("en", None, "-"),
    ],
)
def test_money_is_whole_vnd_grouped_in_the_language(
    lang: str, value: Decimal | None, shown: str
) -> None:
    with translation.override(lang):
        assert money(value) == shown


def test_index_levels_keep_their_decimals() -> None:
    with translation.override("vi"):
        assert price(Decimal("1262.50")) == "1.262,50"
        assert price(Decimal("108600.00")) == "108.600"
