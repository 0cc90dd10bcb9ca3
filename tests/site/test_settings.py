"""Settings come from the environment; a bad value stops start-up with one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "k" * 20 + "9f8e7d6c5b4a3928171615141312111009080706050403",
    "JWT_SIGNING_KEY": "another-random-signing-key-for-tokens-" + "8c2f4a9e1b7d3065",
    "ALLOWED_HOSTS": "portfolio.example.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "DEBUG"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql://db/portfolio"),
        ("REDIS_URL", "localhost:6379"),
        ("CHANNEL_REDIS_URLS", "redis://127.0.0.1:6380/0,127.0.0.1:6381"),
        ("CHANNEL_REDIS_URLS", "redis://127.0.0.1:6380/0,redis://127.0.0.1:6380/0"),
        ("JWT_ACCESS_LIFETIME", "-5m"),
        ("VNSTOCK_CALLS_PER_MINUTE", "lots"),
        ("MARKET_DATA_PROVIDER", "bloomberg"),
    ],
)
def test_invalid_variable_gives_one_line_naming_it(variable: str, value: str) -> None:
    result = manage("check", **{variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable}:")


def test_production_requires_a_secret_key() -> None:
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode == 2
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_check_deploy_with_zero_warnings() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_uses_pgbouncer_safe_database_options() -> None:
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['CONN_MAX_AGE'], d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['prepare_threshold'])"
    )
    result = manage(
        "shell", "-c", code, **PRODUCTION, DATABASE_URL="postgres://u:p@pgbouncer:6432/portfolio"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["0", "True", "None"]


def test_channel_layer_shards_come_from_channel_redis_urls_and_default_to_redis_url() -> None:
    code = (
        "from django.conf import settings as s; "
        "print([h['address'] for h in s.CHANNEL_LAYERS['default']['CONFIG']['hosts']], "
        "s.CACHES['default']['LOCATION'], s.CELERY_BROKER_URL)"
    )
    redis_url = "redis://127.0.0.1:6379/3"
    shards = "redis://127.0.0.1:6380/0, redis://:pw@127.0.0.1:6381/0"
    default = manage(
        "shell", "-c", code, REDIS_URL=redis_url, CHANNEL_REDIS_URLS="", CELERY_BROKER_URL=""
    )
    sharded = manage(
        "shell", "-c", code, REDIS_URL=redis_url, CHANNEL_REDIS_URLS=shards, CELERY_BROKER_URL=""
    )
    assert default.stdout.strip().splitlines()[-1] == f"['{redis_url}'] {redis_url} {redis_url}", (
        default.stderr
    )
    # the cache and the broker stay on REDIS_URL
    assert sharded.stdout.strip().splitlines()[-1] == (
        f"['redis://127.0.0.1:6380/0', 'redis://:pw@127.0.0.1:6381/0'] {redis_url} {redis_url}"
    ), sharded.stderr
