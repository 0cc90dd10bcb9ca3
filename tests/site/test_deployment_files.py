"""Docker can't run here, so check what it would run: docker-compose.yml, Procfile and .env.example."""

from __future__ import annotations

import importlib
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

from portfolio_site.devstack import dev_procfile, procfile_entries

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
    "WORKER_MARKET_CONCURRENCY",
    "WORKER_PORTFOLIO_CONCURRENCY",
    "WORKER_SLOW_CONCURRENCY",
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
    return procfile_entries((ROOT / "Procfile").read_text())


def with_defaults(command: str) -> str:
    """``${VAR:-default}`` replaced by its default (what the shell or compose makes of it unset)."""
    return re.sub(r"\$\{(\w+):-([^}]*)\}", r"\2", command)


def queues_of(argv: list[str]) -> set[str]:
    """The queues a ``celery worker`` command consumes (its -Q list)."""
    assert "-Q" in argv, f"a worker without -Q: {argv}"
    return set(argv[argv.index("-Q") + 1].split(","))


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
    assert {"postgres", "pgbouncer", "redis", "web", "beat", "gateway"} <= set(COMPOSE["services"])
    assert {"worker-market", "worker-portfolio", "worker-slow"} <= set(COMPOSE["services"])
    assert "worker" not in COMPOSE["services"]  # replaced by the three queue workers
    assert COMPOSE["services"]["postgres"]["image"].startswith("postgres:16")
    assert COMPOSE["services"]["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert "noeviction" in COMPOSE["services"]["redis"]["command"]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_compose_command_exists_in_the_project(name: str) -> None:
    check_command(APP_SERVICES[name]["command"])
    healthcheck = APP_SERVICES[name].get("healthcheck")
    if healthcheck and healthcheck["test"][0] == "CMD-SHELL":
        argv = shlex.split(healthcheck["test"][1])
        if argv[0] == "celery":
            check_command(argv)
    elif healthcheck and healthcheck["test"][1] == "celery":
        check_command(healthcheck["test"][1:])


def test_compose_runs_the_same_commands_as_the_procfile() -> None:
    for name, command in procfile().items():
        argv = shlex.split(with_defaults(command))
        check_command(argv)
        compose = [with_defaults(part) for part in APP_SERVICES[name]["command"]]
        assert (compose[0], compose[-1]) == (argv[0], argv[-1]), name
        if argv[3:4] == ["worker"]:
            assert compose == argv, name  # same queue, node name and concurrency


def worker_queues(entries: dict[str, str]) -> list[set[str]]:
    return [
        queues_of(shlex.split(with_defaults(command)))
        for command in entries.values()
        if shlex.split(command)[3:4] == ["worker"]
    ]


def test_the_procfile_runs_one_worker_per_queue_and_compose_the_same() -> None:
    assert sorted(map(sorted, worker_queues(procfile()))) == [
        [q] for q in settings.CELERY_TASK_QUEUES
    ]
    compose = [
        queues_of(service["command"])
        for service in APP_SERVICES.values()
        if service["command"][3:4] == ["worker"]
    ]
    assert sorted(map(sorted, compose)) == [[q] for q in settings.CELERY_TASK_QUEUES]


def test_make_run_consumes_every_queue_with_the_market_worker_alone() -> None:
    # the Procfile make run writes (var/Procfile.run), with and without the web client
    for frontend in (False, True):
        entries = procfile_entries(dev_procfile((ROOT / "Procfile").read_text(), frontend=frontend))
        queues = worker_queues(entries)
        assert set().union(*queues) == set(settings.CELERY_TASK_QUEUES)
        assert {"market"} in queues  # no long job shares the quote poll's worker
        assert len(queues) == 2  # one worker process less than production
        assert ("frontend" in entries) is frontend
        assert {"web", "beat"} <= set(entries)


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


# --- the scale-out topology (issue 19): shards, a replica, a worker per queue ---------------------


def _hosts(urls: str) -> list[str]:
    return [
        re.sub(r"^\w+://([^@/]*@)?", "", url).split(":")[0].split("/")[0] for url in urls.split(",")
    ]


def test_the_channel_layer_runs_on_two_redis_shards_of_its_own() -> None:
    env = COMPOSE["x-app"]["environment"]
    shards = _hosts(env["CHANNEL_REDIS_URLS"])
    assert len(shards) == 2
    assert len(set(shards)) == 2
    assert _hosts(env["REDIS_URL"]) == ["redis"]  # cache, limiter and broker stay on their own
    for host in shards:
        service = COMPOSE["services"][host]
        assert service["image"].startswith("redis:")
        assert "redis-cli" in service["healthcheck"]["test"]
        assert COMPOSE["services"]["web"]["depends_on"][host]["condition"] == "service_healthy"
    # the URLs are what the settings would accept
    assert "CHANNEL_REDIS_URLS" in SETTINGS_VARS


def test_a_streaming_replica_of_the_primary_serves_the_replica_reads() -> None:
    env = COMPOSE["x-app"]["environment"]
    (host,) = _hosts(env["DATABASE_REPLICA_URLS"])
    replica = COMPOSE["services"][host]
    assert replica["image"] == COMPOSE["services"]["postgres"]["image"]
    script = replica["command"][-1]
    # a base backup of the primary service with the standby settings (-R), then postgres
    assert re.search(r"pg_basebackup -h postgres -U portfolio .*-R", script)
    assert script.rstrip().endswith("exec postgres")
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    (volume,) = (v.split(":")[0] for v in replica["volumes"])
    assert volume in COMPOSE["volumes"]
    assert volume != "pgdata"  # its own data, not the primary's
    # the primary lets it stream: the init script adds a replication line to pg_hba.conf
    (config,) = COMPOSE["services"]["postgres"]["configs"]
    assert config["target"].startswith("/docker-entrypoint-initdb.d/")
    assert "host replication portfolio" in COMPOSE["configs"][config["source"]]["content"]
    assert "DATABASE_REPLICA_URLS" in SETTINGS_VARS


def test_every_worker_and_web_reach_the_same_shards_and_replica() -> None:
    # one environment for every app container: a tick published by worker-market reaches web's groups
    for name, service in APP_SERVICES.items():
        assert (
            service["environment"]["CHANNEL_REDIS_URLS"]
            == COMPOSE["x-app"]["environment"]["CHANNEL_REDIS_URLS"]
        ), name
    workers = sorted(n for n in APP_SERVICES if n.startswith("worker-"))
    assert workers == ["worker-market", "worker-portfolio", "worker-slow"]
