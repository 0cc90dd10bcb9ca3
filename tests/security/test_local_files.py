"""Local files and the private Redis of `make run` / `make test` (issue 14, item 7d): other accounts on
the machine read neither VAR_DIR nor the SQLite database, and cannot use the private Redis."""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from portfolio_site import devstack
from portfolio_site.install_secrets import install_secrets
from tests.site.test_settings import manage

# Write while connected, then list the database's files (the -wal and -shm files exist only while a
# connection is open) with their modes.
WRITE_AND_LIST = (
    "import os, stat; from pathlib import Path; from django.conf import settings; "
    "from django.db import connection; cursor = connection.cursor(); "
    "cursor.execute('create table probe (x integer)'); cursor.execute('insert into probe values (1)'); "
    "[print(p.name, oct(stat.S_IMODE(p.stat().st_mode))) "
    "for p in Path(settings.VAR_DIR).iterdir() if p.name.startswith('db.')]"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_database_and_var_dir_are_private(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    database = var_dir / "db.sqlite3"

    result = manage(
        "shell", "-c", WRITE_AND_LIST, VAR_DIR=str(var_dir), DATABASE_URL=f"sqlite:///{database}"
    )

    assert result.returncode == 0, result.stderr
    assert mode(var_dir) == 0o700
    files = dict(line.split() for line in result.stdout.splitlines() if line.startswith("db."))
    assert set(files) == {"db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"}  # WAL mode
    assert set(files.values()) == {"0o600"}, files
    assert mode(database) == 0o600


@pytest.fixture
def no_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)  # make test passes its own Redis down


def test_the_private_redis_requires_this_installs_password(
    tmp_path: Path, no_redis_url: None
) -> None:
    var_dir = tmp_path / "var"
    with devstack.private_redis(var_dir) as url:
        parts = urlsplit(url)
        assert parts.password == install_secrets(var_dir)["REDIS_PASSWORD"]
        assert redis.Redis.from_url(url).ping()
        anonymous = redis.Redis(host=parts.hostname or "", port=parts.port or 0)
        with pytest.raises(redis.AuthenticationError):
            anonymous.ping()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host=parts.hostname or "", port=parts.port or 0, password="guess").ping()

        # the password is in a 0600 file in a 0700 directory, not on the server's command line
        process_id = redis.Redis.from_url(url).info("server")["process_id"]
        command_line = Path(f"/proc/{process_id}/cmdline").read_bytes()
        assert parts.password.encode() not in command_line
        assert mode(var_dir) == mode(var_dir / "redis") == 0o700
        assert mode(var_dir / "redis" / "redis.conf") == 0o600

        # a second `make run` reuses the running server with the same password
        with devstack.private_redis(var_dir) as again:
            assert again == url
