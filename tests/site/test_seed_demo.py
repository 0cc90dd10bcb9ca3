"""`make run` seeds the demo accounts idempotently and the printed credentials open the admin."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--accounts-only", stdout=out)
    return out.getvalue()


@pytest.fixture
def var_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    return tmp_path


def printed_password(output: str, username: str) -> str:
    line = next(line for line in output.splitlines() if line.strip().startswith(username))
    return line.split("password:")[1].strip()


@pytest.mark.django_db
def test_seed_prints_generated_passwords_that_open_the_admin(var_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    output = seed()
    admin_password = printed_password(output, "admin")
    client = Client()
    assert client.login(username="admin", password=admin_password)
    assert client.get("/admin/").status_code == 200
    demo = get_user_model().objects.get(username="demo")
    assert demo.check_password(printed_password(output, "demo"))
    assert not demo.is_staff
    assert (var_dir / "credentials.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_seed_keeps_the_credentials_in_a_private_directory(settings, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path / "fresh" / "var"
    seed()
    assert settings.VAR_DIR.stat().st_mode & 0o777 == 0o700
    assert (settings.VAR_DIR / "credentials.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_second_seed_reuses_accounts_and_passwords(var_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first = seed()
    second = seed()
    assert printed_password(first, "admin") == printed_password(second, "admin")
    assert get_user_model().objects.filter(username__in=["admin", "demo"]).count() == 2


@pytest.mark.django_db
def test_passwords_from_the_environment_win(var_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ADMIN_PASSWORD", "Admin-Pass-From-Env-1")
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-Pass-From-Env-1")
    seed()
    assert get_user_model().objects.get(username="admin").check_password("Admin-Pass-From-Env-1")
    assert get_user_model().objects.get(username="demo").check_password("Demo-Pass-From-Env-1")


@pytest.mark.django_db
def test_a_password_changed_by_its_user_is_not_reset(var_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    seed()
    demo = get_user_model().objects.get(username="demo")
    demo.set_password("Changed-By-The-User-9")
    demo.save()
    output = seed()
    demo.refresh_from_db()
    assert demo.check_password("Changed-By-The-User-9")
    assert "changed since it was seeded" in output


@pytest.mark.django_db
def test_the_demo_seed_ingests_the_simulated_events_of_held_symbols(var_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import date
    from decimal import Decimal

    from market.models import CorporateEvent, Instrument
    from market.providers.base import reset_provider_cache
    from portfolio.management.commands import seed_demo
    from portfolio.models import Portfolio, Transaction

    def market_and_portfolio(name: str, *args: object, **kwargs: object) -> None:
        # stands in for seed_market + seed_portfolio: the demo user holds FPT
        if name != "seed_portfolio":
            return
        fpt, created = Instrument.objects.get_or_create(
            symbol="FPT", defaults={"exchange": "HOSE", "type": "stock"}
        )
        if not created:
            return
        owner = get_user_model().objects.get(username="demo")
        Transaction.objects.create(
            portfolio=Portfolio.objects.create(owner=owner, name="Demo"),
            kind="BUY",
            instrument=fpt,
            quantity=1000,
            price=Decimal(100_000),
            trade_date=date(2025, 3, 3),
            settle_date=date(2025, 3, 5),
        )

    monkeypatch.setattr(seed_demo, "call_command", market_and_portfolio)
    reset_provider_cache()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    ingested = CorporateEvent.objects.filter(instrument__symbol="FPT").exclude(
        source_id__contains="-demo-"
    )
    created = ingested.count()
    assert created > 0
    assert f"corporate events: {created} created" in out.getvalue()
    # and the demo portfolio shows a pending dividend (one demo event on its holding)
    assert "entitlements: Demo has a pending dividend of FPT" in out.getvalue()
    total = CorporateEvent.objects.count()
    assert total == created + 1
    call_command("seed_demo", stdout=io.StringIO())
    assert CorporateEvent.objects.count() == total
