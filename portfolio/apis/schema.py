"""What the portfolio endpoints share in their OpenAPI description: the error bodies, the
``Idempotency-Key`` header, and the check for drf-spectacular's fake view."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter

from portfolio import idempotency
from portfolio_site.openapi import error_response

NOT_FOUND = error_response(
    "Not yours, or no such object.", code="not_found", message="Portfolio not found."
)
INVALID = error_response(
    "The input has the wrong shape or type.",
    code="invalid",
    message="price: Must be a whole number of VND (VND has no minor unit).",
    fields={"price": ["Must be a whole number of VND (VND has no minor unit)."]},
)
RULE = error_response(
    "A business rule refuses the change; nothing was written.",
    code="oversell",
    message="New transaction (2025-03-10 SELL FPT): cannot sell 1,200 shares; only 1,000 held on that date",
    fields={"transaction_id": None, "kind": "SELL", "symbol": "FPT", "available": "1000"},
)
CONFLICT = error_response(
    "Clashes with stored data.",
    code="duplicate_name",
    message="You already have a portfolio named 'Main'.",
)
IDEMPOTENCY_HEADER = OpenApiParameter(
    idempotency.HEADER,
    idempotency.KEY_SCHEMA,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Retry-safe POST: the same key with the same request replays the first response "
        "(header Idempotent-Replayed: true) without a second row; with another request: 422 "
        "idempotency_key_reused. Keys live 24 hours. 1-255 printable ASCII characters "
        "(surrounding spaces are trimmed); any other key: 400 invalid_idempotency_key."
    ),
)


def is_schema_fake_view(view: Any) -> bool:
    """True while drf-spectacular inspects the view to build the schema (no request user)."""
    return bool(getattr(view, "swagger_fake_view", False))
