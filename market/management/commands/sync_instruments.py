"""``manage.py sync_instruments``: instruments and index groups from the market-data provider."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from market.providers.base import ProviderError, get_provider
from market.services import instrument_sync


class Command(BaseCommand):
    help = "Upsert instruments and their groups (VN30, ...) from the configured provider."

    def handle(self, *args: Any, **options: Any) -> None:
        provider = get_provider()
        try:
            result = instrument_sync(provider=provider)
        except ProviderError as exc:
            raise CommandError(f"{provider.name}: {exc}") from exc
        self.stdout.write(
            f"{provider.name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.rejected} rejected; groups +"
            f"{result.groups_created}, memberships +{result.memberships_added}"
            f"/-{result.memberships_removed}"
        )
