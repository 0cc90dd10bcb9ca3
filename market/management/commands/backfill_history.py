"""``manage.py backfill_history --symbols VN30 --days 730``: daily history from the provider.

``--symbols`` takes group codes and symbols, comma-separated (``VN30`` = the VN30 members,
``FPT,VNM``, ``VN30,HNX30``); without it, the symbols the poller follows. ``--indices`` adds every
index (VNINDEX, VN30, HNXINDEX...). Rate limits are waited out (the wait is shown on the progress
bar); an unreachable provider is retried three times per symbol, then the symbol is reported as
failed and the run goes on. History is adjusted for corporate actions, so stored bars are
overwritten (upsert); re-running changes nothing when the source has not changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from market import selectors, services
from market.models import Instrument, InstrumentType
from market.providers.base import (
    MarketDataProvider,
    ProviderDataError,
    ProviderRateLimited,
    ProviderUnavailable,
    get_provider,
)
from portfolio_site.errors import NotFound

UNAVAILABLE_ATTEMPTS = 3
RATE_LIMIT_WAITS = 30


@dataclass
class BackfillRun:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    written: int = 0
    rejected: int = 0


def backfill_symbols(
    *,
    symbols: Sequence[str],
    days: int,
    only_missing: bool = False,
    interval: str = "1d",
    provider: MarketDataProvider | None = None,
    progress: bool = True,
    stream: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> BackfillRun:
    """Backfill ``symbols`` one provider call each, waiting out rate limits."""
    provider = provider or get_provider()
    run = BackfillRun()
    bar = tqdm(symbols, unit="symbol", disable=not progress, file=stream, dynamic_ncols=True)
    for symbol in bar:
        bar.set_postfix_str(symbol)
        failures = waits = 0
        while True:
            try:
                result = services.history_backfill_symbol(
                    symbol=symbol,
                    days=days,
                    interval=interval,
                    only_missing=only_missing,
                    provider=provider,
                )
            except ProviderRateLimited as exc:
                waits += 1
                if waits > RATE_LIMIT_WAITS:
                    run.failed[symbol] = f"still rate-limited: {exc}"
                    break
                bar.set_postfix_str(f"{symbol}: rate-limited, waiting {exc.retry_after:.0f}s")
                sleep(max(1.0, exc.retry_after))
                continue
            except ProviderUnavailable as exc:
                failures += 1
                if failures >= UNAVAILABLE_ATTEMPTS:
                    run.failed[symbol] = str(exc)
                    break
                sleep(2.0 * 2**failures)
                continue
            except (ProviderDataError, NotFound) as exc:
                run.failed[symbol] = str(exc)
                break
            if result is None:
                run.skipped.append(symbol)
            else:
                run.done.append(symbol)
                run.written += result.written
                run.rejected += result.rejected
            break
    bar.close()
    return run


def resolve_symbols(*, tokens: Sequence[str], indices: bool) -> list[str]:
    """Group codes and symbols to symbols (``NotFound`` for unknown ones), plus the indices."""
    symbols = services.symbols_expand(tokens=tokens) if tokens else selectors.symbols_of_interest()
    if indices:
        more = Instrument.objects.filter(type=InstrumentType.INDEX, is_active=True)
        symbols += [s for s in more.values_list("symbol", flat=True) if s not in symbols]
    return symbols


class Command(BaseCommand):
    help = "Backfill daily (or intraday) history for symbols or groups, with a progress bar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--symbols",
            default="",
            help="comma-separated symbols and/or group codes (VN30); default: symbols of interest",
        )
        parser.add_argument("--days", type=int, default=730, help="calendar days back (730)")
        parser.add_argument(
            "--interval", default="1d", choices=["1d", "1h", "15m", "5m", "1m"], help="bar size"
        )
        parser.add_argument(
            "--only-missing",
            action="store_true",
            help="fetch only what follows each symbol's latest stored daily bar",
        )
        parser.add_argument("--indices", action="store_true", help="also backfill every index")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        tokens = [t for t in options["symbols"].split(",") if t.strip()]
        try:
            symbols = resolve_symbols(tokens=tokens, indices=options["indices"])
        except NotFound as exc:
            raise CommandError(exc.message) from exc
        if not symbols:
            raise CommandError("no symbols to backfill (run sync_instruments first?)")
        run = backfill_symbols(
            symbols=symbols,
            days=options["days"],
            only_missing=options["only_missing"],
            interval=options["interval"],
            progress=not options["no_progress"],
            stream=cast(TextIO, self.stderr._out),
        )
        self.stdout.write(
            f"history: {len(run.done)} symbols fetched, {len(run.skipped)} up to date, "
            f"{len(run.failed)} failed; {run.written} bars written, {run.rejected} rejected"
        )
        for symbol, reason in sorted(run.failed.items()):
            self.stderr.write(f"  {symbol}: {reason}")
        if run.failed and not run.done and not run.skipped:
            raise CommandError("every symbol failed")
