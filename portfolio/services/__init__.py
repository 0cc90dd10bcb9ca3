"""Writes of the portfolio app: portfolios, transactions, the watchlist and price alerts.

Every transaction write runs in one database transaction with the portfolio row locked
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers itself), re-folds the whole
ledger with the change applied and refuses with a ``RuleViolation`` (HTTP 422) naming the
transaction when the fold fails -- a backdated insert, edit or delete that would invalidate a later
sell is refused and nothing is written. On commit the portfolio's cached snapshots are invalidated
and ``realtime.broadcast.publish_portfolio_changed`` tells open streams.

Field rules (checked here, so the API, the admin and the importer agree):

- BUY/SELL need symbol, quantity, price; STOCK_DIVIDEND symbol and quantity; DIVIDEND symbol and
  amount; DEPOSIT, WITHDRAWAL, FEE, INTEREST an amount. Fields a kind does not use are refused.
- ``fee`` (BUY, SELL) and ``tax`` (SELL, DIVIDEND) are derived from the portfolio's rates when
  omitted (``ledger.derive_fee`` / ``derive_tax``, half-up to whole VND) and re-derived when an edit
  changes the trade; an explicit value is kept as given. Changing a portfolio's rates does not
  rewrite fees already recorded (the broker charged them at the time).
- ``settle_date``: BUY and SELL settle T+2 trading days after the trade date (shares bought on T
  can be sold from T+2; sale cash settles T+2). Every other kind settles on its trade date: bonus
  shares (STOCK_DIVIDEND) are tradable from the day they are credited to the account, which is the
  date to record; cash kinds move cash that day.
- Refused with clear codes: unknown symbol (400 ``unknown_symbol``), inactive symbol (422
  ``inactive_symbol``), an index as a holding (422 ``not_tradable``), a trade date after today in
  Vietnam (422 ``future_date``), BUY or SELL on a weekend or exchange holiday (422
  ``non_trading_day``), fractional VND (400), values beyond the bounds of ``portfolio/bounds.py``
  (400 naming the field: quantity, price, amount, fee, tax, a trade's gross value, a trade date
  before the first HOSE session, a fee or tax rate above 10 %), a reused ``external_id`` (409
  ``duplicate_external_id``), and every ledger rule (422 with the ledger's code, e.g. ``oversell``).

The package, by job: ``preparation`` (one transaction's own fields), ``transactions`` (writes
checked against the whole ledger), ``portfolios``, ``watchlist_alerts``, ``imports``. Import from
``portfolio.services``: it re-exports what the rest of the code uses.
"""

from __future__ import annotations

from portfolio.services.imports import (
    MAX_IMPORT_LEDGER_ERRORS,
    ImportResult,
    ImportRow,
    RowError,
    import_rejected,
    transactions_import,
)
from portfolio.services.portfolios import (
    LEDGER_SETTINGS,
    PORTFOLIO_FIELDS,
    portfolio_check_settings,
    portfolio_create,
    portfolio_delete,
    portfolio_update,
)
from portfolio.services.preparation import (
    FEE_KINDS,
    PRICE_KINDS,
    SETTLEMENT_DAYS,
    SETTLING_KINDS,
    TAX_KINDS,
    TRANSACTION_ENTRY_FIELDS,
    TRANSACTION_FIELDS,
    ZERO,
    FieldErrors,
    PreparedTransaction,
    market_today,
    transaction_fingerprint,
    transaction_prepare,
)
from portfolio.services.transactions import (
    NEW_SEQUENCE,
    TransactionBatch,
    ledger_config,
    ledger_detail,
    ledger_entries,
    ledger_violation,
    portfolio_changed,
    transaction_delete,
    transaction_record,
    transaction_update,
    transactions_apply,
)
from portfolio.services.watchlist_alerts import (
    MAX_ALERTS,
    MAX_WATCHLIST,
    alert_create,
    alert_delete,
    alert_update,
    watchlist_add,
    watchlist_remove,
)

__all__ = [
    "FEE_KINDS",
    "LEDGER_SETTINGS",
    "MAX_ALERTS",
    "MAX_IMPORT_LEDGER_ERRORS",
    "MAX_WATCHLIST",
    "NEW_SEQUENCE",
    "PORTFOLIO_FIELDS",
    "PRICE_KINDS",
    "SETTLEMENT_DAYS",
    "SETTLING_KINDS",
    "TAX_KINDS",
    "TRANSACTION_ENTRY_FIELDS",
    "TRANSACTION_FIELDS",
    "ZERO",
    "FieldErrors",
    "ImportResult",
    "ImportRow",
    "PreparedTransaction",
    "RowError",
    "TransactionBatch",
    "alert_create",
    "alert_delete",
    "alert_update",
    "import_rejected",
    "ledger_config",
    "ledger_detail",
    "ledger_entries",
    "ledger_violation",
    "market_today",
    "portfolio_changed",
    "portfolio_check_settings",
    "portfolio_create",
    "portfolio_delete",
    "portfolio_update",
    "transaction_delete",
    "transaction_fingerprint",
    "transaction_prepare",
    "transaction_record",
    "transaction_update",
    "transactions_apply",
    "transactions_import",
    "watchlist_add",
    "watchlist_remove",
]
