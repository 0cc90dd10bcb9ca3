"""Tick to browser: ours (the web tier as deployed; daphne for comparison) vs the FastAPI peer and
a bare ``websockets.broadcast`` ceiling (bench/peers/bare_broadcast.py).

Every server runs one process per server CPU (ours: gunicorn WEB_CONCURRENCY uvicorn workers; the
peer: uvicorn --workers; the ceiling: SO_REUSEPORT processes); daphne is one process, as before.

For each system and each subscriber count (1, 100, 1,000 websocket clients, every client subscribed
to all 30 symbols), a fresh server is started pinned to the server CPUs; one client process
(bench/fanout_clients.py) and one publisher process (bench/fanout_publisher.py) run pinned to the
client CPUs. The publisher then runs each tick rate (10, 100, 1,000 ticks/s over the 30 symbols) as
a phase: warm-up, a measured window, a gap to drain. For each phase we report the publish-to-receipt
latency of the ticks published in the window (p50/p99/p99.9), the delivered fraction (ticks
received by the end of the drain / ticks published in the window x clients), delivered messages per second, and the CPU
used by server, clients and publisher during the window.

``BENCH_CHANNEL_SHARDS=2`` adds "ours tier (2 shards)": the deployed tier with its channel layer
sharded over the bench Redis and a second ``redis-server`` started for the section on a free port
(``CHANNEL_REDIS_URLS``); the publisher's ``publish_ticks`` then pipelines to both.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from bench import database
from bench.context import PYTHON, Context, free_port
from bench.machine import CpuMeter
from bench.processes import Processes, read_line, wait_for_port
from bench.report import Section, Target
from bench.stats import ratio

SHARDED = "ours tier (2 shards)"


@dataclass(frozen=True)
class System:
    name: str
    kind: str  # ours | peer | ceiling
    server: str  # tier (gunicorn + uvicorn workers) | daphne | uvicorn | bare
    layer: str = ""  # "" (the project's configured layer) | core | pubsub (stock channels-redis)
    eager_writes: bool = True  # daphne: portfolio_site/eager_writes.py (False: Twisted as shipped)
    shards: int = 1  # channel-layer Redis servers (CHANNEL_REDIS_URLS): the bench Redis + extras


SYSTEMS = {
    "ours tier": System("ours tier", "ours", "tier"),  # as deployed: portfolio_site/web_tier.py
    "ours daphne": System("ours daphne", "ours", "daphne"),  # the configured channel layer
    "ours daphne+core": System("ours daphne+core", "ours", "daphne", "core"),
    "ours daphne+pubsub": System("ours daphne+pubsub", "ours", "daphne", "pubsub"),
    "ours daphne+twisted-writes": System(
        "ours daphne+twisted-writes", "ours", "daphne", eager_writes=False
    ),
    "ours uvicorn": System("ours uvicorn", "ours", "uvicorn"),
    SHARDED: System(SHARDED, "ours", "tier", shards=2),
    "peer fastapi+pubsub": System("peer fastapi+pubsub", "peer", "uvicorn"),
    "ceiling websockets.broadcast": System("ceiling websockets.broadcast", "ceiling", "bare"),
}
PEER = "peer fastapi+pubsub"
CEILING = "ceiling websockets.broadcast"
DEPLOYED = "ours tier"
# The whole market: every listed symbol polled once a second, published as one batch per poll
# (what the ingestion worker does); each browser watches the 30 benchmark symbols.
MARKET_SYMBOLS = 1600
MARKET_POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Plan:
    systems: tuple[str, ...]
    scenarios: tuple[tuple[int, tuple[int, ...]], ...]  # (subscribers, rates)
    market: tuple[int, ...]  # subscriber counts of the whole-market scenario
    warmup: float
    measure: float
    gap: float


FULL = Plan(
    systems=(DEPLOYED, "ours daphne", "ours uvicorn", PEER, CEILING),
    scenarios=((1, (10, 100, 1000)), (100, (10, 100, 1000)), (1000, (10, 100, 1000))),
    market=(100, 1000),
    warmup=2.0,
    measure=6.0,
    gap=2.0,
)
QUICK = Plan(
    systems=(DEPLOYED, PEER, CEILING),
    scenarios=((100, (100,)), (1000, (10,))),
    market=(100,),
    warmup=1.0,
    measure=3.0,
    gap=1.0,
)


def _server_command(
    system: System, port: int, processes: int, prefix: str, ctx: Context
) -> list[str]:
    if system.kind == "ceiling":
        return [
            PYTHON, "-m", "bench.peers.bare_broadcast", "--port", str(port), "--redis-url",
            ctx.redis_url, "--prefix", prefix, "--processes", str(processes),
        ]  # fmt: skip
    if system.kind == "peer":
        app = "bench.peers.fastapi_pubsub.app:app"
    else:
        app = "portfolio_site.asgi:application"
    if system.server == "tier":  # as the Procfile runs it
        return [
            PYTHON, "-m", "gunicorn", "-c", "python:portfolio_site.web_tier",
            "--bind", f"127.0.0.1:{port}", "--workers", str(processes), app,
        ]  # fmt: skip
    if system.server == "daphne":
        # As the Procfile runs it (its access log goes to the log file, as it would to stdout).
        return [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
    return [
        PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio",
        "--log-level", "warning", "--no-access-log", "--lifespan",
        "on" if system.kind == "peer" else "off", "--workers", str(processes),
    ]  # fmt: skip


def _environment(
    ctx: Context, system: System, prefix: str, shard_urls: list[str] | None = None
) -> dict[str, str]:
    extra: dict[str, str] = {}
    if system.shards > 1:
        urls = [ctx.redis_url, *(shard_urls or [])][: system.shards]
        if len(urls) < system.shards:
            raise RuntimeError(f"{system.name} needs {system.shards} Redis servers")
        extra["CHANNEL_REDIS_URLS"] = ",".join(urls)
    return ctx.django_env(
        **extra,
        REDIS_KEY_PREFIX=prefix,
        BENCH_CHANNEL_LAYER=system.layer,
        DAPHNE_EAGER_WRITES="true" if system.eager_writes else "false",
        WS_CONNECT_LIMIT="1000000",
        WS_MAX_CONNECTIONS_PER_ADDRESS="1000000",
        WS_MAX_CONNECTIONS_PER_USER="1000000",
        WS_MESSAGE_LIMIT="1000000",
        PEER_REDIS_URL=ctx.redis_url,
        PEER_PREFIX=prefix,
    )


def _scenario(
    ctx: Context,
    system: System,
    subscribers: int,
    rates: tuple[int, ...],
    symbols: list[str],
    plan: Plan,
    serial: int,
    published: list[str] | None = None,
    shard_urls: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One server, one client process, one publisher; a phase per rate. Rows for the table.

    ``published``: the symbols the publisher ticks (default ``symbols``, which the clients watch);
    given, every rate's ticks go out as one batch per poll period (the whole-market scenario)."""
    published = published or symbols
    market = published is not symbols
    prefix = f"{ctx.key_prefix}s{serial}"
    env = _environment(ctx, system, prefix, shard_urls)
    port = free_port()
    processes = Processes()
    try:
        server = processes.start(
            "server",
            ctx.taskset(ctx.server_cpus)
            + _server_command(
                system, port, 1 if system.server == "daphne" else ctx.server_processes, prefix, ctx
            ),
            env=env,
        )
        wait_for_port(port, server)
        clients = processes.start(
            "clients",
            [
                *ctx.taskset(ctx.client_cpus),
                PYTHON,
                "-m",
                "bench.fanout_clients",
                "--port",
                str(port),
                "--clients",
                str(subscribers),
                "--symbols",
                ",".join(symbols),
            ],
            env=env,
            talk=True,
        )
        ready = json.loads(read_line(clients.stdout, "READY ", timeout=180))
        publisher = processes.start(
            "publisher",
            [
                *ctx.taskset(ctx.client_cpus),
                PYTHON,
                "-m",
                "bench.fanout_publisher",
                "--target",
                "ours" if system.kind == "ours" else "peer",
                "--symbols",
                ",".join(published),
                *(["--batch-ms", str(MARKET_POLL_SECONDS * 1000)] if market else []),
                "--redis-url",
                ctx.redis_url,
                "--prefix",
                prefix,
            ],
            env=env,
            talk=True,
        )
        read_line(publisher.stdout, "READY", timeout=60)

        start = time.time() + 0.5
        phases = []
        for rate in rates:
            measure_from = start + plan.warmup
            measure_to = measure_from + plan.measure
            phases.append(
                {
                    "name": f"{rate}",
                    "rate": rate,
                    "start": start,
                    "measure_from": measure_from,
                    "measure_to": measure_to,
                }
            )
            start = measure_to + plan.gap
        end_at = phases[-1]["measure_to"] + plan.gap
        message = json.dumps({"phases": phases, "end_at": end_at}) + "\n"
        for process in (clients, publisher):
            process.stdin.write(message)
            process.stdin.flush()

        cpu: list[dict[str, float]] = []
        for phase in phases:
            time.sleep(max(0.0, phase["measure_from"] - time.time()))
            meters = {
                name: CpuMeter([p.pid])
                for name, p in (("server", server), ("clients", clients), ("publisher", publisher))
            }
            for meter in meters.values():
                meter.start()
            time.sleep(max(0.0, phase["measure_to"] - time.time()))
            cpu.append({name: meter.stop() for name, meter in meters.items()})

        wait = end_at - time.time() + 30
        client_result = json.loads(read_line(clients.stdout, "RESULT ", timeout=wait))
        publisher_result = json.loads(read_line(publisher.stdout, "RESULT ", timeout=30))
    except Exception as error:
        processes.stop_all()
        logs = " | ".join(
            f"{name}: {processes.tail(name, 600)!r}" for name in ("server", "clients", "publisher")
        )
        raise RuntimeError(f"{error!r}; logs: {logs}") from error
    finally:
        processes.stop_all()
        processes.remove_logs()

    rows = []
    live = int(ready["ready"])
    for index, rate in enumerate(rates):
        got = client_result["phases"][index]
        sent = publisher_result["phases"][index]
        expected = sent["in_window"] * live * len(symbols) / len(published)
        rows.append(
            {
                "system": system.name,
                "published symbols": len(published),
                "subscribers": subscribers,
                "connected": live,
                "ticks/s": rate,
                "published/s": sent["achieved_rate"],
                "delivered": round(got["received"] / expected, 4) if expected else None,
                "msgs/s": round(got["received"] / plan.measure, 1),
                "p50 ms": got.get("p50_ms"),
                "p99 ms": got.get("p99_ms"),
                "p99.9 ms": got.get("p999_ms"),
                "server CPU %": cpu[index]["server"],
                "clients CPU %": cpu[index]["clients"],
                "publisher CPU %": cpu[index]["publisher"],
                "connect s": ready.get("connect_seconds"),
                "errors": (ready.get("errors") or []) + (client_result.get("errors") or []),
                "publish p99 ms": sent.get("publish_p99_ms"),
                "groups per shard": _groups_per_shard(symbols, prefix, system.shards)
                if system.shards > 1
                else None,
            }
        )
    return rows


def _cleanup(ctx: Context) -> None:
    import redis

    client = redis.Redis.from_url(ctx.redis_url)
    for key in client.scan_iter(match=f"{ctx.key_prefix}s*", count=1000):
        client.delete(key)


def _groups_per_shard(symbols: list[str], prefix: str, shards: int) -> str:
    """How the symbols' ticker groups hash over the shards (channels-redis' own hash)."""
    from channels_redis.utils import _consistent_hash

    counts = [0] * shards
    for symbol in symbols:
        counts[_consistent_hash(f"{prefix}:asgi__group__ticker.{symbol}", shards)] += 1
    return "/".join(map(str, counts))


def _configured_layer() -> str:
    from django.conf import settings

    return str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).rsplit(".", 1)[-1]


def _overridden(plan: Plan) -> Plan:
    """The plan with any of these replaced (for focused runs while profiling):

    BENCH_FANOUT_SYSTEMS="ours tier,peer fastapi+pubsub"
    BENCH_FANOUT_SCENARIOS="100:10/100;1000:10"   (subscribers:rate/rate;...)
    BENCH_FANOUT_WINDOWS="2,6,2"                  (warm-up, measured, drain seconds)
    BENCH_FANOUT_MARKET="100,1000"                (whole-market subscriber counts; "" = none)
    """
    systems, scenarios = plan.systems, plan.scenarios
    warmup, measure, gap = plan.warmup, plan.measure, plan.gap
    if value := os.environ.get("BENCH_FANOUT_SYSTEMS"):
        systems = tuple(s.strip() for s in value.split(",") if s.strip())
        unknown = [s for s in systems if s not in SYSTEMS]
        if unknown:
            raise ValueError(f"unknown systems {unknown}; choose from {sorted(SYSTEMS)}")
    if value := os.environ.get("BENCH_FANOUT_SCENARIOS"):
        scenarios = tuple(
            (int(count), tuple(int(rate) for rate in rates.split("/")))
            for count, rates in (item.split(":") for item in value.split(";") if item)
        )
    if value := os.environ.get("BENCH_FANOUT_WINDOWS"):
        warmup, measure, gap = (float(x) for x in value.split(","))
    market = plan.market
    if (value := os.environ.get("BENCH_FANOUT_MARKET")) is not None:
        market = tuple(int(count) for count in value.split(",") if count.strip())
    return Plan(systems, scenarios, market, warmup, measure, gap)


def _shard_count() -> int:
    value = os.environ.get("BENCH_CHANNEL_SHARDS", "").strip()
    count = int(value) if value else 1
    if count not in (1, 2):
        raise ValueError(f"BENCH_CHANNEL_SHARDS must be 1 or 2, not {value!r}")
    return count


def _start_extra_redis(processes: Processes, count: int) -> list[str]:
    """``count`` throw-away ``redis-server``s on free ports (no persistence): their URLs."""
    urls = []
    for index in range(count):
        port = free_port()
        server = processes.start(
            f"redis-shard{index}",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(processes.logs)],
            env=dict(os.environ),
        )  # fmt: skip
        wait_for_port(port, server)
        urls.append(f"redis://127.0.0.1:{port}/0")
    return urls


def run(ctx: Context) -> Section:
    plan = _overridden(QUICK if ctx.quick else FULL)
    systems = plan.systems
    if _shard_count() == 2 and SHARDED not in systems:
        systems = (*systems, SHARDED)
    extra_redis = Processes()
    shard_urls = _start_extra_redis(extra_redis, 1) if SHARDED in systems else []
    symbols = database.prepare(ctx)
    market = symbols + [f"X{n:04d}" for n in range(MARKET_SYMBOLS - len(symbols))]
    section = Section(
        name="fanout",
        title="Tick to browser (every client subscribed to all 30 symbols; the whole-market rows "
        f"publish {MARKET_SYMBOLS:,} symbols once a second)",
        columns=[
            "system",
            "published symbols",
            "subscribers",
            "ticks/s",
            "published/s",
            "delivered",
            "msgs/s",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "server CPU %",
            "clients CPU %",
            "publisher CPU %",
        ],
    )
    serial = 0
    try:
        for name in systems:
            system = SYSTEMS[name]
            for subscribers, rates in plan.scenarios:
                serial += 1
                print(f"[bench] fanout: {name}, {subscribers} subscribers", flush=True)
                try:
                    section.rows += _scenario(
                        ctx, system, subscribers, rates, symbols, plan, serial,
                        shard_urls=shard_urls,
                    )  # fmt: skip
                except Exception as error:
                    section.notes.append(f"{name}, {subscribers} subscribers failed: {error!r}")
            for subscribers in plan.market:
                serial += 1
                print(
                    f"[bench] fanout: {name}, whole market, {subscribers} subscribers", flush=True
                )
                try:
                    section.rows += _scenario(
                        ctx, system, subscribers, (MARKET_SYMBOLS,), symbols, plan, serial,
                        published=market, shard_urls=shard_urls,
                    )  # fmt: skip
                except Exception as error:
                    section.notes.append(
                        f"{name}, whole market, {subscribers} subscribers failed: {error!r}"
                    )
    finally:
        _cleanup(ctx)
        extra_redis.stop_all()
        extra_redis.remove_logs()
    for row in section.rows:
        if row["errors"]:
            section.notes.append(
                f"{row['system']} x {row['subscribers']} at {row['ticks/s']}/s: "
                f"{len(row['errors'])} client error(s), first: {row['errors'][0]}"
            )
        if row["connected"] < row["subscribers"]:
            section.notes.append(
                f"{row['system']}: only {row['connected']} of {row['subscribers']} connected."
            )
    _ratios_and_targets(section, plan)
    splits = [row["groups per shard"] for row in section.rows if row.get("groups per shard")]
    if splits:
        section.notes.append(
            f"'{SHARDED}': the deployed tier with CHANNEL_REDIS_URLS = the bench Redis and a "
            "second redis-server on this machine; the watched symbols' groups hashed "
            f"{', '.join(splits)} over the two servers (per scenario: the key prefix differs)."
        )
    section.notes.append(
        f"Ours use the configured channel layer ({_configured_layer()}); '+core' and '+pubsub' "
        "swap in stock channels-redis RedisChannelLayer / RedisPubSubChannelLayer. Processes: "
        f"{ctx.server_processes} per server ('ours tier' gunicorn workers, the peer's uvicorn "
        "--workers, the ceiling's SO_REUSEPORT processes); 'ours daphne' is one process. The "
        "ceiling is a bare websockets server (bench/peers/bare_broadcast.py): Redis pub/sub in, "
        "websockets.broadcast out, nothing else."
    )
    section.notes.append(
        f"Windows: {plan.warmup:.0f} s warm-up, {plan.measure:.0f} s measured, {plan.gap:.0f} s "
        f"drain per rate; server pinned to CPU {ctx.server_cpus}, clients and publisher to CPU "
        f"{ctx.client_cpus}; Redis unpinned. CPU % is of one core. Latency is publish call to "
        "receipt by the client process (same clock)."
    )
    return section


def _ratios_and_targets(section: Section, plan: Plan) -> None:
    def find(system: str, subscribers: int, rate: int) -> dict[str, Any] | None:
        for row in section.rows:
            if (row["system"], row["subscribers"], row["ticks/s"]) == (system, subscribers, rate):
                return row
        return None

    def peak(system: str) -> float | None:
        rows = [r for r in section.rows if r["system"] == system and r["ticks/s"] != MARKET_SYMBOLS]
        return max((r["msgs/s"] for r in rows), default=None)

    for row in section.rows:
        peer = find(PEER, row["subscribers"], row["ticks/s"])
        ceiling = find(CEILING, row["subscribers"], row["ticks/s"])
        row["p99 / peer"] = ratio(row["p99 ms"], peer["p99 ms"]) if peer else None
        row["msgs/s / peer"] = ratio(row["msgs/s"], peer["msgs/s"]) if peer else None
        row["msgs/s / ceiling"] = ratio(row["msgs/s"], ceiling["msgs/s"]) if ceiling else None
    section.columns += ["p99 / peer", "msgs/s / peer", "msgs/s / ceiling"]

    ours_systems = sorted({r["system"] for r in section.rows if r["system"].startswith("ours")})
    peer_peak, ceiling_peak = peak(PEER), peak(CEILING)
    for system in [DEPLOYED] + [s for s in ours_systems if s != DEPLOYED]:
        label = system + (" (as deployed)" if system == DEPLOYED else "")
        row = find(system, 100, 100)
        if row is not None:
            section.targets.append(
                Target(
                    name=f"tick to browser 100 subs x 100 ticks/s, {label}",
                    goal="p99 <= 50 ms",
                    measured=f"p99 {row['p99 ms']} ms, delivered {row['delivered']}",
                    met=row["p99 ms"] is not None and row["p99 ms"] <= 50,
                )
            )
        row = find(system, 1000, 10)
        if row is not None:
            section.targets.append(
                Target(
                    name=f"tick to browser 1,000 subs x 10 ticks/s, {label}",
                    goal="zero loss, p99 <= 50 ms",
                    measured=f"delivered {row['delivered']}, p99 {row['p99 ms']} ms",
                    met=row["delivered"] == 1.0
                    and row["p99 ms"] is not None
                    and row["p99 ms"] <= 50,
                )
            )
        for subscribers in plan.market:
            row = find(system, subscribers, MARKET_SYMBOLS)
            if row is not None:
                period_ms = MARKET_POLL_SECONDS * 1000
                section.targets.append(
                    Target(
                        name=f"whole market: {MARKET_SYMBOLS:,} symbols polled every "
                        f"{MARKET_POLL_SECONDS:.0f} s, {subscribers:,} browsers x 30 symbols, {label}",
                        goal=f"zero loss, tick-to-browser p99 < {period_ms:.0f} ms (one poll period)",
                        measured=f"delivered {row['delivered']}, p99 {row['p99 ms']} ms",
                        met=row["delivered"] == 1.0
                        and row["p99 ms"] is not None
                        and row["p99 ms"] < period_ms,
                    )
                )
        ours_peak = peak(system)
        if ours_peak is None:
            continue
        if peer_peak:
            section.targets.append(
                Target(
                    name=f"fan-out throughput vs the peer, {label}",
                    goal=">= 1.0x the peer's peak delivered msgs/s (same processes)",
                    measured=f"{ours_peak:,.0f} vs {peer_peak:,.0f} msgs/s "
                    f"({ours_peak / peer_peak:.2f}x)",
                    met=ours_peak >= peer_peak,
                )
            )
        if ceiling_peak:
            section.targets.append(
                Target(
                    name=f"fan-out throughput vs the bare broadcast ceiling, {label}",
                    goal=">= 0.5x the ceiling's peak delivered msgs/s",
                    measured=f"{ours_peak:,.0f} vs {ceiling_peak:,.0f} msgs/s "
                    f"({ours_peak / ceiling_peak:.2f}x)",
                    met=ours_peak >= 0.5 * ceiling_peak,
                )
            )
