"""Instrument and group sync from the provider's listing."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from market.models import (
    Exchange,
    Instrument,
    InstrumentGroup,
    InstrumentType,
)
from market.providers.base import (
    InstrumentInfo,
    MarketDataProvider,
    get_provider,
)
from market.services.common import BATCH_SIZE
from market.short_names import short_name_for
from market.text import instrument_search_text

logger = logging.getLogger(__name__)

_SYMBOL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    groups_created: int = 0
    memberships_added: int = 0
    memberships_removed: int = 0
    rejections: dict[str, list[str]] = field(default_factory=dict)


def _instrument_problems(info: InstrumentInfo) -> list[str]:
    problems = []
    if not info.symbol or not set(info.symbol) <= _SYMBOL_CHARS or len(info.symbol) > 20:
        problems.append(f"symbol {info.symbol!r} is not upper-case letters and digits")
    if info.exchange not in Exchange.values:
        problems.append(f"unknown exchange {info.exchange!r}")
    if info.type not in InstrumentType.values:
        problems.append(f"unknown instrument type {info.type!r}")
    if info.lot_size < 1:
        problems.append(f"lot size must be positive ({info.lot_size})")
    return problems


def instrument_sync(
    *,
    infos: Sequence[InstrumentInfo] | None = None,
    provider: MarketDataProvider | None = None,
) -> SyncResult:
    """Upsert instruments and their group memberships from ``infos`` (default: the provider's list).

    New instruments are active. An existing instrument keeps its ``is_active`` flag (an admin's
    choice) and keeps a non-empty text field when the source sends an empty one. Memberships are
    replaced for every group that appears in ``infos`` (VN30 changes twice a year); groups not
    mentioned are left alone, and instruments missing from ``infos`` are not deactivated (a source
    that lists fewer symbols than before is more likely broken than the market).
    """
    if infos is None:
        infos = (provider or get_provider()).list_instruments()
    result = SyncResult()
    accepted: dict[str, InstrumentInfo] = {}
    for info in infos:
        problems = _instrument_problems(info)
        if problems:
            result.rejected += 1
            result.rejections.setdefault(info.symbol or "?", []).extend(problems)
            continue
        accepted[info.symbol] = info
    if result.rejected:
        logger.warning(
            "instrument sync rejected %d records: %s", result.rejected, result.rejections
        )

    with transaction.atomic():
        existing = {i.symbol: i for i in Instrument.objects.filter(symbol__in=list(accepted))}
        now = timezone.now()
        to_write: list[Instrument] = []
        for symbol, info in accepted.items():
            current = existing.get(symbol)
            wanted = _instrument_values(info, current)
            if current is not None and all(
                getattr(current, name) == value for name, value in wanted.items()
            ):
                result.unchanged += 1
                continue
            if current is None:
                result.created += 1
            else:
                result.updated += 1
            to_write.append(
                Instrument(
                    symbol=symbol,
                    is_active=current.is_active if current is not None else True,
                    created_at=current.created_at if current is not None else now,
                    updated_at=now,
                    **wanted,
                )
            )
        if to_write:
            Instrument.objects.bulk_create(
                to_write,
                batch_size=BATCH_SIZE,
                update_conflicts=True,
                unique_fields=["symbol"],
                update_fields=[*_INSTRUMENT_FIELDS, "updated_at"],
            )
        _sync_groups(accepted.values(), result)
    logger.info(
        "instrument sync: %d created, %d updated, %d unchanged, %d rejected",
        result.created,
        result.updated,
        result.unchanged,
        result.rejected,
    )
    return result


_INSTRUMENT_FIELDS = (
    "exchange",
    "type",
    "name",
    "name_en",
    "industry",
    "lot_size",
    "listed_shares",
    "short_name",
    "search_text",
)


def _instrument_values(info: InstrumentInfo, current: Instrument | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "exchange": str(info.exchange),
        "type": str(info.type),
        "lot_size": info.lot_size,
    }
    for name, incoming in (
        ("name", info.name),
        ("name_en", info.name_en),
        ("industry", info.industry),
        ("listed_shares", info.listed_shares),
        ("short_name", short_name_for(info.symbol, info.short_name)),
    ):
        keep = current is not None and incoming in ("", None)
        values[name] = getattr(current, name) if keep else incoming
    values["search_text"] = instrument_search_text(
        symbol=info.symbol,
        name=values["name"],
        name_en=values["name_en"],
        short_name=values["short_name"],
    )
    return values


def _sync_groups(infos: Iterable[InstrumentInfo], result: SyncResult) -> None:
    members: dict[str, set[str]] = defaultdict(set)
    for info in infos:
        for code in info.groups:
            members[code.strip().upper()].add(info.symbol)
    members.pop("", None)
    if not members:
        return
    known = set(
        InstrumentGroup.objects.filter(code__in=list(members)).values_list("code", flat=True)
    )
    missing = [InstrumentGroup(code=code, name=code) for code in sorted(set(members) - known)]
    if missing:
        InstrumentGroup.objects.bulk_create(missing, ignore_conflicts=True)
        result.groups_created += len(missing)
    group_ids = dict(
        InstrumentGroup.objects.filter(code__in=list(members)).values_list("code", "id")
    )
    symbols = {s for group in members.values() for s in group}
    instrument_ids = dict(
        Instrument.objects.filter(symbol__in=list(symbols)).values_list("symbol", "id")
    )
    through = Instrument.groups.through
    wanted = {
        (instrument_ids[symbol], group_ids[code])
        for code, group in members.items()
        for symbol in group
        if symbol in instrument_ids
    }
    current = set(
        through.objects.filter(instrumentgroup_id__in=list(group_ids.values())).values_list(
            "instrument_id", "instrumentgroup_id"
        )
    )
    stale = current - wanted
    fresh = wanted - current
    if stale:
        for instrument_id, group_id in stale:
            through.objects.filter(
                instrument_id=instrument_id, instrumentgroup_id=group_id
            ).delete()
        result.memberships_removed += len(stale)
    if fresh:
        through.objects.bulk_create(
            [through(instrument_id=i, instrumentgroup_id=g) for i, g in sorted(fresh)],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        result.memberships_added += len(fresh)
