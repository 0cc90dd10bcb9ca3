"""Channel layer choice: channels-redis core vs PubSub (stock, and realtime.layers' bounded one).

    .venv/bin/python -m bench.channel_layer [--redis redis://127.0.0.1:6379/15] [--consumers 500]

One process plays a web process: N consumers (channels on one event loop, like daphne), each in the
ticker groups of 3 of the 30 VN30 symbols, reading continuously; one more consumer is subscribed
to every symbol and never reads (a stalled browser tab). A publisher thread with its own long-lived
loop (as realtime/broadcast.py does) sends batches of 30 group_sends (one per symbol) at a fixed
rate. Reported per layer:

- publish: wall time of one 30-symbol batch (p50/p95), what a Celery worker pays per poll;
- latency: publish-to-receive time of every delivered message (p50/p99);
- delivered: messages received / messages the group memberships call for;
- stalled: what the non-reading consumer holds in process memory at the end (items queued for it),
  i.e. whether a slow client grows memory without bound;
- keys: Redis keys the layer leaves after every consumer has left its groups.

Keys are written under a random prefix in the given Redis database and deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import time
import uuid
from typing import Any

import redis
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from realtime.layers import BoundedPubSubChannelLayer

SYMBOLS = [
    "ACB", "BCM", "BID", "CTG", "DGC", "FPT", "GAS", "GVR", "HDB", "HPG",
    "LPB", "MBB", "MSN", "MWG", "PLX", "SAB", "SHB", "SSB", "SSI", "STB",
    "TCB", "TPB", "VCB", "VHM", "VIB", "VIC", "VJC", "VNM", "VPB", "VRE",
]  # fmt: skip
SYMBOLS_PER_CONSUMER = 3


def make_layer(kind: str, url: str, prefix: str, capacity: int) -> Any:
    if kind == "core":
        return RedisChannelLayer(
            hosts=[url], prefix=prefix, capacity=capacity, expiry=30, group_expiry=86400
        )
    if kind == "pubsub-bounded":
        return BoundedPubSubChannelLayer(hosts=[url], prefix=prefix, capacity=capacity)
    return RedisPubSubChannelLayer(hosts=[url], prefix=prefix)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def publish_batches(
    kind: str, url: str, prefix: str, capacity: int, rate: float, seconds: float, pipe: Any
) -> None:
    """Publisher process: one batch of 30 group_sends every 1/rate s; sends back batch times."""
    layer = make_layer(kind, url, prefix, capacity)
    loop = asyncio.new_event_loop()

    async def batch(seq: int) -> None:
        sent = time.time()
        await asyncio.gather(
            *(
                layer.group_send(
                    f"ticker.{symbol}",
                    {"type": "tick.message", "symbol": symbol, "seq": seq, "sent": sent},
                )
                for symbol in SYMBOLS
            )
        )

    times = []
    deadline = time.monotonic() + seconds
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        started = time.perf_counter()
        loop.run_until_complete(batch(seq))
        times.append(time.perf_counter() - started)
        time.sleep(max(0.0, 1.0 / rate - (time.perf_counter() - started)))
    pipe.send(times)


async def run_layer(
    kind: str, url: str, consumers: int, rate: float, seconds: float, capacity: int
) -> dict[str, Any]:
    prefix = f"bench-{kind}-{uuid.uuid4().hex[:8]}"
    layer = make_layer(kind, url, prefix, capacity)
    rng = random.Random(7)
    memberships: dict[str, list[str]] = {symbol: [] for symbol in SYMBOLS}
    channels = []
    for _ in range(consumers):
        channel = await layer.new_channel()
        channels.append(channel)
        for symbol in rng.sample(SYMBOLS, SYMBOLS_PER_CONSUMER):
            await layer.group_add(f"ticker.{symbol}", channel)
            memberships[symbol].append(channel)
    stalled = await layer.new_channel()
    for symbol in SYMBOLS:
        await layer.group_add(f"ticker.{symbol}", stalled)

    latencies: list[float] = []
    received = 0
    stop = asyncio.Event()

    async def read(channel: str) -> None:
        nonlocal received
        while not stop.is_set():
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                return
            latencies.append(time.time() - message["sent"])
            received += 1

    readers = [asyncio.create_task(read(channel)) for channel in channels]
    await asyncio.sleep(0.5)

    # the publisher: another process (a Celery worker) with one long-lived loop, as broadcast.py
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=publish_batches, args=(kind, url, prefix, capacity, rate, seconds, child)
    )
    process.start()
    while not parent.poll():
        await asyncio.sleep(0.05)
    publish_times: list[float] = parent.recv()
    process.join()
    published_batches = len(publish_times)
    await asyncio.sleep(1.0)  # drain
    stop.set()

    expected = published_batches * sum(len(members) for members in memberships.values())
    # what the stalled consumer holds in this process (pubsub: its queue; core: its local buffer)
    if kind != "core":
        inner = layer._get_layer()
        stalled_items = inner.channels[stalled].qsize() if stalled in inner.channels else 0
    else:
        stalled_items = (
            layer.receive_buffer[stalled].qsize() if stalled in layer.receive_buffer else 0
        )
        client = redis.Redis.from_url(url)
        stalled_items += sum(
            client.zcard(key) for key in client.scan_iter(f"{prefix}*") if b"group" not in key
        )

    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    for symbol, members in memberships.items():
        for channel in [*members, stalled]:
            await layer.group_discard(f"ticker.{symbol}", channel)
    client = redis.Redis.from_url(url)
    group_keys = len([key for key in client.scan_iter(f"{prefix}*") if b"group" in key])
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    if kind != "core":
        await layer.flush()
    else:
        await layer.close_pools()
    return {
        "layer": kind,
        "batches": published_batches,
        "publish_p50_ms": pct(publish_times, 0.50) * 1000,
        "publish_p95_ms": pct(publish_times, 0.95) * 1000,
        "latency_p50_ms": pct(latencies, 0.50) * 1000,
        "latency_p99_ms": pct(latencies, 0.99) * 1000,
        "latency_mean_ms": (statistics.fmean(latencies) * 1000) if latencies else float("nan"),
        "delivered": received / expected if expected else float("nan"),
        "stalled_items": stalled_items,
        "stalled_expected": published_batches * len(SYMBOLS),
        "group_keys_left": group_keys,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--consumers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0, help="batches (of 30 symbols) per s")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--capacity", type=int, default=200)
    args = parser.parse_args()
    rows = [
        asyncio.run(
            run_layer(kind, args.redis, args.consumers, args.rate, args.seconds, args.capacity)
        )
        for kind in ("core", "pubsub", "pubsub-bounded")
    ]
    print(
        f"{args.consumers} consumers x {SYMBOLS_PER_CONSUMER} symbols, "
        f"{args.rate:g} batches/s x {len(SYMBOLS)} symbols for {args.seconds:g} s, "
        f"capacity {args.capacity}"
    )
    header = (
        "layer          batches  publish p50/p95 ms  latency p50/p99 ms  delivered  "
        "stalled holds (of sent)  group keys left"
    )
    print(header)
    for row in rows:
        print(
            f"{row['layer']:<14} {row['batches']:>7}  "
            f"{row['publish_p50_ms']:>7.2f} / {row['publish_p95_ms']:<7.2f}  "
            f"{row['latency_p50_ms']:>7.2f} / {row['latency_p99_ms']:<7.2f}  "
            f"{row['delivered']:>9.3f}  "
            f"{row['stalled_items']:>8} ({row['stalled_expected']})       "
            f"{row['group_keys_left']:>4}"
        )


if __name__ == "__main__":
    main()
