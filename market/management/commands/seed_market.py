"""``manage.py seed_market``: make the market live on a fresh database (idempotent, cheap to re-run).

1. sync instruments and groups from the provider (``MARKET_DATA_PROVIDER``; ``auto`` falls back to
   the simulated feed when vnstock is unreachable);
2. daily history for VN30 and the indices: two years (``--days``) for symbols that have none, and
   only the missing days after the latest stored bar for the others. With the simulated feed this
   runs here (about 15 s on a fresh database); with vnstock, whose budget allows 20-60 calls a
   minute, it is handed to the worker as a one-off periodic task so that start-up does not wait
   (``--wait`` runs it here anyway, waiting out the rate limit);
3. the periodic tasks (``setup_schedules``: missing rows only, the admin's edits are kept).

Provider failures are reported and do not fail the command: ``make run`` must start offline.
"""

from __future__ import annotations

from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandParser

from market.management.commands.backfill_history import backfill_symbols, resolve_symbols
from market.models import InstrumentGroup
from market.providers.base import ProviderError, get_provider
from market.schedules import history_backfill_schedule_once, schedules_install
from market.services import instrument_sync


class Command(BaseCommand):
    help = "Instruments, two years of daily history for VN30 and the indices, and the schedules."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=730, help="history depth for new symbols")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--wait", action="store_true", help="backfill here even with vnstock (slow: budget)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provider = get_provider()
        self.stdout.write(f"market data provider: {provider.name}")
        try:
            synced = instrument_sync(provider=provider)
            self.stdout.write(
                f"instruments: {synced.created} created, {synced.updated} updated, "
                f"{synced.unchanged} unchanged"
            )
        except ProviderError as exc:
            self.stderr.write(f"instrument sync failed ({exc}); keeping the stored instruments")
        symbols = self._seed_symbols()
        if symbols and provider.name != "simulated" and not options["wait"]:
            history_backfill_schedule_once(symbols=symbols, days=options["days"])
            self.stdout.write(f"history: {len(symbols)} symbols queued for the worker (one-off)")
        elif symbols:
            run = backfill_symbols(
                symbols=symbols,
                days=options["days"],
                only_missing=True,
                provider=provider,
                progress=not options["no_progress"],
                stream=cast(TextIO, self.stderr._out),
            )
            self.stdout.write(
                f"history: {len(run.done)} symbols fetched, {len(run.skipped)} up to date, "
                f"{len(run.failed)} failed, {run.written} bars written"
            )
            for symbol, reason in sorted(run.failed.items()):
                self.stderr.write(f"  {symbol}: {reason}")
        schedules = schedules_install()
        self.stdout.write(
            f"schedules: {len(schedules.created)} created, {len(schedules.kept)} kept"
        )
        for name in schedules.overridden:
            self.stderr.write(f"warning: {name} overrides its task's route (setup_schedules)")

    @staticmethod
    def _seed_symbols() -> list[str]:
        """VN30's members and the indices (the symbols of interest if there is no VN30 group)."""
        has_vn30 = InstrumentGroup.objects.filter(code="VN30").exists()
        return resolve_symbols(tokens=["VN30"] if has_vn30 else [], indices=True)
