"""Each install's own keys (issue 14, item 1): generated on first start under VAR_DIR, private, never
shared between installs, the same for every process of one install; production takes its keys from
the environment only and refuses weak ones."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from portfolio_site.install_secrets import SECRET_NAMES, STORE_FILE_NAME, install_secrets
from tests.site.test_deployment_files import APP_SERVICES, COMPOSE, ROOT
from tests.site.test_settings import PRODUCTION, manage

SHOW_KEYS = "from django.conf import settings as s; print(s.SECRET_KEY); print(s.JWT_SIGNING_KEY)"


def keys_of_a_process(var_dir: Path) -> tuple[str, str]:
    """SECRET_KEY and JWT_SIGNING_KEY as a fresh development process (manage.py, daphne, celery) sees them."""
    result = manage(
        "shell", "-c", SHOW_KEYS, VAR_DIR=str(var_dir), SECRET_KEY="", JWT_SIGNING_KEY=""
    )
    assert result.returncode == 0, result.stderr
    secret_key, jwt_key = result.stdout.strip().splitlines()[-2:]
    return secret_key, jwt_key


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_each_install_generates_its_own_private_keys_on_first_start(tmp_path: Path) -> None:
    first, second = tmp_path / "first" / "var", tmp_path / "second" / "var"

    secret_key, jwt_key = keys_of_a_process(first)

    stored = json.loads((first / STORE_FILE_NAME).read_text())
    assert (secret_key, jwt_key) == (stored["SECRET_KEY"], stored["JWT_SIGNING_KEY"])
    assert mode(first / STORE_FILE_NAME) == 0o600
    assert mode(first) == 0o700
    assert len(set(stored.values())) == len(SECRET_NAMES)
    assert all(len(value) >= 50 for value in stored.values())
    # the next process of the same install (web, worker, beat) signs with the same keys
    assert keys_of_a_process(first) == (secret_key, jwt_key)
    # another install does not
    other_secret, other_jwt = keys_of_a_process(second)
    assert {other_secret, other_jwt}.isdisjoint({secret_key, jwt_key})


def test_processes_starting_together_on_a_fresh_clone_agree_on_the_keys(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    starters = 12
    barrier = threading.Barrier(starters)
    results: list[dict[str, str]] = []

    def start() -> None:
        barrier.wait()
        results.append(install_secrets(var_dir))

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == starters
    assert all(result == results[0] for result in results)
    assert sorted(path.name for path in var_dir.iterdir()) == [STORE_FILE_NAME]  # no temporary left


def test_an_existing_world_readable_var_dir_and_keys_file_are_tightened(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    keys = install_secrets(var_dir)
    var_dir.chmod(0o755)
    (var_dir / STORE_FILE_NAME).chmod(0o644)

    assert install_secrets(var_dir) == keys
    assert mode(var_dir) == 0o700
    assert mode(var_dir / STORE_FILE_NAME) == 0o600


STRONG = "Zq0" + "x7Kp2mWv9Lr4Tn8Bj6Hd3Fs5Gc1Yy0Ue" * 2  # 63 characters


@pytest.mark.parametrize(
    ("variables", "refused"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "s" * 49}, "SECRET_KEY"),
        ({"JWT_SIGNING_KEY": ""}, "JWT_SIGNING_KEY"),
        ({"JWT_SIGNING_KEY": "j" * 49}, "JWT_SIGNING_KEY"),
        ({"JWT_SIGNING_KEY": PRODUCTION["SECRET_KEY"]}, "JWT_SIGNING_KEY"),
    ],
    ids=[
        "no-secret-key",
        "short-secret-key",
        "no-jwt-key",
        "short-jwt-key",
        "jwt-key-equals-secret",
    ],
)
def test_production_refuses_missing_short_or_shared_keys(
    tmp_path: Path, variables: dict[str, str], refused: str
) -> None:
    # even with this install's generated keys at hand: production never falls back to them
    install_secrets(tmp_path)
    result = manage("check", **{**PRODUCTION, **variables, "VAR_DIR": str(tmp_path)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"Configuration error: {refused}:"), result.stderr


def test_production_uses_the_environments_keys_and_writes_none(tmp_path: Path) -> None:
    result = manage(
        "shell",
        "-c",
        SHOW_KEYS,
        **{**PRODUCTION, "JWT_SIGNING_KEY": STRONG, "VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2:] == [PRODUCTION["SECRET_KEY"], STRONG]
    assert not (tmp_path / STORE_FILE_NAME).exists()


def test_compose_gives_every_container_the_keys_from_env_and_bakes_none_into_the_image() -> None:
    """Containers share no var/: generated keys would differ between web and worker, so compose
    passes .env's keys to each one and refuses to start without them."""
    for name, service in APP_SERVICES.items():
        environment = service["environment"]
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?"), name
        assert environment["JWT_SIGNING_KEY"].startswith("${JWT_SIGNING_KEY:?"), name
    build = COMPOSE["x-app"]["build"]["dockerfile_inline"]
    commands = [line.strip() for line in build.replace("\\\n", " ").splitlines()]
    collectstatic = next(
        line for line in commands if line.startswith("RUN") and "collectstatic" in line
    )
    assert "VAR_DIR=/tmp/" in collectstatic
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"var/", ".env"} <= set(ignored)
