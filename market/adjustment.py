"""As-traded and adjusted prices across corporate events.

vnstock's daily history is *adjusted*: on the day a share event goes ex, every earlier bar is
scaled so the series has no gap. The ledger holds *as-traded* quantities, so a holding must be
valued at the price the market printed: ``history_store`` un-adjusts vnstock's bars before
storing them (stored 1d bars are as-traded, like the bars built from the live quotes); charts
that compare prices over time apply the factors again (``adjusted``).

The factor of an event is the change in share count per share held, the part of an adjustment
that does not depend on the source's method:

- stock dividend / bonus shares ``old:new`` (new shares per old held): ``(old + new) / old``;
- split / reverse split ``old:new`` (shares before : after): ``new / old``.

Cash dividends and rights issues are not factored: how a source adjusts for them (a subtraction,
a ratio on the previous close, the theoretical ex-rights price) is its own choice and vnstock does
not document VCI's or KBS's; the stored series keeps what the source gave for them (README
"Corporate actions", as-traded vs adjusted). A cancelled event has no factor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from market.models import CorporateEvent, CorporateEventKind, CorporateEventStatus

ONE = Decimal(1)
WHOLE_VND = Decimal(1)


@dataclass(frozen=True)
class ShareFactor:
    ex_date: date
    factor: Decimal  # shares after the event per share before it


def share_factor(event: CorporateEvent) -> Decimal | None:
    """Shares after per share before, for the share-count events; None for the others."""
    if event.status == CorporateEventStatus.CANCELLED:
        return None
    old, new = event.ratio_old, event.ratio_new
    if not old or not new:
        return None
    if event.kind in (CorporateEventKind.STOCK_DIVIDEND, CorporateEventKind.BONUS_SHARES):
        return Decimal(old + new) / Decimal(old)
    if event.kind in (CorporateEventKind.SPLIT, CorporateEventKind.REVERSE_SPLIT):
        return Decimal(new) / Decimal(old)
    return None


def share_factors(events: Iterable[CorporateEvent]) -> list[ShareFactor]:
    factors = []
    for event in events:
        factor = share_factor(event)
        if factor is not None and factor != ONE:
            factors.append(ShareFactor(event.ex_date, factor))
    return sorted(factors, key=lambda f: f.ex_date)


def cumulative_factor(factors: Sequence[ShareFactor], day: date, until: date) -> Decimal:
    """The product of the factors of the events going ex after ``day`` and on or before
    ``until``: how many shares one share held on ``day`` became by ``until``."""
    product = ONE
    for item in factors:
        if day < item.ex_date <= until:
            product *= item.factor
    return product


def as_traded(price: Decimal, *, factor: Decimal) -> Decimal:
    """An adjusted price back to what the market printed (whole VND, half-up)."""
    return (price * factor).quantize(WHOLE_VND, rounding=ROUND_HALF_UP)


def adjusted(price: Decimal, *, factor: Decimal) -> Decimal:
    """An as-traded price on the scale of ``until``'s shares (whole VND, half-up)."""
    return (price / factor).quantize(WHOLE_VND, rounding=ROUND_HALF_UP)


def symbol_share_factors(*, instrument_id: int) -> list[ShareFactor]:
    return share_factors(
        CorporateEvent.objects.filter(
            instrument_id=instrument_id,
            kind__in=[
                CorporateEventKind.STOCK_DIVIDEND,
                CorporateEventKind.BONUS_SHARES,
                CorporateEventKind.SPLIT,
                CorporateEventKind.REVERSE_SPLIT,
            ],
        ).exclude(status=CorporateEventStatus.CANCELLED)
    )
