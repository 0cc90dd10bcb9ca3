"""The benchmark database: created if missing, migrated, and given the instruments the runs use."""

from __future__ import annotations

import subprocess
from urllib.parse import urlsplit

import psycopg

from bench.context import BASE_DIR, PYTHON, Context
from bench.ledger_data import SYMBOLS


def ensure_database(ctx: Context) -> None:
    """CREATE DATABASE if it does not exist (connecting to the server's `postgres` database)."""
    parts = urlsplit(ctx.database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'create database "{name}"')  # name comes from our own setting


def migrate(ctx: Context) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env=ctx.django_env(),
        check=True,
        timeout=300,
    )


def ensure_instruments(ctx: Context) -> list[str]:
    """The 30 benchmark symbols as active HOSE stocks (Django must be set up)."""
    from market.models import Instrument

    for symbol in SYMBOLS:
        Instrument.objects.update_or_create(
            symbol=symbol,
            defaults={"exchange": "HOSE", "type": "stock", "name": symbol, "is_active": True},
        )
    return list(SYMBOLS)


def prepare(ctx: Context) -> list[str]:
    ensure_database(ctx)
    migrate(ctx)
    ctx.setup_django()
    return ensure_instruments(ctx)
