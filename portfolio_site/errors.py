"""Domain errors raised by services and selectors; the API maps them to HTTP (see api_errors.py).

Services know nothing about HTTP, but each error carries the status that fits it best so that the one
exception handler stays a simple table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: Mapping[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = dict(fields or {})


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request is well-formed but clashes with the current state (e.g. a duplicate)."""

    status = 409
    code = "conflict"


class RuleViolation(DomainError):
    """A business rule refuses the change (overselling, unsettled shares, not enough cash)."""

    status = 422
    code = "rule_violation"


class ServiceUnavailable(DomainError):
    """A dependency (database, Redis, provider) is down; the client may retry later."""

    status = 503
    code = "service_unavailable"

    def __init__(self, message: str, *, retry_after: int = 5, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
