"""The one error format, health probes, and dependency outages answered as 503."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from portfolio_site import health

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_dependencies(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_every_dependency(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "channel_layer", "broker"}


def test_readyz_names_the_failing_part_with_503(client: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def redis_down() -> None:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setitem(health.CHECKS, "redis", redis_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["database"]["ok"] is True
    assert "Connection refused" in body["checks"]["redis"]["error"]


def test_readyz_reports_a_dead_broker(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "broker" in response.json()["failing"]


def test_unknown_api_route_is_json_404(api_client: APIClient) -> None:
    response = api_client.get("/api/does-not-exist/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_in_the_error_format(api_client: APIClient) -> None:
    response = api_client.get("/api/auth/register/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("exception", "code"),
    [
        (OperationalError("could not connect to server"), "database_unavailable"),
        (RedisConnectionError("Connection refused"), "cache_unavailable"),
    ],
)
def test_dependency_outage_in_a_view_is_503_not_500(
    auth_client, monkeypatch, exception, code
) -> None:  # type: ignore[no-untyped-def]
    from portfolio_site import auth_api

    def boom(self, request):  # type: ignore[no-untyped-def]
        raise exception

    monkeypatch.setattr(auth_api.MeView, "get", boom)
    response = auth_client.get("/api/auth/me/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == code
    assert response["Retry-After"]


def test_readyz_lists_each_channel_layer_shard_and_one_down_is_degraded_not_failing(
    client: Client,
    settings,
    redis_shards,  # type: ignore[no-untyped-def]
) -> None:
    # given the channel layer on two shards
    urls = [server.url for server in redis_shards]
    settings.CHANNEL_REDIS_URLS = urls
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {**config, "hosts": [{"address": url} for url in urls]},
        }
    }
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    shards = body["checks"]["channel_layer"]["shards"]
    assert [(shard["address"], shard["ok"]) for shard in shards] == [(url, True) for url in urls]
    # when one shard dies: still ready (every process shares it), reported as degraded
    redis_shards[1].kill()
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["degraded"], body["failing"]) == (
        "degraded",
        ["channel_layer"],
        [],
    )
    shards = body["checks"]["channel_layer"]["shards"]
    assert [shard["ok"] for shard in shards] == [True, False]
    assert "Error" in shards[1]["error"]
    # when both are down: not ready
    redis_shards[0].kill()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["channel_layer"]


def test_shard_addresses_hide_passwords() -> None:
    from realtime.layers import shard_address

    assert shard_address("redis://:s3cret@10.0.0.5:6380/0") == "redis://10.0.0.5:6380/0"
    assert shard_address({"address": "rediss://u:p@h:1/2"}) == "rediss://h:1/2"
