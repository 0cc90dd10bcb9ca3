"""Small helpers shared by the portfolio API tests."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from portfolio.models import Portfolio


def transactions_url(portfolio: Portfolio | int) -> str:
    pk = portfolio if isinstance(portfolio, int) else portfolio.pk
    return f"/api/portfolios/{pk}/transactions/"


def record(client: APIClient, portfolio: Portfolio | int, **fields: Any) -> Any:
    """POST one transaction (numbers sent as strings, as the API documents); the response."""
    body = {k: v if isinstance(v, str | bool) or v is None else str(v) for k, v in fields.items()}
    return client.post(transactions_url(portfolio), body, format="json")


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])
