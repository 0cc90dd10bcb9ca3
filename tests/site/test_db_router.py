"""The read-replica router's rules without a replica server (tests/site/test_read_replicas.py runs
them against a real streaming replica): where reads and writes go, the read-your-writes pin, the
replica settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponse

from portfolio_site import db_router
from portfolio_site.db_router import ReplicaRouter
from portfolio_site.replica_reads import ReadYourWritesMiddleware
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
router = ReplicaRouter()


def test_reads_go_to_the_primary_unless_the_request_chose_a_replica() -> None:
    assert router.db_for_read(object) is None  # Django's default: the primary

    token = db_router.read_from("replica_0")
    try:
        assert router.db_for_read(object) == "replica_0"
        assert db_router.reading_from_replica()
    finally:
        db_router.restore(token)

    assert router.db_for_read(object) is None


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_on_it() -> None:
    token = db_router.read_from("replica_0")
    try:
        with transaction.atomic():
            assert router.db_for_read(object) == "default"
    finally:
        db_router.restore(token)


def test_writes_and_migrations_never_go_to_a_replica() -> None:
    token = db_router.read_from("replica_0")
    try:
        assert router.db_for_write(object) == "default"
    finally:
        db_router.restore(token)
    assert router.allow_migrate("replica_0", "portfolio") is False
    assert router.allow_migrate("default", "portfolio") is None


@pytest.mark.django_db
def test_without_replicas_every_request_reads_the_primary_and_nobody_is_pinned() -> None:
    if db_router.replica_aliases():
        pytest.skip("DATABASE_REPLICA_URLS is set")
    user = UserFactory()
    assert db_router.replica_for_reads(user_id=user.pk) is None


@pytest.mark.django_db
def test_a_successful_write_pins_its_user_to_the_primary(
    rf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = UserFactory(), UserFactory()
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ["replica_0"])

    def respond(status: int) -> Any:
        return ReadYourWritesMiddleware(lambda request: _response(status))

    failed = rf.post("/api/portfolios/")
    failed.user = writer
    respond(400)(failed)
    assert not db_router.is_pinned(user_id=writer.pk)

    read = rf.get("/api/portfolios/")
    read.user = reader
    respond(200)(read)
    assert not db_router.is_pinned(user_id=reader.pk)

    written = rf.post("/api/portfolios/")
    written.user = writer
    respond(201)(written)
    assert db_router.is_pinned(user_id=writer.pk)
    assert not db_router.is_pinned(user_id=reader.pk)
    assert db_router.replica_for_reads(user_id=writer.pk) is None


def test_every_request_starts_on_the_primary_even_if_a_previous_one_leaked_its_replica(
    rf: Any,
) -> None:
    seen: list[str | None] = []
    token = db_router.read_from("replica_0")  # as if a view forgot to restore it
    try:
        ReadYourWritesMiddleware(
            lambda request: seen.append(db_router.current_replica()) or _response(200)
        )(rf.get("/"))
    finally:
        db_router.restore(token)
    assert seen == [None]


def _response(status: int) -> HttpResponse:
    return HttpResponse(status=status)


def _databases(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({a: {k: d[k] for k in ('HOST', 'PORT', 'NAME', 'OPTIONS', 'TEST')} "
        "for a, d in settings.DATABASES.items()}, default=str))"
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**_base_env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}


def test_replica_urls_become_aliases_with_the_primarys_options() -> None:
    done = _databases(
        DATABASE_URL="postgres://app@db:5432/portfolio",
        DATABASE_POOLER="pgbouncer",
        DATABASE_REPLICA_URLS="postgres://app@replica-a:5432/portfolio, postgres://app@replica-b/portfolio",
    )
    assert done.returncode == 0, done.stderr
    databases = json.loads(done.stdout.strip().splitlines()[-1])

    assert list(databases) == ["default", "replica_0", "replica_1"]
    assert databases["replica_0"]["HOST"] == "replica-a"
    assert databases["replica_1"]["HOST"] == "replica-b"
    primary_options = databases["default"]["OPTIONS"]
    for alias in ("replica_0", "replica_1"):
        options = databases[alias]["OPTIONS"]
        assert options["prepare_threshold"] is None  # pgbouncer mode, like the primary
        assert options["pool"] == {**primary_options["pool"], "timeout": 2}
        assert databases[alias]["TEST"]["MIRROR"] == "default"


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"DATABASE_REPLICA_URLS": "postgres://app@replica/portfolio"}, "need DATABASE_URL on"),
        (
            {
                "DATABASE_URL": "postgres://app@db/portfolio",
                "DATABASE_REPLICA_URLS": "mysql://app@replica/portfolio",
            },
            "expected postgres://",
        ),
    ],
)
def test_unusable_replica_urls_are_a_configuration_error(env: dict[str, str], problem: str) -> None:
    done = _databases(**env)
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URLS" in done.stderr + done.stdout
    assert problem in done.stderr + done.stdout
