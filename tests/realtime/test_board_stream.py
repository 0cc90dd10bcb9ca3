"""The price board on /ws/market/: one subscription per board, quote frames with the board fields
(real ASGI application, real Redis channel layer)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from market.models import Instrument, InstrumentGroup
from portfolio.models import WatchlistItem
from realtime.broadcast import publish_ticks
from tests.factories import UserFactory
from tests.realtime.builders import instrument_with_quote, portfolio_holding, tick
from tests.realtime.conftest import communicator, groups_become, receive_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def vn30(transactional_db: Any) -> list[str]:
    for symbol, price in (("FPT", "120000"), ("VNM", "65000"), ("HPG", "27000")):
        instrument_with_quote(symbol, price=price, reference=price)
    group = InstrumentGroup.objects.create(code="VN30")
    group.instruments.add(*Instrument.objects.all())
    instrument_with_quote("MWG", price="50000", reference="50000")  # HOSE, not in VN30
    return ["FPT", "HPG", "VNM"]


def board_quote(symbol: str, *, as_of: str, price: str, seq: int | None = None) -> dict[str, Any]:
    return {
        "symbol": symbol, "price": price, "change": "100", "change_pct": "0.15",
        "open": price, "high": price, "low": price, "volume": 5000, "value": "1",
        "last_volume": 100, "bids": [[price, 1000], ["1", 1], ["2", 2]],
        "asks": [[price, 2000], ["3", 3], ["4", 4]], "foreign_buy": 10, "foreign_sell": 20,
        "as_of": as_of, "seq": seq,
    }  # fmt: skip


async def publish(ticks: list[dict], quotes: list[dict]) -> None:
    await sync_to_async(publish_ticks, thread_sensitive=False)(ticks, quotes)


async def open_market(token: str | None = None):  # type: ignore[no-untyped-def]
    client = communicator("/ws/market/", subprotocols=["jwt", token] if token else None)
    assert (await client.connect())[0]
    return client


async def test_a_board_is_one_subscription_and_pushes_quote_frames(vn30: list[str]) -> None:
    client = await open_market()
    await client.send_json_to({"action": "board", "list": "vn30"})
    board = await client.receive_json_from()

    assert board["type"] == "board"
    assert (board["list"], board["symbols"]) == ("VN30", vn30)
    assert [r["symbol"] for r in board["rows"]] == vn30
    assert board["rows"][0]["bids"] == [["119900", 500]]
    assert board["rows"][0]["last_volume"] is None
    assert {"ticker.FPT", "ticker.HPG", "ticker.VNM"} <= await groups_become(
        {"ticker.FPT", "ticker.HPG", "ticker.VNM"}
    )

    # a poll: FPT traded (a tick and its quote), VNM's book moved (a quote only), MWG (not on
    # the board) traded
    await publish(
        [tick("FPT", 1, "120100"), tick("MWG", 1, "50100")],
        [
            board_quote("FPT", as_of="2025-03-03T03:00:01Z", price="120100", seq=1),
            board_quote("VNM", as_of="2025-03-03T03:00:01Z", price="65000"),
            board_quote("MWG", as_of="2025-03-03T03:00:01Z", price="50100", seq=1),
        ],
    )
    frames = [await client.receive_json_from() for _ in range(2)]
    assert sorted((f["type"], f["symbol"]) for f in frames) == [("quote", "FPT"), ("quote", "VNM")]
    fpt = next(f for f in frames if f["symbol"] == "FPT")
    assert fpt == {"type": "quote", **board_quote("FPT", as_of="2025-03-03T03:00:01Z",
                                                  price="120100", seq=1)}  # fmt: skip
    # no tick frames: the board did not subscribe to ticks
    await client.send_json_to({"action": "ping"})
    assert await client.receive_json_from() == {"type": "pong"}
    await client.disconnect()


async def test_an_older_quote_than_the_client_has_is_not_sent(vn30: list[str]) -> None:
    client = await open_market()
    await client.send_json_to({"action": "board", "list": "VN30"})
    await receive_type(client, "board")
    # the stored rows are as of 2025-03-03T03:00:00Z
    await publish([], [board_quote("FPT", as_of="2025-03-03T02:59:59Z", price="1")])
    await publish([], [board_quote("FPT", as_of="2025-03-03T03:00:02.5Z", price="120200")])
    await publish([], [board_quote("FPT", as_of="2025-03-03T03:00:02Z", price="120300")])
    await publish([], [board_quote("HPG", as_of="2025-03-03T03:00:03Z", price="27100")])
    first = await client.receive_json_from()
    second = await client.receive_json_from()
    assert (first["symbol"], first["price"]) == ("FPT", "120200")
    assert (second["symbol"], second["price"]) == ("HPG", "27100")
    await client.disconnect()


async def test_another_board_replaces_the_first_and_leave_drops_it(vn30: list[str]) -> None:
    client = await open_market()
    await client.send_json_to({"action": "subscribe", "symbols": ["MWG"]})
    await receive_type(client, "snapshot")
    await client.send_json_to({"action": "board", "list": "VN30"})
    await receive_type(client, "board")
    await client.send_json_to({"action": "board", "list": "HOSE"})
    hose = await receive_type(client, "board")
    assert hose["symbols"] == ["FPT", "HPG", "MWG", "VNM"]

    await client.send_json_to({"action": "board_leave"})
    assert await client.receive_json_from() == {"type": "board_left"}
    # the tick subscription to MWG stays; the board's other symbols are dropped
    assert await groups_become({"ticker.MWG"}) == {"ticker.MWG"}
    await publish([tick("MWG", 1, "50100")], [board_quote("FPT", as_of="2025-03-03T04:00:00Z",
                                                            price="120500")])  # fmt: skip
    message = await client.receive_json_from()
    assert (message["type"], message["symbol"]) == ("tick", "MWG")
    await client.disconnect()


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"action": "board", "list": "VN31"}, "unknown_list"),
        ({"action": "board"}, "unknown_list"),
        ({"action": "board", "list": ["VN30"]}, "unknown_list"),
        ({"action": "board", "list": "watchlist"}, "not_authenticated"),
        ({"action": "board", "list": "portfolio:1"}, "not_authenticated"),
    ],
)
async def test_bad_boards_get_the_rest_error_and_the_stream_stays(
    vn30: list[str], payload: dict[str, Any], code: str
) -> None:
    client = await open_market()
    await client.send_json_to(payload)
    error = await client.receive_json_from()
    assert (error["type"], error["code"]) == ("error", code)
    assert error["message"]
    await client.send_json_to({"action": "ping"})
    assert await client.receive_json_from() == {"type": "pong"}
    await client.disconnect()


async def test_too_large_a_board_is_refused(vn30: list[str]) -> None:
    client = await open_market()
    with override_settings(BOARD_MAX_SYMBOLS=3):
        await client.send_json_to({"action": "board", "list": "HOSE"})
        error = await client.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "board_too_large")
    await client.disconnect()


async def test_your_watchlist_and_portfolio_boards(vn30: list[str]) -> None:
    def setup() -> tuple[str, int, int]:
        owner, other = UserFactory(), UserFactory()
        for symbol in ("VNM", "MWG"):
            WatchlistItem.objects.create(
                user=owner, instrument=Instrument.objects.get(
                    symbol=symbol
                )
            )  # fmt: skip
        mine = portfolio_holding(owner, {"HPG": (100, "27000")})
        theirs = portfolio_holding(other, {"FPT": (100, "120000")})
        return str(AccessToken.for_user(owner)), mine.pk, theirs.pk

    token, mine, theirs = await database_sync_to_async(setup)()
    client = await open_market(token)
    await client.send_json_to({"action": "board", "list": "watchlist"})
    assert (await receive_type(client, "board"))["symbols"] == ["MWG", "VNM"]
    await client.send_json_to({"action": "board", "list": f"portfolio:{mine}"})
    board = await receive_type(client, "board")
    assert (board["list"], board["symbols"]) == (f"portfolio:{mine}", ["HPG"])
    await client.send_json_to({"action": "board", "list": f"portfolio:{theirs}"})
    error = await client.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "not_found")
    await client.disconnect()
