"""Price alerts: conditions, firing once (also under a concurrent worker), pushed to the owner."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from channels.db import database_sync_to_async
from django.db import connection, transaction
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from market.models import Quote
from market.signals import quotes_updated
from portfolio.alerts import QuoteMove, alert_is_met, alerts_evaluate
from portfolio.models import Alert
from tests.conftest import requires_postgres
from tests.factories import UserFactory
from tests.realtime.builders import alert_on, instrument_with_quote, portfolio_holding
from tests.realtime.conftest import communicator, receive_type

D = Decimal


@pytest.mark.parametrize(
    ("condition", "threshold", "price", "change_pct", "met"),
    [
        ("above", "120000", "120000", "1", True),
        ("above", "120000", "119900", "1", False),
        ("below", "100000", "100000", "1", True),
        ("below", "100000", "100100", "1", False),
        ("change_pct_above", "3", "1", "3.00", True),
        ("change_pct_above", "3", "1", "2.99", False),
        ("change_pct_below", "-5", "1", "-5.01", True),
        ("change_pct_below", "-5", "1", "-4.99", False),
        ("change_pct_below", "-5", "1", None, False),
    ],
)
def test_alert_conditions(condition, threshold, price, change_pct, met) -> None:  # type: ignore[no-untyped-def]
    move = QuoteMove("FPT", D(price), None if change_pct is None else D(change_pct))
    assert alert_is_met(condition=condition, threshold=D(threshold), move=move) is met


@pytest.fixture
def fpt_alert(transactional_db):  # type: ignore[no-untyped-def]
    owner = UserFactory()
    instrument_with_quote("FPT", price="120000", reference="118000")
    portfolio = portfolio_holding(owner, {"FPT": (100, "110000")}, cash="1000000")
    alert = alert_on(owner, "FPT", condition="above", threshold="121000")
    return owner, portfolio, alert


QUOTE_UP = [{"symbol": "FPT", "price": D("121500"), "change_pct": D("2.97"), "as_of": None}]


@pytest.mark.django_db(transaction=True)
def test_an_alert_fires_once_and_is_marked_triggered(fpt_alert) -> None:  # type: ignore[no-untyped-def]
    _, _, alert = fpt_alert
    assert alerts_evaluate(quotes=[{"symbol": "FPT", "price": "120500", "change_pct": "2"}]) == []
    fired = alerts_evaluate(quotes=QUOTE_UP)
    assert [a.pk for a in fired] == [alert.pk]
    alert.refresh_from_db()
    assert alert.triggered_at is not None
    assert alert.triggered_price == D("121500")
    # the next poll above the threshold fires nothing
    assert alerts_evaluate(quotes=QUOTE_UP) == []


@pytest.mark.django_db(transaction=True)
def test_inactive_alerts_never_fire(fpt_alert) -> None:  # type: ignore[no-untyped-def]
    _, _, alert = fpt_alert
    Alert.objects.filter(pk=alert.pk).update(is_active=False)
    assert alerts_evaluate(quotes=QUOTE_UP) == []


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_that_loses_the_race_does_not_fire(fpt_alert) -> None:  # type: ignore[no-untyped-def]
    # given another worker that has marked the alert (row locked, not yet committed)
    _, _, alert = fpt_alert
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                Alert.objects.filter(pk=alert.pk, triggered_at__isnull=True).update(
                    triggered_at=timezone.now(), triggered_price=D("121400")
                )
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert locked.wait(timeout=10)
    # when this worker evaluates the same quote (its UPDATE waits for the other's commit)
    threading.Timer(0.3, release.set).start()
    fired = alerts_evaluate(quotes=QUOTE_UP)
    worker.join(timeout=10)
    # then it fires nothing and the other worker's mark stands
    assert fired == []
    alert.refresh_from_db()
    assert alert.triggered_price == D("121400")


@pytest.mark.django_db(transaction=True)
async def test_a_fired_alert_reaches_the_owners_portfolio_stream_once(fpt_alert) -> None:  # type: ignore[no-untyped-def]
    owner, portfolio, alert = fpt_alert
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(owner)))()
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    await receive_type(client, "valuation")
    # when the market app announces a quote poll (the receiver is wired in RealtimeConfig.ready)
    await database_sync_to_async(quotes_updated.send)(sender=Quote, quotes=QUOTE_UP)
    message = await receive_type(client, "alert")
    assert message == {
        "type": "alert",
        "id": alert.pk,
        "symbol": "FPT",
        "condition": "above",
        "threshold": "121000",
        "triggered_at": message["triggered_at"],
        "triggered_price": "121500",
        "change_pct": "2.97",
        "message": "FPT price at or above 121000",
    }
    assert message["triggered_at"].endswith("Z")
    # a second announcement fires nothing more
    await database_sync_to_async(quotes_updated.send)(sender=Quote, quotes=QUOTE_UP)
    assert await client.receive_nothing(timeout=0.3)
    await client.disconnect()
