"""Redis and PostgreSQL restarted under API and websocket load, on a real stack (see stack.py).

Redis: public reads keep answering 200, nothing answers 500, the limiter's headers come back by
themselves, websocket clients reconnect, resubscribe and repair any seq gap from the REST ticks.
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
            "ticks after the restart", lambda: clients.ticks > ticks_at_restart + 50, timeout=90
        )
        wait_until(
            "the limiter's headers again",
            lambda: any("x-ratelimit-remaining" in h for at, _, h in load.headers[-20:] if at > up),
            timeout=60,
        )
        time.sleep(3)

    # then nothing answered 500, and every public or portfolio read answered 200 throughout
    statuses = load.statuses()
    assert statuses[500] == 0, statuses
    assert set(statuses) == {200}, statuses
    assert sum(1 for s in load.samples if down <= s.at < up) > 0
    # and every client (reconnected or not) gets live ticks again, with no seq hole left
    assert clients.errors == []
    assert clients.gaps() == []
    for before, seen in zip(at_restart, clients.seen, strict=True):
        assert any(max(seqs) > before.get(sym, 0) for sym, seqs in seen.items())
    report("redis restart", load, clients, down, up)


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
