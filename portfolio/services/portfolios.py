"""Portfolio writes: create, rename, change settings (re-checking the ledger), delete."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from portfolio.bounds import MAX_RATE
from portfolio.ledger import (
    LedgerConfig,
)
from portfolio.models import (
    CostMethod,
    Portfolio,
)
from portfolio.services.preparation import (
    ZERO,
    FieldErrors,
)
from portfolio.services.transactions import (
    _fold_or_refuse,
    _lock,
    ledger_entries,
    portfolio_changed,
)
from portfolio_site.errors import Conflict

# --- portfolios -------------------------------------------------------------------------------

PORTFOLIO_FIELDS = (
    "name",
    "description",
    "fee_rate",
    "sell_tax_rate",
    "dividend_tax_rate",
    "cost_method",
    "enforce_settlement",
    "track_cash",
    "benchmark",
    "auto_apply_entitlements",
)
LEDGER_SETTINGS = ("cost_method", "enforce_settlement", "track_cash")


def _check_portfolio_fields(fields: Mapping[str, Any]) -> None:
    errors = FieldErrors()
    unknown = sorted(set(fields) - set(PORTFOLIO_FIELDS))
    for name in unknown:
        errors.add(name, "Unknown or read-only field.")
    if "name" in fields and not str(fields["name"] or "").strip():
        errors.add("name", "Must not be blank.")
    for name in ("fee_rate", "sell_tax_rate", "dividend_tax_rate"):
        value = fields.get(name)
        if value is not None and not (ZERO <= Decimal(value) <= MAX_RATE):
            errors.add(name, f"Must be a fraction from 0 to {MAX_RATE} (0.0015 = 0.15%).")
    if "cost_method" in fields and fields["cost_method"] not in CostMethod.values:
        errors.add("cost_method", f"Use one of {', '.join(CostMethod.values)}.")
    errors.raise_if_any()


def _with_benchmark(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with the benchmark checked and normalised: an instrument's symbol in capitals,
    or "" for none ("" or "none"); 400 ``unknown_benchmark`` like ``?benchmark=`` of the
    performance endpoint."""
    if "benchmark" not in fields:
        return dict(fields)
    from portfolio.selectors import benchmark_symbol

    symbol = benchmark_symbol(str(fields["benchmark"] or "") or "none")
    return {**fields, "benchmark": symbol or ""}


def _name_taken(owner_id: int, name: str, *, exclude: int | None = None) -> bool:
    same = Portfolio.objects.filter(owner_id=owner_id, name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    return same.exists()


def _name_conflict(name: str) -> Conflict:
    return Conflict(
        f"You already have a portfolio named {name!r}.",
        code="duplicate_name",
        fields={"name": ["You already have a portfolio with this name."]},
    )


def portfolio_create(*, owner: Any, name: str, **settings: Any) -> Portfolio:
    """Create a portfolio; ``settings`` are any of the rates, cost_method and the two switches."""
    fields = {"name": name, **{k: v for k, v in settings.items() if v is not None}}
    _check_portfolio_fields(fields)
    fields = _with_benchmark(fields)
    fields["name"] = name.strip()
    with transaction.atomic():
        if _name_taken(owner.pk, fields["name"]):
            raise _name_conflict(fields["name"])
        try:
            with transaction.atomic():
                return Portfolio.objects.create(owner=owner, **fields)
        except IntegrityError as exc:
            raise _name_conflict(fields["name"]) from exc


def portfolio_check_settings(*, portfolio: Portfolio, changes: Mapping[str, Any]) -> None:
    """Refuse ledger settings (cost method, settlement, cash) the stored ledger would break."""
    if not any(k in changes and changes[k] != getattr(portfolio, k) for k in LEDGER_SETTINGS):
        return
    config = LedgerConfig(
        cost_method=changes.get("cost_method", portfolio.cost_method),
        enforce_settlement=changes.get("enforce_settlement", portfolio.enforce_settlement),
        track_cash=changes.get("track_cash", portfolio.track_cash),
    )
    _fold_or_refuse(ledger_entries(portfolio=portfolio), config)


def portfolio_update(*, portfolio: Portfolio, changes: Mapping[str, Any]) -> Portfolio:
    """Rename or change settings; switching on settlement or cash checks re-checks the ledger."""
    _check_portfolio_fields(changes)
    if not changes:
        return portfolio
    changes = _with_benchmark(changes)
    with transaction.atomic():
        locked = _lock(portfolio)
        if "name" in changes:
            changes = {**changes, "name": str(changes["name"]).strip()}
            if _name_taken(locked.owner_id, changes["name"], exclude=locked.pk):
                raise _name_conflict(changes["name"])
        portfolio_check_settings(portfolio=locked, changes=changes)
        for name, value in changes.items():
            setattr(locked, name, value)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as exc:
            raise _name_conflict(str(changes.get("name", locked.name))) from exc
        transaction.on_commit(lambda: portfolio_changed(locked.pk))
    return locked


def portfolio_delete(*, portfolio: Portfolio) -> None:
    portfolio_id = portfolio.pk
    with transaction.atomic():
        Portfolio.objects.filter(pk=portfolio_id).delete()
        transaction.on_commit(lambda: portfolio_changed(portfolio_id))
