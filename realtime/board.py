"""The price board's lists, resolved for a user: the market's (``market.board``) and the user's
own -- ``watchlist`` (the watched instruments) and ``portfolio:<id>`` (the open positions of one of
the user's portfolios). Used by ``GET /api/market/board/`` and by the market stream's ``board``
action, so both answer the same symbols and the same errors:

- unknown list name: 400 ``unknown_list``; more symbols than ``BOARD_MAX_SYMBOLS``: 400
  ``board_too_large``;
- ``watchlist`` / ``portfolio:<id>`` without a login: 401 ``not_authenticated``; another user's
  (or no such) portfolio: 404 ``not_found``; an empty watchlist or portfolio: no symbols (200).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from market.board import check_size, market_list_symbols, unknown_list
from portfolio_site.errors import DomainError

_PORTFOLIO_LIST = re.compile(r"^portfolio:(\d{1,12})$", re.IGNORECASE)
MAX_LIST_NAME = 40


@dataclass(frozen=True)
class Board:
    name: str  # the list's canonical name: VN30, HOSE, watchlist, portfolio:7
    symbols: list[str]  # sorted


def _login_required(name: str) -> DomainError:
    return DomainError(
        f"Log in to see the board of your {name}.", code="not_authenticated", status=401
    )


def _watchlist(user: Any) -> list[str]:
    from portfolio.selectors import watchlist_list

    return sorted(
        {item.instrument.symbol for item in watchlist_list(user=user) if item.instrument.is_active}
    )


def _holdings(user: Any, portfolio_id: str) -> list[str]:
    from portfolio.selectors import ledger_snapshot, portfolio_get

    portfolio = portfolio_get(user=user, portfolio_id=portfolio_id)
    return sorted(ledger_snapshot(portfolio=portfolio).state.open_positions)


def board_resolve(*, list_name: object, user: Any) -> Board:
    """The board named ``list_name`` (see the module docstring for the errors)."""
    raw = list_name.strip() if isinstance(list_name, str) else ""
    if not raw or len(raw) > MAX_LIST_NAME:
        raise unknown_list(list_name)
    symbols = market_list_symbols(raw)
    if symbols is not None:
        name = raw.upper()
    else:
        authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
        portfolio = _PORTFOLIO_LIST.match(raw)
        if raw.lower() == "watchlist":
            if not authenticated:
                raise _login_required("watchlist")
            name, symbols = "watchlist", _watchlist(user)
        elif portfolio is not None:
            if not authenticated:
                raise _login_required("portfolio")
            name = f"portfolio:{int(portfolio.group(1))}"
            symbols = _holdings(user, portfolio.group(1))
        else:
            raise unknown_list(list_name)
    check_size(symbols, name)
    return Board(name=name, symbols=symbols)
