"""Portfolio, transaction, watchlist and alert endpoints (thin: parse, call one service or selector,
shape the output). Owner-only: another user's objects answer 404 exactly like missing ones.

One module per job: ``portfolios`` (CRUD, composed with the ``valuation`` read actions and the
``transfer`` import/export actions), ``transactions``, ``watchlist_alerts``; ``schema`` holds the
OpenAPI pieces they share."""

from portfolio.apis.portfolios import PortfolioViewSet
from portfolio.apis.transactions import TransactionFilter, TransactionViewSet
from portfolio.apis.transfer import CsvRenderer
from portfolio.apis.watchlist_alerts import AlertViewSet, WatchlistViewSet

__all__ = [
    "AlertViewSet",
    "CsvRenderer",
    "PortfolioViewSet",
    "TransactionFilter",
    "TransactionViewSet",
    "WatchlistViewSet",
]
