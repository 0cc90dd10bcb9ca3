"""Signals the market app sends after its writes commit (receivers live in the apps that listen).

``quotes_updated``
    Sent on commit after every quote ingestion that changed at least one quote, with
    ``quotes=[{"symbol": str, "price": Decimal, "change_pct": Decimal, "as_of": datetime}, ...]``
    (aware UTC ``as_of``). Portfolio caches and price alerts listen to it.
``daily_close_updated``
    Sent on commit when 1d bars were written or changed (the daily close after the session, or a
    history backfill/adjustment), with ``symbols=[str, ...]`` (sorted, unique).

Both are sent with ``send_robust``: a failing receiver is logged and does not stop the others.
"""

from __future__ import annotations

from django.dispatch import Signal

quotes_updated = Signal()
daily_close_updated = Signal()
