"""What a holding receives from a corporate event, and when: pure maths over the ledger's entries
and the event's terms (no database writes; ``portfolio.services.entitlements`` books them).

- ``Holdings.before(symbol, ex_date)``: the shares held at the close of the last trading day
  before the ex-date (every BUY, SELL, STOCK_DIVIDEND, RIGHTS_SUBSCRIPTION and
  SHARE_CONSOLIDATION with an earlier trade date; under T+2 a buy the day before the ex-date
  is entitled, a sale on it keeps it).
- ``entitlement_terms``: cash = shares x cash per share, tax withheld at the portfolio's dividend
  rate (half-up, whole VND); new shares and rights = floor(shares x new / old), fractions
  cancelled; a split books the extra shares; a reverse split (old:new, e.g. 10:1) the shares it
  takes away, as negative ``new_shares``: shares - floor(shares x new / old), the fraction
  cancelled with the rest and the cost kept (``Kind.SHARE_CONSOLIDATION``). A holding too small
  for one new share gets nothing booked (the issuer buys such holdings back in cash: a SELL).
- ``entitlement_status``: pending from the ex-date until the payment / listing date, then due;
  rights pending before their window, due inside it, lapsed after it (unless exercised).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from market.models import CorporateEvent, CorporateEventKind, CorporateEventStatus
from portfolio.ledger import SHARE_SIGN, Kind, LedgerEntry, derive_tax
from portfolio.models import Entitlement, EntitlementStatus

ZERO = Decimal(0)
ONE_VND = Decimal(1)


@dataclass(frozen=True)
class Terms:
    shares_held: int
    cash_gross: Decimal | None = None
    cash_tax: Decimal | None = None
    new_shares: int = 0
    rights: int = 0


TERM_NAMES = ("shares_held", "cash_gross", "cash_tax", "new_shares", "rights")


def change_text(value: object) -> str:
    """How ``last_change`` shows a value: whole VND without ".00", dates ISO, None as ""."""
    if value is None:
        return ""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(value.quantize(ONE_VND))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def entitlement_terms(
    *, event: CorporateEvent, shares_held: int, dividend_tax_rate: Decimal
) -> Terms | None:
    """What ``shares_held`` shares at the ex-date receive from ``event``; None for nothing."""
    if shares_held <= 0 or event.status == CorporateEventStatus.CANCELLED:
        return None
    kind = event.kind
    if kind == CorporateEventKind.CASH_DIVIDEND:
        if event.cash_per_share is None:
            return None
        gross = event.cash_per_share * shares_held
        tax = derive_tax(
            kind=Kind.DIVIDEND,
            quantity=0,
            price=ZERO,
            amount=gross,
            sell_tax_rate=ZERO,
            dividend_tax_rate=dividend_tax_rate,
        )
        return Terms(shares_held, cash_gross=gross, cash_tax=tax)
    if event.ratio_old is None or event.ratio_new is None:
        return None
    ratio_shares = shares_held * event.ratio_new // event.ratio_old
    if kind in (CorporateEventKind.STOCK_DIVIDEND, CorporateEventKind.BONUS_SHARES):
        return Terms(shares_held, new_shares=ratio_shares) if ratio_shares > 0 else None
    if kind == CorporateEventKind.SPLIT:
        extra = ratio_shares - shares_held
        return Terms(shares_held, new_shares=extra) if extra > 0 else None
    if kind == CorporateEventKind.RIGHTS_ISSUE:
        return Terms(shares_held, rights=ratio_shares) if ratio_shares > 0 else None
    if kind == CorporateEventKind.REVERSE_SPLIT:
        taken = shares_held - ratio_shares
        return Terms(shares_held, new_shares=-taken) if taken > 0 and ratio_shares > 0 else None
    return None


def entitlement_status(
    *, event: CorporateEvent, entitlement: Entitlement, today: date
) -> EntitlementStatus:
    if entitlement.status == EntitlementStatus.APPLIED:
        return EntitlementStatus.APPLIED
    if event.kind == CorporateEventKind.RIGHTS_ISSUE:
        if event.subscription_end is not None and today > event.subscription_end:
            return EntitlementStatus.LAPSED
        if event.subscription_start is not None and today < event.subscription_start:
            return EntitlementStatus.PENDING
        return EntitlementStatus.DUE
    if event.payment_date is not None and today >= event.payment_date:
        return EntitlementStatus.DUE
    return EntitlementStatus.PENDING


class Holdings:
    """Shares of each symbol held at the close before any date (prefix sums in trade order)."""

    def __init__(self, entries: Iterable[LedgerEntry]) -> None:
        by_symbol: dict[str, list[tuple[date, int]]] = defaultdict(list)
        for entry in entries:
            sign = SHARE_SIGN.get(entry.kind)
            if sign and entry.symbol:
                by_symbol[entry.symbol].append((entry.trade_date, sign * int(entry.quantity)))
        self._dates: dict[str, list[date]] = {}
        self._totals: dict[str, list[int]] = {}
        for symbol, rows in by_symbol.items():
            rows.sort(key=lambda row: row[0])
            running, totals = 0, []
            for _, delta in rows:
                running += delta
                totals.append(running)
            self._dates[symbol] = [row[0] for row in rows]
            self._totals[symbol] = totals

    def before(self, symbol: str, day: date) -> int:
        dates = self._dates.get(symbol)
        if not dates:
            return 0
        at = bisect.bisect_left(dates, day)
        return self._totals[symbol][at - 1] if at else 0

    @property
    def symbols(self) -> list[str]:
        return list(self._dates)
