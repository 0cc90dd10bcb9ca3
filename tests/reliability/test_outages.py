"""Redis, the web process and PostgreSQL restarted under API and websocket load, on a real stack
(see stack.py).

Redis: reads keep answering 200 and nothing answers 500; while Redis is away the limiter lets reads
through without its headers, and its headers come back by themselves. The websockets stay open (the
channel layer resubscribes underneath them) and no seq hole is left.
Web: the web tier stopped (SIGTERM) and a new one started on the same port while the worker keeps storing
ticks: every websocket client reconnects, resubscribes, and fills the seqs it missed from the
snapshot's seq and ``/ticks/?after_seq=``; the API answers 200 outside the window, never 500.
PostgreSQL: errors only while it is down and only 503 (never 500), the app recovers without a
restart, and every write the API acknowledged is stored while every refused one is not.
"""

from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest

from tests.reliability.stack import HttpLoad, Stack, TickClients, wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(300)]

SYMBOLS = ["FPT", "VNM", "HPG", "MWG"]
OUTAGE_SECONDS = 5.0
# Longer than the connection pool's 10 s wait, so requests see the outage instead of waiting it out.
POSTGRES_OUTAGE_SECONDS = 13.0
WEB_DOWN_SECONDS = 5.0


def reads(stack: Stack, token: str) -> dict[str, tuple[str, str, Any]]:
    status, body, _ = stack.call("GET", "/api/portfolios/", token=token)
    assert status == 200
    portfolio = body["results"][0]["id"]
    return {
        "quotes": ("GET", f"/api/market/quotes/?symbols={','.join(SYMBOLS)}", None),
        "instrument": ("GET", "/api/market/instruments/FPT/", None),
        "bars": ("GET", "/api/market/instruments/FPT/bars/?interval=1d", None),
        "summary": ("GET", f"/api/portfolios/{portfolio}/summary/", None),
        "holdings": ("GET", f"/api/portfolios/{portfolio}/holdings/", None),
    }


def report(name: str, load: HttpLoad, clients: TickClients, down: float, up: float) -> None:
    """The figures for the README (shown with ``pytest -s``)."""
    print(
        f"\n[{name}] requests={len(load.samples)} statuses={dict(load.statuses())} "
        f"during-outage={dict(load.statuses(since=down, until=up))} ws-clients={clients.count} "
        f"connects={sum(clients.connects)} drops={dict(clients.closes)} ticks={clients.ticks} "
        f"repaired-seqs={clients.repaired} seq-holes-left={len(clients.gaps())}"
    )


def test_a_redis_restart_under_load_serves_reads_and_clients_resync(stack: Stack) -> None:
    token = stack.token()
    calls = reads(stack, token)
    with (
        TickClients(stack, SYMBOLS, count=20) as clients,
        HttpLoad(stack, calls, token=token) as load,
    ):
        wait_until("ticks on every client", lambda: all(clients.seen), timeout=90)
        # given load on the API and 20 subscribed clients; when Redis dies and comes back
        down = time.monotonic()
        stack.redis.kill()
        time.sleep(OUTAGE_SECONDS)
        stack.redis.start()
        up = time.monotonic()
        at_restart = [{sym: max(seqs) for sym, seqs in seen.items()} for seen in clients.seen]
        ticks_at_restart = clients.ticks
        wait_until(
            "ticks after the restart",
            lambda: clients.ticks > ticks_at_restart + 50,
            timeout=90,
            stack=stack,  # the worker must survive losing its broker
        )
        wait_until(
            "the limiter's headers again",
            lambda: any("x-ratelimit-remaining" in h for at, _, h in load.headers[-20:] if at > up),
            timeout=60,
        )
        limited = time.monotonic()
        time.sleep(3)

    # then nothing answered 500, and every public or portfolio read answered 200 throughout
    statuses = load.statuses()
    assert statuses[500] == 0, statuses
    assert set(statuses) == {200}, statuses
    assert sum(1 for s in load.samples if down <= s.at < up) > 0
    # and the limiter was really out (reads let through without its headers), then came back by
    # itself: every answer since carries its headers
    assert any("x-ratelimit-remaining" not in h for at, _, h in load.headers if down <= at < up)
    since = [h for at, _, h in load.headers if at > limited]
    assert since, "no request after the limiter came back"
    assert all("x-ratelimit-remaining" in h for h in since)
    # and no socket dropped (the PubSub layer resubscribed underneath them); every client gets live
    # ticks again, with no seq hole left
    assert clients.connects == [1] * clients.count, clients.closes
    assert clients.errors == []
    assert clients.gaps() == []
    for before, seen in zip(at_restart, clients.seen, strict=True):
        assert any(max(seqs) > before.get(sym, 0) for sym, seqs in seen.items())
    report("redis restart", load, clients, down, up)


def test_a_web_restart_under_load_clients_reconnect_and_repair_the_gap(stack: Stack) -> None:
    token = stack.token()
    calls = reads(stack, token)
    with (
        TickClients(stack, SYMBOLS, count=20) as clients,
        HttpLoad(stack, calls, token=token) as load,
    ):
        wait_until(
            "ticks on every client",
            lambda: all(clients.live),
            timeout=90,
            stack=stack,
        )
        # given 20 subscribed clients and API load; when the web tier stops (SIGTERM cuts every socket)
        # while the worker keeps storing ticks, and a new tier starts on the same port
        down = time.monotonic()
        stack.stop_web()
        at_stop = [{sym: max(seqs) for sym, seqs in seen.items()} for seen in clients.seen]
        time.sleep(WEB_DOWN_SECONDS)
        stack.start_web()
        stack.wait_ready()
        up = time.monotonic()
        wait_until("every client reconnected", lambda: min(clients.connects) >= 2, timeout=60)
        live_at_up = list(clients.live)
        wait_until(
            "live ticks on every client after the restart",
            lambda: all(now > then for now, then in zip(clients.live, live_at_up, strict=True)),
            timeout=60,
            stack=stack,
        )
        time.sleep(3)

    # then every client reconnected, and the snapshot's seq plus the REST ticks filled in what was
    # stored while it was away: no seq hole is left, and there was something to fill in
    assert all(count >= 2 for count in clients.connects), clients.connects
    assert clients.errors == []
    assert clients.gaps() == []
    assert clients.repaired > 0
    # and every client is past where it stopped (on the symbols that traded since: the simulated
    # feed does not trade every symbol in every poll)
    for before, seen in zip(at_stop, clients.seen, strict=True):
        assert any(max(seen[sym]) > seq for sym, seq in before.items()), (before, seen.keys())
    # and the API answered 200 before and after; inside the window only "no answer", never a 500
    assert set(load.statuses(until=down)) == {200}
    assert set(load.statuses(since=up)) == {200}
    assert set(load.statuses(since=down, until=up)) <= {0, 200}
    assert load.statuses(since=down, until=up)[0] > 0  # the outage was real
    report("web restart", load, clients, down, up)


def test_a_postgres_restart_under_load_answers_503_then_recovers(stack: Stack) -> None:
    if stack.postgres is None:
        pytest.skip("no private PostgreSQL cluster (initdb unavailable): cannot restart it")
    token = stack.token()
    calls = reads(stack, token)
    portfolio = int(calls["summary"][1].split("/")[3])
    calls["deposit"] = (
        "POST",
        f"/api/portfolios/{portfolio}/transactions/",
        {"kind": "DEPOSIT", "amount": "1000", "trade_date": "2025-03-03", "note": "reliability"},
    )
    _, before, _ = stack.call("GET", f"/api/portfolios/{portfolio}/holdings/", token=token)
    with (
        TickClients(stack, SYMBOLS, count=10) as clients,
        HttpLoad(stack, calls, token=token) as load,
    ):
        wait_until("ticks on every client", lambda: all(clients.seen), timeout=90)
        # when PostgreSQL stops (fast: every connection dropped) and starts again
        down = time.monotonic()
        stack.postgres.stop()
        with pytest.raises(psycopg.OperationalError):  # the outage is real
            psycopg.connect(stack.postgres.admin_url, connect_timeout=2).close()
        time.sleep(POSTGRES_OUTAGE_SECONDS)
        stack.postgres.start()
        up = time.monotonic()
        wait_until(
            "every read to answer 200 again",
            lambda: {s.status for s in load.samples[-30:] if s.at > up + 1} == {201, 200},
            timeout=90,
        )
        recovered = time.monotonic()
        time.sleep(5)

    # then no 500 at all; outside the outage window (and its recovery) only 200 and 201
    statuses = load.statuses()
    assert statuses[500] == 0, statuses
    assert set(statuses) <= {200, 201, 503}, statuses
    assert set(load.statuses(until=down)) <= {200, 201}
    assert set(load.statuses(since=recovered)) <= {200, 201}
    # and inside it, requests that outwaited the pool were told 503 (with Retry-After)
    assert load.statuses(since=down, until=recovered)[503] > 0
    # and the ledger holds exactly the acknowledged deposits, the positions unchanged
    acknowledged = sum(1 for s in load.samples if s.name == "deposit" and s.status == 201)
    status, body, _ = stack.call(
        "GET", f"/api/portfolios/{portfolio}/transactions/?kind=DEPOSIT&page_size=500", token=token
    )
    assert status == 200
    stored = sum(1 for row in body["results"] if row["note"] == "reliability")
    assert stored == acknowledged
    _, after, _ = stack.call("GET", f"/api/portfolios/{portfolio}/holdings/", token=token)
    assert [(h["symbol"], h["quantity"]) for h in after["results"]] == [
        (h["symbol"], h["quantity"]) for h in before["results"]
    ]
    assert clients.gaps() == []
    report("postgres restart", load, clients, down, recovered)
