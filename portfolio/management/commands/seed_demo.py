"""Seed the demo data idempotently: the ``admin`` superuser, the ``demo`` user, the market
(instruments, two years of daily history, schedules: ``seed_market``), the demo user's portfolio
(``seed_portfolio``) and, with the simulated feed, the corporate events of the held or watched
symbols (the beat task does that daily; vnstock's budget is not spent at start-up), then the demo
portfolio's entitlements, with one pending cash dividend ("quyền chờ về") on its largest holding
when the simulated year has none in progress (``demo_pending_dividend``).

Passwords come from ADMIN_PASSWORD / DEMO_PASSWORD; otherwise a password is generated once, kept in
``var/credentials.json`` (mode 0600, in VAR_DIR 0700) and printed on every run so a second ``make run`` can show it.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from market.calendar import market_date
from market.events import corporate_events_ingest
from market.providers.base import get_provider
from portfolio.models import Portfolio
from portfolio_site import accounts
from portfolio_site.install_secrets import private_directory, private_file


class Command(BaseCommand):
    help = "Create or update the demo accounts, market data and portfolio (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--accounts-only", action="store_true", help="only the admin and demo accounts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._seed_accounts()
        if not options["accounts_only"]:
            call_command("seed_market", "--no-progress", stdout=self.stdout, stderr=self.stderr)
            call_command("seed_portfolio", stdout=self.stdout, stderr=self.stderr)
            self._seed_events()
            self._seed_entitlements()

    def _seed_events(self) -> None:
        provider = get_provider()
        if provider.name != "simulated":
            return
        report = corporate_events_ingest(provider=provider, today=market_date(timezone.now()))
        self.stdout.write(
            f"corporate events: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged"
        )

    def _seed_entitlements(self) -> None:
        if get_provider().name != "simulated":
            return
        from portfolio.services.entitlement_jobs import demo_pending_dividend

        for portfolio in Portfolio.objects.filter(owner__username="demo"):
            pending = demo_pending_dividend(portfolio=portfolio)
            if pending is not None:
                self.stdout.write(
                    f"entitlements: {portfolio.name} has a pending dividend of "
                    f"{pending.event.instrument.symbol} ({pending.cash_net:,.0f} VND net, "
                    f"paid {pending.event.payment_date})"
                )

    def _seed_accounts(self) -> None:
        credentials_file = Path(settings.VAR_DIR) / "credentials.json"
        stored: dict[str, str] = {}
        if credentials_file.exists():
            stored = json.loads(credentials_file.read_text())
        accounts = {
            "admin": (os.environ.get("ADMIN_PASSWORD"), True),
            "demo": (os.environ.get("DEMO_PASSWORD"), False),
        }
        User = get_user_model()
        with transaction.atomic():
            for username, (from_env, staff) in accounts.items():
                self._seed_user(User, username, from_env, staff, stored)
        # Created 0600 before anything is written, in a 0700 directory: never readable by others.
        private_directory(credentials_file.parent)
        private_file(credentials_file).write_text(json.dumps(stored, indent=2))

    def _seed_user(
        self, User: Any, username: str, from_env: str | None, staff: bool, stored: dict[str, str]
    ) -> None:
        user = User.objects.filter(username=username).first()
        # Never promote someone else's look-alike account (``Admin`` registered before the seed).
        clash = accounts.username_problem(username=username, exclude_pk=user.pk if user else None)
        if clash is not None:
            raise CommandError(f"cannot seed {username!r}: {clash.message} Rename that account.")
        created = user is None
        if user is None:
            user = User(username=username, email=f"{username}@example.com")
        if from_env:
            password: str | None = from_env
            user.set_password(from_env)
        elif created:
            password = stored.get(username) or secrets.token_urlsafe(12)
            user.set_password(password)
            stored[username] = password
        elif username in stored and user.check_password(stored[username]):
            password = stored[username]
        else:
            password = None
        user.is_staff = user.is_superuser = staff
        user.is_active = True
        user.save()
        env_name = f"{username.upper()}_PASSWORD"
        shown = password or f"(changed since it was seeded; set {env_name} to reset it)"
        self.stdout.write(f"  {username:<6} password: {shown}")
