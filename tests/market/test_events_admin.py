"""The corporate-event admin: list, filters and search load; saves go through the service, so an
impossible term comes back as a field error and nothing is written; edits keep their history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from market.events import corporate_event_upsert
from market.models import CorporateEvent, Instrument
from market.providers.base import CorporateEventData
from tests.factories import UserFactory
from tests.market.builders import instrument

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Any:
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(staff: Any) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def fpt() -> Instrument:
    return instrument("FPT")


def form(fpt: Instrument, **overrides: str) -> dict[str, str]:
    data = {
        "instrument": str(fpt.pk),
        "kind": "cash_dividend",
        "status": "announced",
        "title": "",
        "announcement_date": "",
        "ex_date": "2026-06-15",
        "record_date": "2026-06-16",
        "payment_date": "2026-07-10",
        "cash_per_share": "2000",
        "ratio_old": "",
        "ratio_new": "",
        "subscription_price": "",
        "subscription_start": "",
        "subscription_end": "",
    }
    data.update(overrides)
    return data


def test_the_event_list_filters_and_search_load(admin_client: Client, fpt: Instrument) -> None:
    corporate_event_upsert(
        data=CorporateEventData(
            symbol="FPT",
            kind="cash_dividend",
            source="simulated",
            ex_date=date(2026, 6, 15),
            cash_per_share=Decimal("1500"),
        )
    )
    for url in (
        "/admin/market/corporateevent/",
        "/admin/market/corporateevent/?kind__exact=cash_dividend&q=FPT",
        "/admin/market/corporateevent/?status__exact=announced",
        "/admin/market/corporateevent/add/",
    ):
        assert admin_client.get(url).status_code == 200


def test_an_impossible_term_comes_back_as_a_field_error(
    admin_client: Client, fpt: Instrument
) -> None:
    page = admin_client.post(
        "/admin/market/corporateevent/add/",
        form(fpt, record_date="2026-06-10", cash_per_share="-1500"),
    )
    assert page.status_code == 200
    errors = page.context["adminform"].form.errors
    assert "cannot be before the ex-date" in errors["record_date"][0]
    assert "greater than zero" in errors["cash_per_share"][0]
    assert CorporateEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cash_per_share": "-1500"}, "cash_per_share"),
        ({"cash_per_share": "0"}, "cash_per_share"),
        ({"cash_per_share": "1000000001"}, "cash_per_share"),
        ({"record_date": "2026-06-12"}, "record_date"),
        ({"payment_date": "2026-06-01"}, "payment_date"),
        (
            {"kind": "stock_dividend", "cash_per_share": "", "ratio_old": "0", "ratio_new": "20"},
            "ratio_old",
        ),
        (
            {"kind": "bonus_shares", "cash_per_share": "", "ratio_old": "1", "ratio_new": "500"},
            "ratio_new",
        ),
        ({"ex_date": "1999-06-15", "record_date": "", "payment_date": ""}, "ex_date"),
        (
            {
                "kind": "rights_issue",
                "cash_per_share": "",
                "ratio_old": "10",
                "ratio_new": "3",
                "subscription_price": "-10000",
            },
            "subscription_price",
        ),
    ],
    ids=[
        "negative-cash",
        "zero-cash",
        "cash-above-any-price",
        "record-before-ex",
        "paid-before-ex",
        "zero-ratio",
        "absurd-ratio",
        "before-the-first-session",
        "negative-subscription-price",
    ],
)
def test_each_impossible_term_is_a_field_error_and_nothing_is_written(
    admin_client: Client, fpt: Instrument, overrides: dict[str, str], field: str
) -> None:
    page = admin_client.post("/admin/market/corporateevent/add/", form(fpt, **overrides))
    assert page.status_code == 200
    assert field in page.context["adminform"].form.errors
    assert CorporateEvent.objects.count() == 0


def test_a_stock_dividend_without_ratio_is_refused_on_its_field(
    admin_client: Client, fpt: Instrument
) -> None:
    page = admin_client.post(
        "/admin/market/corporateevent/add/",
        form(fpt, kind="stock_dividend", cash_per_share="", ratio_old="100", ratio_new="0"),
    )
    assert page.status_code == 200
    assert "ratio_new" in page.context["adminform"].form.errors
    assert CorporateEvent.objects.count() == 0


def test_adding_and_editing_save_through_the_service_with_history(
    admin_client: Client, fpt: Instrument, staff: Any
) -> None:
    response = admin_client.post("/admin/market/corporateevent/add/", form(fpt))
    assert response.status_code == 302
    event = CorporateEvent.objects.get()
    assert event.source == "manual"
    response = admin_client.post(
        f"/admin/market/corporateevent/{event.pk}/change/",
        form(fpt, cash_per_share="2500", status="confirmed"),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.cash_per_share == Decimal("2500")
    assert event.history.count() == 2
    assert {h.history_user for h in event.history.all()} == {staff}
    history = admin_client.get(f"/admin/market/corporateevent/{event.pk}/history/")
    assert history.status_code == 200
