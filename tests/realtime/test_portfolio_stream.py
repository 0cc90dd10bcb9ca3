"""The /ws/portfolio/<id>/ stream: live valuation, ledger changes and alerts, end to end in-process."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from portfolio.services import transaction_record
from realtime.broadcast import publish_ticks
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.realtime.builders import (
    TRADE_DAY,
    buy,
    instrument_with_quote,
    portfolio_holding,
    tick,
)
from tests.realtime.conftest import (
    asgi_keys,
    closed_with,
    communicator,
    groups_become,
    receive_type,
)

pytestmark = pytest.mark.django_db(transaction=True)

EARLIER = date(2025, 2, 26)  # a Wednesday: settled by TRADE_DAY


@pytest.fixture
def owner(transactional_db):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def portfolio(owner):  # type: ignore[no-untyped-def]
    instrument_with_quote("FPT", price="120000", reference="118000")
    instrument_with_quote("VNM", price="65000", reference="65000")
    instrument_with_quote("HPG", price="27000", reference="27000")
    return portfolio_holding(owner, {"FPT": (100, "110000")}, cash="50000000")


async def open_stream(owner, portfolio):  # type: ignore[no-untyped-def]
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(owner)))()
    client = communicator(f"/ws/portfolio/{portfolio.pk}/", subprotocols=["jwt", token])
    assert (await client.connect())[0]
    first = await client.receive_json_from()
    assert first["type"] == "valuation"
    return client, first


async def publish(ticks: list[dict]) -> None:
    await sync_to_async(publish_ticks, thread_sensitive=False)(ticks)


def rest_valuation(owner, portfolio) -> dict:  # type: ignore[no-untyped-def]
    """What the REST API answers for the portfolio's summary and holdings right now."""
    client = client_for(owner)
    summary = client.get(f"/api/portfolios/{portfolio.pk}/summary/")
    holdings = client.get(f"/api/portfolios/{portfolio.pk}/holdings/")
    assert summary.status_code == holdings.status_code == 200
    return {"summary": summary.json(), "holdings": holdings.json()["results"]}


async def test_the_first_valuation_equals_the_rest_valuation(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    client, first = await open_stream(owner, portfolio)
    expected = await database_sync_to_async(rest_valuation)(owner, portfolio)
    assert first["portfolio_id"] == portfolio.pk
    assert first["summary"] == expected["summary"]
    assert first["holdings"] == expected["holdings"]
    fpt = first["holdings"][0]
    assert (fpt["symbol"], fpt["quantity"], fpt["last_price"]) == ("FPT", "100", "120000")
    assert fpt["day_change"] == "1000000"  # bought today at 110000: 100 x (120000 - 110000)
    await client.disconnect()


async def test_a_tick_moves_the_valuation_exactly_as_a_stored_quote_would(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    client, _ = await open_stream(owner, portfolio)
    # when FPT trades at 125000 (reference 118000)
    await publish([tick("FPT", 1, "125000", change="7000")])
    pushed = await client.receive_json_from()
    # then the live valuation is what REST reports once the quote row says 125000
    from market.models import Quote

    await database_sync_to_async(
        lambda: Quote.objects.filter(instrument__symbol="FPT").update(
            price=Decimal(125000), change=Decimal(7000)
        )
    )()
    expected = await database_sync_to_async(rest_valuation)(owner, portfolio)
    assert pushed["holdings"][0]["market_value"] == "12500000"
    assert pushed["holdings"][0]["day_change"] == "1500000"  # 100 x (125000 - 110000)
    # byte for byte, but for the time: the tick's own time against the quote row's as_of
    assert pushed["summary"]["as_of"] == "2025-03-03T03:00:01Z"
    assert pushed["holdings"][0].pop("price_as_of") == "2025-03-03T03:00:01Z"
    expected["holdings"][0].pop("price_as_of")
    assert {**pushed["summary"], "as_of": None} == {**expected["summary"], "as_of": None}
    assert pushed["holdings"] == expected["holdings"]
    await client.disconnect()


async def test_a_tick_moves_today_s_pnl_from_the_buy_price_and_keeps_a_symbol_sold_out_today(
    owner,
) -> None:  # type: ignore[no-untyped-def]
    # given 100 FPT held since an earlier day plus 100 bought today at 119000, and VNM sold out today
    def build():  # type: ignore[no-untyped-def]
        instrument_with_quote("FPT", price="120000", reference="118000")
        instrument_with_quote("VNM", price="65000", reference="64000")
        book = portfolio_holding(owner, {"FPT": (100, "119000")}, cash="50000000")
        transaction_record(
            portfolio=book, kind="DEPOSIT", trade_date=EARLIER, amount=Decimal(20_000_000)
        )
        for kind, symbol, day, price in (
            ("BUY", "FPT", EARLIER, "110000"),
            ("BUY", "VNM", EARLIER, "60000"),
            ("SELL", "VNM", TRADE_DAY, "66000"),
        ):
            transaction_record(
                portfolio=book, kind=kind, trade_date=day, symbol=symbol, quantity=100,
                price=Decimal(price),
            )  # fmt: skip
        return book

    portfolio = await database_sync_to_async(build)()
    client, first = await open_stream(owner, portfolio)
    # VNM: sold 100 at 66000 against the reference 64000: +200,000, ticks or not
    assert [(d["symbol"], d["day_change"]) for d in first["summary"]["day_closed"]] == [
        ("VNM", "200000")
    ]
    # when FPT trades at 125000 (reference 118000)
    await publish([tick("FPT", 1, "125000", change="7000")])
    pushed = await client.receive_json_from()
    # then 200 x 125000 - 100 x 118000 (held at the close) - 100 x 119000 (bought today)
    fpt = pushed["holdings"][0]
    assert (fpt["day_base_quantity"], fpt["day_bought_value"]) == ("100", "11900000")
    assert fpt["day_change"] == "1300000"
    assert pushed["summary"]["day_change"] == "1500000"  # FPT's line + VNM's line
    await client.disconnect()


async def test_a_tick_older_than_the_price_the_stream_holds_moves_nothing(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    client, _ = await open_stream(owner, portfolio)
    # when a tick from before the stored quote's time arrives late (e.g. held during a reload)
    late = {**tick("FPT", 1, "90000", change="-28000"), "ts": "2025-03-03T02:59:00Z"}
    await publish([late])
    # then no valuation is pushed: the stream keeps the newer stored price
    assert await client.receive_nothing(timeout=1.5)
    # and a newer tick still moves it
    await publish([tick("FPT", 2, "125000", change="7000")])
    pushed = await client.receive_json_from()
    assert pushed["holdings"][0]["last_price"] == "125000"
    await client.disconnect()


async def test_the_stream_follows_only_held_symbols(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    client, _ = await open_stream(owner, portfolio)
    assert await groups_become({"ticker.FPT", f"portfolio.{portfolio.pk}", f"user.{owner.pk}"}) == {
        "ticker.FPT",
        f"portfolio.{portfolio.pk}",
        f"user.{owner.pk}",
    }
    await client.disconnect()
    assert await groups_become(set()) == set()
    assert asgi_keys() == []


async def test_a_burst_of_ticks_is_coalesced_into_one_push(owner, portfolio, settings) -> None:  # type: ignore[no-untyped-def]
    settings.WS_VALUATION_INTERVAL_SECONDS = 1.0
    client, _ = await open_stream(owner, portfolio)
    for seq, price in enumerate(("121000", "122000", "123000", "124000", "125000"), start=1):
        await publish([tick("FPT", seq, price, change=str(int(price) - 118000))])
    pushed = await client.receive_json_from()
    # one push carries the last price; no push per tick
    assert pushed["holdings"][0]["last_price"] == "125000"
    assert await client.receive_nothing(timeout=0.3)
    await client.disconnect()


async def test_a_recorded_transaction_pushes_transaction_then_the_new_holdings(
    owner, portfolio
) -> None:  # type: ignore[no-untyped-def]
    client, _ = await open_stream(owner, portfolio)
    # when the owner buys VNM through the service (which publishes on commit)
    await database_sync_to_async(buy)(portfolio, "VNM", 200, "64000")
    assert await client.receive_json_from() == {"type": "transaction", "portfolio_id": portfolio.pk}
    valuation = await client.receive_json_from()
    assert [h["symbol"] for h in valuation["holdings"]] == ["FPT", "VNM"]
    # and the stream now follows VNM's ticks too
    await publish([tick("VNM", 1, "66000", change="1000")])
    pushed = await client.receive_json_from()
    vnm = pushed["holdings"][1]
    assert (vnm["symbol"], vnm["last_price"], vnm["day_change"]) == ("VNM", "66000", "400000")
    await client.disconnect()


async def test_deleting_the_portfolio_closes_its_stream(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    from portfolio.services import portfolio_delete

    client, _ = await open_stream(owner, portfolio)
    await database_sync_to_async(portfolio_delete)(portfolio=portfolio)
    assert await receive_type(client, "transaction") == {
        "type": "transaction",
        "portfolio_id": portfolio.pk,
    }
    assert await closed_with(client) == 4403
    await client.disconnect()


async def test_bad_client_messages_get_errors_and_the_stream_stays_open(owner, portfolio) -> None:  # type: ignore[no-untyped-def]
    client, _ = await open_stream(owner, portfolio)
    # given an open portfolio stream, when the client sends junk, then each gets an error frame
    for frame, code in [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        ('{"action": "subscribe", "symbols": ["FPT"]}', "unknown_action"),
    ]:
        await client.send_to(text_data=frame)
        reply = await receive_type(client, "error")
        assert reply["code"] == code
    await client.send_to(bytes_data=b"\x00\xff")
    assert (await receive_type(client, "error"))["code"] == "invalid_json"
    # and the stream still answers
    await client.send_json_to({"action": "ping"})
    assert (await receive_type(client, "pong"))["type"] == "pong"
    await client.disconnect()
