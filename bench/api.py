"""API: portfolio summary, holdings and performance under load, cache warm and cold.

Data: the 30 benchmark symbols (plus VNINDEX as the performance benchmark) with two years of daily
bars ending yesterday and a current quote each, and one portfolio of 1,000 valid transactions over
those two years (bench/ledger_data.py), owned by a benchmark user whose JWT the load carries.

Server: the web tier as the Procfile runs it (gunicorn, one uvicorn worker per server CPU), pinned
to the server CPUs; the rate limiter stays in the path (portfolio_read raised far above the load so nothing is refused). Cache warm = the project's
Redis cache (primed by one request); cache cold = Django's DummyCache, so every request folds the
ledger (and computes the performance) again.

Load (pinned to the client CPUs), per endpoint and cache state:
- closed loop at concurrency 50 -- wrk (Debian's package) when installed, else bench/http_load.py --
  for the maximum requests/s and its latency;
- open loop at 300 requests/s over 50 connections (bench/http_load.py, latency counted from when
  each request was due) for the p99 the target names;
- with the cache warm, the same closed loop on three "floor" endpoints (``FLOORS``): what the
  framework costs before any portfolio work.

Peer: ``bench/peers/fastapi_api/`` serves the summary with the same SQL behind FastAPI on uvicorn
(psycopg pool, the project's own ``fold``), with as many ``--workers`` as ours has processes, pinned
to the same CPUs, measured the same way; its body is compared with ours.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench import database
from bench.context import PYTHON, Context, free_port
from bench.ledger_data import SYMBOLS, generate_history, generate_ledger
from bench.machine import CpuMeter
from bench.processes import Processes, wait_for_port
from bench.report import Section, Target
from bench.stats import ratio

USERNAME = "bench-api"
PORTFOLIO_NAME = "bench-api-1000"
TRANSACTIONS = 1000
CONCURRENCY = 50
OPEN_LOOP_RATE = 300
TARGET_P99_MS = 40.0
ENDPOINTS = {
    "summary": "summary/",
    "holdings": "holdings/",
    "performance": "performance/?range=1Y",
}
# The framework's own cost on the same server, closed loop, cache warm: what any endpoint pays
# before its own work (no auth; JWT + user query + rate limiter; + the portfolio ownership query).
FLOORS = {
    "floor: /healthz": "/healthz",
    "floor: /api/auth/me/": "/api/auth/me/",
    "floor: portfolio detail": "/api/portfolios/{portfolio}/",
}


def _prepare_data(ctx: Context) -> tuple[int, str]:
    """(portfolio id, access token) -- data rebuilt from scratch for the benchmark user."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from rest_framework_simplejwt.tokens import AccessToken

    from market.calendar import vn_midnight_utc
    from market.models import Bar, Instrument, Quote
    from portfolio.models import Portfolio, Transaction

    database.prepare(ctx)
    today = datetime.now(UTC).date()
    history = generate_history(first=today - timedelta(days=730), last=today - timedelta(days=1))
    entries = generate_ledger(TRANSACTIONS, history=history)
    with transaction.atomic():
        index, _ = Instrument.objects.update_or_create(
            symbol="VNINDEX", defaults={"exchange": "HOSE", "type": "index", "name": "VN-Index"}
        )
        instruments = {i.symbol: i for i in Instrument.objects.filter(symbol__in=SYMBOLS)}
        ids = [i.pk for i in instruments.values()] + [index.pk]
        Bar.objects.filter(instrument_id__in=ids, interval="1d").delete()
        bars = []
        for column, symbol in enumerate(history.symbols):
            for row, day in enumerate(history.days):
                close = history.close(row, column)
                bars.append(_bar(instruments[symbol].pk, day, close, vn_midnight_utc))
        for row, day in enumerate(history.days):
            level = Decimal(1200 + row).quantize(Decimal("0.01"))
            bars.append(_bar(index.pk, day, level, vn_midnight_utc))
        Bar.objects.bulk_create(bars, batch_size=2000)
        Quote.objects.filter(instrument_id__in=ids).delete()
        now = datetime.now(UTC)
        last_row = len(history.days) - 1
        Quote.objects.bulk_create(
            [
                _quote(instruments[s].pk, history.close(last_row, c), now)
                for c, s in enumerate(history.symbols)
            ]
        )
        user, _ = get_user_model().objects.get_or_create(username=USERNAME)
        Portfolio.objects.filter(owner=user).delete()
        portfolio = Portfolio.objects.create(owner=user, name=PORTFOLIO_NAME)
        Transaction.objects.bulk_create(
            [
                Transaction(
                    portfolio=portfolio,
                    kind=e.kind.value,
                    instrument=instruments[e.symbol] if e.symbol else None,
                    quantity=e.quantity,
                    price=e.price if e.price else None,
                    amount=e.amount if e.amount else None,
                    fee=e.fee,
                    tax=e.tax,
                    trade_date=e.trade_date,
                    settle_date=e.settle_date,
                )
                for e in entries
            ],
            batch_size=2000,
        )
    return portfolio.pk, str(AccessToken.for_user(user))


def _bar(instrument_id: int, day: date, close: Decimal, midnight: Any) -> Any:
    from market.models import Bar

    return Bar(
        instrument_id=instrument_id,
        interval="1d",
        start=midnight(day),
        open=close,
        high=close,
        low=close,
        close=close,
        volume=100_000,
        value=close * 100_000,
        source="simulated",
    )


def _quote(instrument_id: int, price: Decimal, now: datetime) -> Any:
    from market.models import Quote

    return Quote(
        instrument_id=instrument_id,
        reference=price,
        ceiling=price * Decimal("1.07") // 100 * 100,
        floor=-(-price * Decimal("0.93") // 100) * 100,
        price=price,
        volume=0,
        value=0,
        as_of=now,
        source="simulated",
    )


_WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_WRK_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(ctx: Context, url: str, token: str, seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        [
            *ctx.taskset(ctx.client_cpus),
            "wrk",
            "-t1",
            f"-c{CONCURRENCY}",
            f"-d{seconds:.0f}s",
            "--latency",
            "--timeout",
            "60s",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    latency = {p: float(v) * _UNIT_MS[u] for p, v, u in _WRK_LATENCY.findall(out)}
    rps = _WRK_RPS.search(out)
    non2xx = _WRK_NON2XX.search(out)
    errors = _WRK_ERRORS.search(out)
    return {
        "errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "rps": float(rps.group(1)) if rps else None,
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "tool": "wrk",
    }


def _python_load(
    ctx: Context, port: int, path: str, token: str, seconds: float, rate: float | None
) -> dict[str, Any]:
    command = [
        *ctx.taskset(ctx.client_cpus), PYTHON, "-m", "bench.http_load", "--port", str(port),
        "--path", path, "--header", f"Authorization: Bearer {token}",
        "--connections", str(CONCURRENCY), "--seconds", str(seconds),
    ]  # fmt: skip
    if rate is not None:
        command += ["--rate", str(rate)]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
        env=ctx.django_env(),
    ).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    ok = sum(v for k, v in result["status"].items() if k.startswith("2"))
    result["non_2xx"] = result["requests"] - ok
    result["errors"] = sum(result.get("errors", {}).values())
    result["tool"] = "bench.http_load"
    return result


SYSTEM_LABELS = {"ours": "ours (web tier, DRF)", "peer": "peer (FastAPI, same SQL)"}


def _server_command(system: str, port: int, processes: int) -> list[str]:
    if system == "ours":  # as the Procfile runs it
        return [
            PYTHON, "-m", "gunicorn", "-c", "python:portfolio_site.web_tier",
            "--bind", f"127.0.0.1:{port}", "--workers", str(processes),
            "portfolio_site.asgi:application",
        ]  # fmt: skip
    return [
        PYTHON, "-m", "uvicorn", "bench.peers.fastapi_api.app:app", "--host", "127.0.0.1",
        "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
        "--no-access-log", "--workers", str(processes),
    ]  # fmt: skip


def _server_env(ctx: Context, system: str, cache: str) -> dict[str, str]:
    return ctx.django_env(
        RATE_LIMIT_PORTFOLIO_READ="100000000/min",
        BENCH_CACHE="" if cache == "warm" else "dummy",
        PEER_DATABASE_URL=ctx.database_url,
        PEER_REDIS_URL=ctx.redis_url,
        PEER_PREFIX=ctx.key_prefix,
        PEER_CACHE="redis" if cache == "warm" else "",
    )


def _fetch(url: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback URL
        return int(response.status), json.loads(response.read())


def _peer_ratios(section: Section) -> None:
    """requests/s and p99 of ours over the peer's, same endpoint, cache state and load."""
    peer = {
        (r["endpoint"], r["cache"], r["load"]): r
        for r in section.rows
        if r["system"] == SYSTEM_LABELS["peer"]
    }
    for row in section.rows:
        other = peer.get((row["endpoint"], row["cache"], row["load"]))
        row["rps / peer"] = ratio(row["requests/s"], other["requests/s"]) if other else None
        row["p99 / peer"] = ratio(row["p99 ms"], other["p99 ms"]) if other else None
    section.columns += ["rps / peer", "p99 / peer"]


def run(ctx: Context) -> Section:
    ctx.setup_django()
    portfolio_id, token = _prepare_data(ctx)
    section = Section(
        name="api",
        title=f"API at concurrency {CONCURRENCY} (1 portfolio of {TRANSACTIONS:,} "
        "transactions, 30 symbols, 2 years of closes)",
        columns=[
            "system",
            "endpoint",
            "cache",
            "load",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "non-2xx",
            "errors",
            "server CPU %",
        ],
    )
    summary_warm_open: dict[str, Any] | None = None
    seconds = 3.0 if ctx.quick else 8.0
    have_wrk = shutil.which("wrk") is not None
    if not have_wrk:
        section.notes.append("wrk is not installed: closed-loop figures come from bench.http_load.")
    bodies: dict[str, Any] = {}
    for system, cache in (("ours", "warm"), ("ours", "cold"), ("peer", "warm"), ("peer", "cold")):
        endpoints = ["summary"] if system == "peer" or ctx.quick else list(ENDPOINTS)
        processes = Processes()
        try:
            port = free_port()
            server = processes.start(
                "server",
                ctx.taskset(ctx.server_cpus) + _server_command(system, port, ctx.server_processes),
                env=_server_env(ctx, system, cache),
            )
            wait_for_port(port, server)
            targets = [(name, f"/api/portfolios/{portfolio_id}/{ENDPOINTS[name]}", ("closed", "open"))
                       for name in endpoints]  # fmt: skip
            if (system, cache) == ("ours", "warm"):
                targets += [(name, path.format(portfolio=portfolio_id), ("closed",))
                            for name, path in FLOORS.items()]  # fmt: skip
            for name, path, loads in targets:
                url = f"http://127.0.0.1:{port}{path}"
                status, body = _fetch(url, token)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                if name == "summary":
                    bodies[system] = body
                for load in loads:
                    meter = CpuMeter([server.pid])
                    meter.start()
                    if load == "closed" and have_wrk:
                        result = _wrk(ctx, url, token, seconds)
                    else:
                        rate = None if load == "closed" else OPEN_LOOP_RATE
                        result = _python_load(ctx, port, path, token, seconds, rate)
                    cpu = meter.stop()
                    section.rows.append(
                        {
                            "system": SYSTEM_LABELS[system],
                            "endpoint": name,
                            "cache": cache,
                            "load": (
                                f"closed c={CONCURRENCY} ({result['tool']})"
                                if load == "closed"
                                else f"open {OPEN_LOOP_RATE}/s"
                            ),
                            "requests/s": result.get("rps"),
                            "p50 ms": result.get("p50_ms"),
                            "p99 ms": result.get("p99_ms"),
                            "non-2xx": result.get("non_2xx"),
                            "errors": result.get("errors"),
                            "server CPU %": cpu,
                        }
                    )
                    if (system, name, cache, load) == ("ours", "summary", "warm", "open"):
                        summary_warm_open = result
        except Exception as error:
            logs = processes.tail("server", 800)
            section.notes.append(f"{system}, cache {cache}: {error!r}; server log: {logs!r}")
        finally:
            processes.stop_all()
            processes.remove_logs()
    _peer_ratios(section)
    if "ours" in bodies and "peer" in bodies:
        differ = sorted(
            k for k in bodies["ours"] if k != "as_of" and bodies["ours"][k] != bodies["peer"].get(k)
        )
        section.notes.append(
            "Summary bodies, ours vs the peer: "
            + (f"differ in {', '.join(differ)}." if differ else "identical (as_of aside).")
        )
    if summary_warm_open is not None:
        p99 = summary_warm_open.get("p99_ms")
        achieved = summary_warm_open.get("rps")
        bad = (summary_warm_open.get("non_2xx") or 0) + (summary_warm_open.get("errors") or 0)
        section.targets.append(
            Target(
                name="portfolio summary, warm cache",
                goal=f"p99 <= {TARGET_P99_MS:.0f} ms at {OPEN_LOOP_RATE} requests/s",
                measured=f"p99 {p99} ms at {achieved} requests/s achieved, {bad} failed",
                met=p99 is not None and p99 <= TARGET_P99_MS and not bad,
            )
        )
    section.notes.append(
        "Floors (ours, closed loop, same server): /healthz is the web tier + Django's middleware "
        "with no authentication or query; /api/auth/me/ adds DRF, JWT authentication (the user "
        "from the cache after the first request) and the rate limiter; the portfolio detail adds the ownership query and a serializer. Every "
        "portfolio endpoint pays at least the last; the summary's own work is the rest."
    )
    section.notes.append(
        "Open-loop latency counts from when each request was due, so queueing inside the server "
        f"is included; wrk's closed loop shows the ceiling. {ctx.server_processes} server "
        f"process(es) each (ours: gunicorn workers; the peer: uvicorn --workers) on CPU "
        f"{ctx.server_cpus}, load on CPU {ctx.client_cpus}. Started at "
        f"{time.strftime('%H:%M:%S')} local."
    )
    return section
