"""The market admin: instruments with filters and actions, read-only quotes, ticks and bars."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from market.models import Bar, Instrument, Quote, Tick
from market.providers.base import ProviderUnavailable
from market.services import quotes_ingest
from tests.factories import UserFactory
from tests.market.builders import instrument, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("market_redis")]


@pytest.fixture
def admin_client() -> Client:
    client = Client(headers={"accept-language": "en"})  # the texts asserted below are English
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def market() -> None:
    instrument("FPT", groups=("VN30",))
    instrument("SHS", exchange="HNX")
    now = timezone.now()
    quotes_ingest(snapshots=[snapshot(volume=1000, as_of=now - timedelta(seconds=2))])
    quotes_ingest(snapshots=[snapshot(last="100500", volume=1200, as_of=now)])


@pytest.mark.parametrize(
    "url",
    [
        "/admin/market/instrument/",
        "/admin/market/instrument/?exchange__exact=HNX",
        "/admin/market/instrument/?type__exact=stock&q=FP",
        "/admin/market/instrumentgroup/",
        "/admin/market/quote/",
        "/admin/market/tick/",
        "/admin/market/bar/?interval__exact=1m",
        "/admin/django_celery_beat/periodictask/",
    ],
)
def test_admin_pages_load(admin_client: Client, market, url: str) -> None:
    assert admin_client.get(url).status_code == 200


def test_the_instrument_filter_by_group_narrows_the_list(admin_client: Client, market) -> None:
    group_id = Instrument.objects.get(symbol="FPT").groups.get().id
    page = admin_client.get(f"/admin/market/instrument/?groups__id__exact={group_id}")
    assert list(page.context["cl"].result_list) == [Instrument.objects.get(symbol="FPT")]


def test_quotes_ticks_and_bars_are_read_only(admin_client: Client, market) -> None:
    tick = Tick.objects.get()
    bar = Bar.objects.get()
    assert admin_client.get("/admin/market/tick/add/").status_code == 403
    page = admin_client.get(f"/admin/market/tick/{tick.pk}/change/")
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    response = admin_client.post(f"/admin/market/bar/{bar.pk}/change/", {"close": "1"})
    assert response.status_code == 403
    assert Quote.objects.get().price == 100500


class OneSymbolBoard:
    name = "stub"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def price_board(self, symbols: list[str]) -> list[Any]:
        if self.error:
            raise self.error
        return [snapshot(s, last="101000", volume=1500, as_of=timezone.now()) for s in symbols]


def test_the_refresh_action_ingests_the_board_now(
    admin_client: Client, market, monkeypatch
) -> None:
    monkeypatch.setattr("market.admin.get_provider", lambda: OneSymbolBoard())
    fpt = Instrument.objects.get(symbol="FPT")
    response = admin_client.post(
        "/admin/market/instrument/",
        {"action": "refresh_quote", "_selected_action": [fpt.pk]},
        follow=True,
    )
    assert "Quotes: 1 stored, 0 unchanged, 0 rejected" in response.content.decode()
    assert Quote.objects.get(instrument=fpt).price == 101000


def test_a_provider_failure_in_the_refresh_action_is_shown(
    admin_client: Client, market, monkeypatch
) -> None:
    monkeypatch.setattr(
        "market.admin.get_provider", lambda: OneSymbolBoard(ProviderUnavailable("offline"))
    )
    fpt = Instrument.objects.get(symbol="FPT")
    response = admin_client.post(
        "/admin/market/instrument/",
        {"action": "refresh_quote", "_selected_action": [fpt.pk]},
        follow=True,
    )
    assert "The provider failed: offline" in response.content.decode()


def test_the_backfill_action_queues_the_task(admin_client: Client, market, monkeypatch) -> None:
    queued: list[dict[str, Any]] = []
    monkeypatch.setattr("market.tasks.backfill_history.delay", lambda **kw: queued.append(kw))
    ids = list(Instrument.objects.values_list("pk", flat=True))
    response = admin_client.post(
        "/admin/market/instrument/",
        {"action": "backfill_history", "_selected_action": ids},
        follow=True,
    )
    assert "Queued a history backfill of 2 instruments." in response.content.decode()
    assert queued == [{"symbols": ["FPT", "SHS"], "days": 730}]
