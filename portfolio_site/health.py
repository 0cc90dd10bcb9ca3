"""Liveness (/healthz) and readiness (/readyz) probes.

/readyz checks every dependency with a short timeout and answers 503 with JSON naming the failing
part; it never raises. The channel layer's check also pings each of its Redis servers
(``CHANNEL_REDIS_URLS``) and lists them under ``shards``; one shard down while another answers is
reported as ``degraded`` (status 200: every web process sees the same shards, so failing readiness
would take the whole tier out for the loss of some groups), all of them down fails the check.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from portfolio_site.redis_client import get_redis
from realtime.layers import shard_address


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    get_redis().ping()


def _ping_shards() -> list[dict[str, object]]:
    shards: list[dict[str, object]] = []
    for url in settings.CHANNEL_REDIS_URLS:
        started = time.perf_counter()
        entry: dict[str, object] = {"address": shard_address(url)}
        try:
            get_redis(url).ping()
        except Exception as error:
            entry.update(ok=False, error=f"{type(error).__name__}: {error}"[:300])
        else:
            entry.update(ok=True, ms=round((time.perf_counter() - started) * 1000, 1))
        shards.append(entry)
    return shards


def _check_channel_layer() -> dict[str, object]:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    shards = _ping_shards()

    async def round_trip() -> None:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.ping"})
        message = await layer.receive(channel)
        if message.get("type") != "health.ping":
            raise RuntimeError("channel layer returned the wrong message")

    try:
        async_to_sync(round_trip)()
    except Exception as error:
        raise CheckFailed(f"{type(error).__name__}: {error}", shards=shards) from error
    down = [shard["address"] for shard in shards if not shard["ok"]]
    return {"shards": shards, "degraded": True} if down else {"shards": shards}


def _check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


class CheckFailed(Exception):
    """A failed check, with details to report next to the error."""

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.details = details


CHECKS: dict[str, Callable[[], dict[str, object] | None]] = {
    "database": _check_database,
    "redis": _check_redis,
    "channel_layer": _check_channel_layer,
    "broker": _check_broker,
}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            details = check()
        except CheckFailed as error:
            results[name] = {"ok": False, "error": str(error)[:300], **error.details}
        except Exception as error:
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
        else:
            results[name] = {
                "ok": True,
                "ms": round((time.perf_counter() - started) * 1000, 1),
                **(details or {}),
            }
    failing = [name for name, result in results.items() if not result["ok"]]
    degraded = [name for name, result in results.items() if result.get("degraded")]
    status = "unavailable" if failing else "degraded" if degraded else "ok"
    body: dict[str, object] = {"status": status, "failing": failing, "checks": results}
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body, status=503 if failing else 200)
