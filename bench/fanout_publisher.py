"""Publish ticks at a set rate, over 30 symbols, to our system or to the FastAPI peer.

    python -m bench.fanout_publisher --target ours|peer --symbols FPT,VNM,...

Reads a plan from stdin (one JSON line): ``{"phases": [{"name", "rate", "start", "measure_from",
"measure_to"}], "end_at"}`` (epoch seconds). In each phase it publishes ``rate`` ticks/s from
``start`` to ``measure_to`` in batches every ``--batch-ms`` (10 ms; one tick every 1/rate s when
that is longer), symbols round-robin, each symbol's ``seq`` increasing by one.

Each tick's ``ts`` is the wall-clock time (UTC, microseconds) taken just before its batch is handed
to the system, so that receipt time - ts is the publish-to-browser latency.

- ours: ``realtime.broadcast.publish_ticks(batch)`` -- exactly what the ingestion worker calls;
- peer: one pipelined ``PUBLISH <prefix>:peer:ticker:<SYMBOL> <tick JSON>`` per tick, plus a
  ``SET`` of each symbol's last tick for the peer's snapshots.

At the end it prints ``RESULT {"phases": [{"name", "published", "in_window", "achieved_rate",
"late_batches", "publish_p99_ms"}]}``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson


def _stamp() -> tuple[float, str]:
    """Now as (epoch seconds, ISO-8601 UTC text); the float is exactly what parsing the text gives."""
    moment = datetime.fromtimestamp(time.time(), UTC)
    return moment.timestamp(), moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _publisher(target: str, args: argparse.Namespace) -> Callable[[list[dict[str, Any]]], None]:
    if target == "ours":
        import django

        django.setup()
        from realtime.broadcast import publish_ticks

        return publish_ticks
    import redis

    client = redis.Redis.from_url(args.redis_url)
    prefix = args.prefix

    def publish(batch: list[dict[str, Any]]) -> None:
        pipe = client.pipeline(transaction=False)
        last: dict[str, bytes] = {}
        for tick in batch:
            payload = orjson.dumps({"type": "tick", **tick})
            pipe.publish(f"{prefix}:peer:ticker:{tick['symbol']}", payload)
            last[tick["symbol"]] = payload
        for symbol, payload in last.items():
            pipe.set(f"{prefix}:peer:quote:{symbol}", payload, ex=3600)
        pipe.execute()

    return publish


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=("ours", "peer"), required=True)
    parser.add_argument("--symbols", required=True)
    parser.add_argument("--batch-ms", type=float, default=10.0)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default="bench")
    parser.add_argument("--seq-base", type=int, default=int(time.time() * 1000))
    args = parser.parse_args()
    symbols = [s for s in args.symbols.split(",") if s]
    publish = _publisher(args.target, args)
    rng = random.Random(5)
    prices = {s: 10_000 + 100 * rng.randint(0, 1000) for s in symbols}
    references = dict(prices)
    seqs = dict.fromkeys(symbols, args.seq_base)
    print("READY", flush=True)
    plan = json.loads(sys.stdin.readline())
    results = []
    turn = 0
    for phase in plan["phases"]:
        rate = float(phase["rate"])
        interval = max(args.batch_ms / 1000.0, 1.0 / rate)
        per_batch = rate * interval
        owed = 0.0
        published = in_window = late = 0
        publish_times: list[float] = []
        next_at = float(phase["start"])
        measure_from, measure_to = float(phase["measure_from"]), float(phase["measure_to"])
        while True:
            delay = next_at - time.time()
            if delay > 0:
                time.sleep(delay)
            elif delay < -interval:
                late += 1
            if time.time() >= measure_to:
                break
            owed += per_batch
            count = int(owed)
            owed -= count
            if count == 0:
                next_at += interval
                continue
            batch = []
            for _ in range(count):
                symbol = symbols[turn % len(symbols)]
                turn += 1
                price = max(100, prices[symbol] + 100 * rng.choice((-1, 0, 1)))
                prices[symbol] = price
                seqs[symbol] += 1
                change = price - references[symbol]
                batch.append(
                    {
                        "symbol": symbol,
                        "price": str(price),
                        "change": str(change),
                        "change_pct": f"{100 * change / references[symbol]:.2f}",
                        "volume": 100 * rng.randint(1, 50),
                        "seq": seqs[symbol],
                        "source": "bench",
                    }
                )
            sent, ts = _stamp()
            for tick in batch:
                tick["ts"] = ts
            publish(batch)
            publish_times.append(time.time() - sent)
            published += count
            if measure_from <= sent < measure_to:
                in_window += count
            next_at += interval
            if next_at < time.time() - 1.0:
                next_at = time.time()  # more than a second behind: stop trying to catch up
        seconds = max(1e-9, measure_to - float(phase["start"]))
        results.append(
            {
                "name": phase["name"],
                "published": published,
                "in_window": in_window,
                "achieved_rate": round(published / seconds, 1),
                "late_batches": late,
                "publish_p99_ms": round(
                    float(np.percentile(publish_times, 99, method="higher")) * 1000, 3
                )
                if publish_times
                else None,
            }
        )
    print("RESULT " + json.dumps({"phases": results}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
