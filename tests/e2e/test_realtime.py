"""Live data end to end through real processes: beat -> worker -> Redis -> web tier -> websocket client.

Bounded: every wait has a deadline (no assertion on how fast); the session's stack is torn down even
when a test fails. See tests/e2e/conftest.py for the processes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

VN30_TRIO = ["FPT", "VNM", "HPG"]
LIVE_WAIT = 90.0  # an upper bound only: the simulated board trades each symbol every few seconds


async def open_market(stack: Stack, *, web: int = 0) -> ClientConnection:
    return await connect(
        stack.ws("/ws/market/", web=web), origin=stack.origin(web=web), open_timeout=20
    )  # type: ignore[arg-type]


async def next_message(
    ws: ClientConnection, accept: Callable[[dict], bool], timeout: float
) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if accept(message):
                return message


async def subscribe(ws: ClientConnection, symbols: list[str]) -> dict:
    await ws.send(json.dumps({"action": "subscribe", "symbols": symbols}))
    return await next_message(ws, lambda m: m["type"] in ("snapshot", "error"), 20)


async def collect_ticks(
    ws: ClientConnection, done: Callable[[list[dict]], bool], timeout: float
) -> list[dict]:
    ticks: list[dict] = []
    async with asyncio.timeout(timeout):
        while not done(ticks):
            message = json.loads(await ws.recv())
            if message["type"] == "tick":
                ticks.append(message)
    return ticks


def every_symbol_ticked(symbols: list[str]) -> Callable[[list[dict]], bool]:
    return lambda ticks: set(symbols) <= {tick["symbol"] for tick in ticks}


async def test_a_client_gets_the_snapshot_then_live_ticks_of_three_vn30_symbols(
    stack: Stack,
) -> None:
    ws = await open_market(stack)
    try:
        snapshot = await subscribe(ws, VN30_TRIO)
        assert snapshot["type"] == "snapshot", snapshot
        assert [quote["symbol"] for quote in snapshot["quotes"]] == sorted(VN30_TRIO)
        assert all(quote["source"] == "simulated" for quote in snapshot["quotes"])
        ticks = await collect_ticks(ws, every_symbol_ticked(VN30_TRIO), LIVE_WAIT)
    finally:
        await ws.close()
    for symbol in VN30_TRIO:
        seqs = [tick["seq"] for tick in ticks if tick["symbol"] == symbol]
        assert seqs == sorted(set(seqs)), f"{symbol} seqs not strictly increasing: {seqs}"
    first = ticks[0]
    assert set(first) == {
        "type",
        "symbol",
        "price",
        "change",
        "change_pct",
        "volume",
        "ts",
        "seq",
        "source",
    }
    assert first["ts"].endswith("Z")
    assert first["volume"] > 0


async def test_two_web_processes_deliver_the_same_ticks(stack: Stack) -> None:
    clients = [await open_market(stack, web=0), await open_market(stack, web=1)]
    try:
        for ws in clients:
            assert (await subscribe(ws, VN30_TRIO))["type"] == "snapshot"
        enough: Callable[[list[dict]], bool] = lambda ticks: len(ticks) >= 6  # noqa: E731
        streams = await asyncio.gather(*(collect_ticks(ws, enough, LIVE_WAIT) for ws in clients))
    finally:
        for ws in clients:
            await ws.close()
    # over the seq range both clients were listening, each got exactly the same ticks
    for symbol in VN30_TRIO:
        seen = [
            {(t["seq"], t["price"]) for t in ticks if t["symbol"] == symbol} for ticks in streams
        ]
        if not all(seen):
            continue
        low = max(min(seq for seq, _ in ticks) for ticks in seen)
        high = min(max(seq for seq, _ in ticks) for ticks in seen)
        window = [{pair for pair in ticks if low <= pair[0] <= high} for ticks in seen]
        assert window[0] == window[1], symbol
    shared = set.intersection(*({(t["symbol"], t["seq"]) for t in ticks} for ticks in streams))
    assert shared, "the two web processes never delivered a common tick"


async def test_the_demo_portfolio_stream_follows_the_live_prices(stack: Stack) -> None:
    # The simulated board trades every few seconds but moves a price only every few minutes, so
    # the check is that each valuation carries the latest tick of a held symbol (price and time);
    # how a changed price changes every figure is tested in tests/realtime/test_portfolio_stream.py.
    token = await asyncio.to_thread(stack.demo_token)
    portfolios = await asyncio.to_thread(stack.request, "GET", "/api/portfolios/", None, token)
    portfolio_id = portfolios["results"][0]["id"]
    ticket = await asyncio.to_thread(stack.request, "POST", "/api/auth/ws-ticket/", None, token)
    market = await open_market(stack)
    try:
        async with connect(
            stack.ws(f"/ws/portfolio/{portfolio_id}/?ticket={ticket['ticket']}"),
            origin=stack.origin(),  # type: ignore[arg-type]
            open_timeout=20,
        ) as portfolio:
            first = await next_message(portfolio, lambda m: m["type"] == "valuation", 20)
            held = sorted(h["symbol"] for h in first["holdings"])
            assert held, "the demo portfolio holds nothing"
            assert (await subscribe(market, held))["type"] == "snapshot"
            # when a held symbol trades
            tick = await next_message(market, lambda m: m["type"] == "tick", LIVE_WAIT)
            # then a valuation with that trade's price and time follows
            pushed = await next_message(
                portfolio,
                lambda m: (
                    m["type"] == "valuation"
                    and any(
                        h["symbol"] == tick["symbol"] and h["price_as_of"] == tick["ts"]
                        for h in m["holdings"]
                    )
                ),
                LIVE_WAIT,
            )
    finally:
        await market.close()
    holding = next(h for h in pushed["holdings"] if h["symbol"] == tick["symbol"])
    assert Decimal(holding["last_price"]) == Decimal(tick["price"])
    assert Decimal(holding["market_value"]) == Decimal(tick["price"]) * Decimal(holding["quantity"])
    assert pushed["summary"]["market_value"] == str(
        sum(int(h["market_value"]) for h in pushed["holdings"])
    )


async def test_the_same_ticket_cannot_open_a_second_stream(stack: Stack) -> None:
    token = await asyncio.to_thread(stack.demo_token)
    portfolios = await asyncio.to_thread(stack.request, "GET", "/api/portfolios/", None, token)
    path = f"/ws/portfolio/{portfolios['results'][0]['id']}/"
    ticket = (await asyncio.to_thread(stack.request, "POST", "/api/auth/ws-ticket/", None, token))[
        "ticket"
    ]
    async with connect(stack.ws(f"{path}?ticket={ticket}"), origin=stack.origin()) as first:  # type: ignore[arg-type]
        await next_message(first, lambda m: m["type"] == "valuation", 20)
        async with connect(stack.ws(f"{path}?ticket={ticket}"), origin=stack.origin()) as second:  # type: ignore[arg-type]
            async with asyncio.timeout(20):
                await second.wait_closed()
            assert second.close_code == 4401


async def test_a_thousand_subscribe_cycles_leave_no_groups_or_memory_behind(stack: Stack) -> None:
    groups = f"{stack.prefix}:asgi__group__*"

    async def cycles(ws: ClientConnection, count: int) -> None:
        for _ in range(count):
            assert (await subscribe(ws, ["FPT"]))["type"] == "snapshot"
            await ws.send(json.dumps({"action": "unsubscribe", "symbols": ["FPT"]}))
            await next_message(ws, lambda m: m["type"] == "unsubscribed", 20)

    ws = await open_market(stack)
    try:
        await cycles(ws, 100)  # warm up allocators and caches before measuring
        before = stack.rss_kib("web0")
        await cycles(ws, 1000)
        after = stack.rss_kib("web0")
    finally:
        await ws.close()

    async def no_groups() -> list[bytes]:
        for _ in range(100):
            left: list[bytes] = await asyncio.to_thread(stack.redis().pubsub_channels, groups)
            if not left:
                return left
            await asyncio.sleep(0.1)
        return left

    assert await no_groups() == []
    assert after - before < 20 * 1024, f"web0 grew {after - before} KiB over 1,000 cycles"


def test_no_process_died(stack: Stack) -> None:
    dead = {name: p.returncode for name, p in stack.processes.items() if p.poll() is not None}
    assert dead == {}, stack.log_tails()
