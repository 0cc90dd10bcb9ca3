"""The web tier's settings (portfolio_site/web_tier.py), read as gunicorn reads them."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from gunicorn.config import Config
from uvicorn.config import Config as UvicornConfig

from portfolio_site import web_tier

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = ("WEB_CONCURRENCY", "WEB_TIMEOUT", "WEB_KEEPALIVE", "WEB_HOST", "WEB_PORT")


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    importlib.reload(web_tier)


def gunicorn_config() -> Config:
    module = importlib.reload(web_tier)
    config = Config()
    for name in config.settings:
        if hasattr(module, name):
            config.set(name, getattr(module, name))
    return config


def test_one_worker_per_core_by_default(fresh: pytest.MonkeyPatch) -> None:
    config = gunicorn_config()
    assert config.workers == len(os.sched_getaffinity(0))
    assert config.worker_class_str == "portfolio_site.web_tier.WebWorker"
    assert config.bind == ["127.0.0.1:8000"]
    assert config.timeout == 30
    assert config.keepalive == 5
    assert config.control_socket_disable is True  # no shared socket under $HOME


def test_environment_sets_workers_address_and_timeouts(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("WEB_CONCURRENCY", "3")
    fresh.setenv("WEB_HOST", "0.0.0.0")  # noqa: S104
    fresh.setenv("WEB_PORT", "9001")
    fresh.setenv("WEB_TIMEOUT", "12")
    fresh.setenv("WEB_KEEPALIVE", "2")
    config = gunicorn_config()
    assert (config.workers, config.bind, config.timeout, config.keepalive) == (
        3,
        ["0.0.0.0:9001"],
        12,
        2,
    )


@pytest.mark.parametrize(
    ("name", "value"), [("WEB_CONCURRENCY", "0"), ("WEB_CONCURRENCY", "two"), ("WEB_TIMEOUT", "1")]
)
def test_a_bad_value_stops_the_start_with_its_name(name: str, value: str) -> None:
    env = {**os.environ, name: value}
    result = subprocess.run(
        [sys.executable, "-c", "import portfolio_site.web_tier"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert name in result.stderr


def test_workers_never_rewrite_the_client_address() -> None:
    # uvicorn's proxy headers would take X-Forwarded-For from 127.0.0.1 (the Next.js proxy) before
    # portfolio_site.client_ip reads it right to left through TRUSTED_PROXIES.
    options = {
        **web_tier.WebWorker.CONFIG_KWARGS,
        "forwarded_allow_ips": web_tier.forwarded_allow_ips,
    }
    config = UvicornConfig(app=None, **options)  # type: ignore[arg-type]
    assert config.proxy_headers is False
    assert web_tier.forwarded_allow_ips == ""


def test_workers_serve_websockets_without_compression_and_bound_connections() -> None:
    options = web_tier.WebWorker.CONFIG_KWARGS
    assert options["ws"] == "websockets-sansio"
    assert options["ws_per_message_deflate"] is False
    assert options["lifespan"] == "off"
    assert options["limit_concurrency"] >= 100


def test_the_asgi_application_runs_the_middleware_chain_in_one_sync_call() -> None:
    from portfolio_site.asgi import application
    from portfolio_site.asgi_handler import SyncChainASGIHandler

    handler = application.application_mapping["http"]
    handler = getattr(handler, "application", handler)  # DEBUG wraps it for static files
    assert isinstance(handler, SyncChainASGIHandler)
    # loaded in sync mode: no async_to_sync hop back to the loop inside the chain
    assert not inspect.iscoroutinefunction(handler._middleware_chain)
    assert inspect.iscoroutinefunction(handler.get_response_async)
