"""Run the benchmark suite and write bench/results/<timestamp>.json and .md.

    python -m bench.run                      # everything, about 15 minutes
    BENCH_QUICK=1 python -m bench.run        # about 2 minutes
    python -m bench.run --only engine,limiter

Sections: engine (performance maths), limiter (rate limiter), fanout (tick to browser, ours vs the
FastAPI + Redis pub/sub peer), ingest (ticks persisted and aggregated into 1m bars), api (portfolio
endpoints under wrk). Loopback only; every loop is bounded in count and time. Only with --only:
ticks (tick storage, plain vs partitioned by day, at BENCH_TICKS rows: bench/partitions.py).
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import signal
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import machine, report
from bench.context import BASE_DIR, Context

SECTIONS = ("engine", "limiter", "fanout", "ingest", "api")
# Sections run only when named in --only (long: `ticks` fills 10 million rows twice).
OPTIONAL = ("ticks",)
MODULES = {
    "ticks": "bench.partitions",
    "engine": "bench.engine",
    "limiter": "bench.limiter",
    "fanout": "bench.fanout",
    "ingest": "bench.ingest",
    "api": "bench.api",
}


def _service_versions(ctx: Context) -> tuple[str | None, str | None]:
    redis_version = postgres_version = None
    try:
        import redis

        info = redis.Redis.from_url(ctx.redis_url, socket_timeout=2).info("server")
        redis_version = str(info.get("redis_version"))
    except Exception as error:  # a missing service is reported by the section that needs it
        redis_version = f"unavailable ({type(error).__name__})"
    try:
        import psycopg

        with psycopg.connect(_admin_url(ctx.database_url), connect_timeout=3) as conn:
            row = conn.execute("show server_version").fetchone()
            postgres_version = str(row[0]) if row else None
    except Exception as error:
        postgres_version = f"unavailable ({type(error).__name__})"
    return redis_version, postgres_version


def _admin_url(database_url: str) -> str:
    base, _, _name = database_url.rpartition("/")
    return f"{base}/postgres"


def _delete_run_keys(ctx: Context) -> None:
    """Every Redis key the run wrote carries its prefix (cache, limiter, channel layer, peers)."""
    try:
        import redis

        client = redis.Redis.from_url(ctx.redis_url, socket_timeout=5)
        for key in client.scan_iter(match=f"{ctx.key_prefix}*", count=1000):
            client.delete(key)
    except Exception as error:
        print(f"[bench] could not delete the run's Redis keys: {error!r}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated sections: " + ",".join((*SECTIONS, *OPTIONAL)),
    )
    parser.add_argument("--quick", action="store_true", help="short runs (same as BENCH_QUICK=1)")
    parser.add_argument("--out", default=str(BASE_DIR / "bench" / "results"))
    args = parser.parse_args(argv)
    # Turn SIGTERM (timeout, Ctrl-C in make) into SystemExit so every `finally` stops what it started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    ctx = Context()
    if args.quick:
        ctx.quick = True
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS) - set(OPTIONAL))
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")

    redis_version, postgres_version = _service_versions(ctx)
    run = report.Run(
        started_at=datetime.now(UTC),
        quick=ctx.quick,
        machine=machine.describe(redis_version=redis_version, postgres_version=postgres_version),
        command=("BENCH_QUICK=1 " if ctx.quick else "")
        + "python -m bench.run "
        + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])),
    )
    for name in chosen:
        print(f"[bench] {name} ...", flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(MODULES[name])
            section: report.Section = module.run(ctx)
        except Exception as error:
            traceback.print_exc()
            section = report.Section(name=name, title=name, columns=[], error=repr(error))
        section.seconds = round(time.monotonic() - started, 1)
        run.sections.append(section)
        print(report.section_markdown(section), flush=True)
    _delete_run_keys(ctx)
    run.finished_at = datetime.now(UTC)
    run.machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    json_path, md_path = report.write(run, Path(args.out))
    print(report.targets_markdown(run.sections))
    print(f"[bench] wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
