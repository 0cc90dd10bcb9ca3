"""Docker can't run here, so check what it would run: docker-compose.yml, Procfile and .env.example."""

from __future__ import annotations

import importlib
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = {
    name: service
    for name, service in COMPOSE["services"].items()
    if service.get("image") == "vn-portfolio:latest"
}
SETTINGS_SOURCE = (ROOT / "portfolio_site" / "settings.py").read_text()
SETTINGS_VARS = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))
# Variables read outside settings.py: the devstack runner, the seed command, the Procfile, compose.
PROCESS_VARS = {
    "PORT",
    "WEB_HOST",
    "WEB_PORT",
    "WORKER_CONCURRENCY",
    "WEB_CONCURRENCY",
    "WEB_TIMEOUT",
    "WEB_KEEPALIVE",
    "WEB_GRACEFUL_TIMEOUT",
    "WEB_MAX_CONNECTIONS",
    "WEB_MAX_REQUESTS",
    "ADMIN_PASSWORD",
    "DEMO_PASSWORD",
}
COMPOSE_VARS = {"POSTGRES_PASSWORD", "GATEWAY_PORT", "WEB_REPLICAS"}
# Read by the Next.js server (frontend/server.mjs, proxy.mjs, scripts/serve.mjs).
FRONTEND_VARS = {
    "FRONTEND_PORT",
    "FRONTEND_HOST",
    "BACKEND_URL",
    "COOKIE_SECURE",
    "FRONTEND_TRUSTED_PROXIES",
}


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def check_command(argv: list[str]) -> None:
    program = argv[0]
    if program == "python":
        assert argv[1] == "manage.py"
        assert argv[2] in get_commands(), f"unknown management command {argv[2]}"
    elif program == "gunicorn":
        assert argv[1:3] == ["-c", "python:portfolio_site.web_tier"]
        module, attribute = argv[-1].split(":")
        assert hasattr(importlib.import_module(module), attribute)
    elif program == "celery":
        assert argv[1] == "-A"
        assert hasattr(importlib.import_module(argv[2]), "app")
        assert argv[3] in {"worker", "beat", "inspect"}
    else:
        pytest.fail(f"unexpected program {program}")
    installed = Path(sys.executable).parent / program
    assert program == "python" or installed.exists(), f"{program} is not installed"


def test_compose_has_the_production_services() -> None:
    assert {"postgres", "pgbouncer", "redis", "web", "worker", "beat", "gateway"} <= set(
        COMPOSE["services"]
    )
    assert COMPOSE["services"]["postgres"]["image"].startswith("postgres:16")
    assert COMPOSE["services"]["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert "noeviction" in COMPOSE["services"]["redis"]["command"]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_compose_command_exists_in_the_project(name: str) -> None:
    check_command(APP_SERVICES[name]["command"])
    healthcheck = APP_SERVICES[name].get("healthcheck")
    if healthcheck and healthcheck["test"][1] == "celery":
        check_command(healthcheck["test"][1:])


def test_compose_runs_the_same_commands_as_the_procfile() -> None:
    for name, command in procfile().items():
        argv = shlex.split(re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", command))
        check_command(argv)
        compose = APP_SERVICES[name]["command"]
        assert (compose[0], compose[-1]) == (argv[0], argv[-1]), name


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_env_var_compose_sets_is_read_by_the_settings(name: str) -> None:
    unknown = set(APP_SERVICES[name]["environment"]) - SETTINGS_VARS
    assert not unknown, f"{name} sets variables nothing reads: {unknown}"


def test_env_example_lists_every_variable_and_nothing_else() -> None:
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert listed == SETTINGS_VARS | PROCESS_VARS | COMPOSE_VARS | FRONTEND_VARS


def test_gateway_routes_api_admin_websockets_and_static_to_web() -> None:
    nginx = COMPOSE["configs"]["nginx"]["content"]
    assert "location /ws/" in nginx
    assert "Upgrade" in nginx
    assert "location ~ ^/(api|admin|healthz|readyz)" in nginx
    assert "location /static/" in nginx
