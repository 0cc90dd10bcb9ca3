"""One error body for every API error: ``{"error": {"code", "message", "fields"}}``.

DRF's own exceptions, our domain errors and dependency outages (database, Redis) all come out in that
shape with a fitting status: 4xx for the client's mistakes, 503 (with ``Retry-After``) when a
dependency is down, never an unhandled 500. Outside the views too: a body larger than
``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 ``request_too_large``, another request Django refuses as
suspicious a 400 ``bad_request``, and any ``/api/`` path no route matches a 404 (the last route,
``api_fallback.py``, so even with ``DEBUG`` no HTML page answers under ``/api/``).
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from portfolio_site.errors import DomainError, ServiceUnavailable

logger = logging.getLogger(__name__)

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
DATABASE_DOWN = (OperationalError, InterfaceError)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail: Any) -> Any:
    """Turn DRF's ErrorDetail trees into plain lists/dicts of strings."""
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _validation_response(exc: drf.ValidationError) -> Response:
    detail = exc.detail
    fields = (
        _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten(detail)}
    )
    first = next(iter(fields.values()), ["Invalid input."])
    while isinstance(first, list | dict) and first:
        first = first[0] if isinstance(first, list) else next(iter(first.values()))
    message = str(first) if first else "Invalid input."
    return Response(error_body("invalid", message, fields), status=400)


def _too_large_body() -> dict[str, Any]:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_body("request_too_large", f"The request body is larger than {limit:,} bytes.")


def _refused_request(exc: SuspiciousOperation) -> tuple[dict[str, Any], int]:
    """A request Django refuses as suspicious (too large, too many fields or files): body, status."""
    logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
    if isinstance(exc, RequestDataTooBig):
        return _too_large_body(), 413
    return error_body("bad_request", "The request was refused: too many fields or files."), 400


def _unavailable(what: str, retry_after: int = 5) -> Response:
    response = Response(
        error_body(f"{what}_unavailable", f"The {what} is unavailable; retry shortly."),
        status=503,
    )
    response["Retry-After"] = str(retry_after)
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()

    if isinstance(exc, drf.ValidationError):
        return _validation_response(exc)
    if isinstance(exc, SuspiciousOperation):
        body, status = _refused_request(exc)
        return Response(body, status=status)
    if isinstance(exc, drf.APIException):
        detail = exc.detail
        codes = exc.get_codes()
        if isinstance(detail, dict):
            # simplejwt: {"detail": ..., "code": ..., "messages": [...]}
            message = str(detail.get("detail", exc.default_detail))
            code = str(detail.get("code", exc.default_code))
        else:
            message = str(detail)
            code = codes if isinstance(codes, str) else exc.default_code
        response = Response(error_body(code, message), status=exc.status_code)
        wait = getattr(exc, "wait", None)
        if isinstance(exc, drf.Throttled) and wait is not None:
            response["Retry-After"] = str(max(1, int(wait + 0.999)))
        auth_header = getattr(exc, "auth_header", None)
        if exc.status_code == 401:
            response["WWW-Authenticate"] = auth_header or 'Bearer realm="api"'
        return response
    if isinstance(exc, ServiceUnavailable):
        response = Response(error_body(exc.code, exc.message, exc.fields or None), status=503)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields or None), status=exc.status)
    if isinstance(exc, REDIS_DOWN):
        logger.warning("Redis unavailable during %s: %s", _view_name(context), exc)
        return _unavailable("cache")
    if isinstance(exc, DATABASE_DOWN) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    ):
        logger.warning("Database unavailable during %s: %s", _view_name(context), exc)
        return _unavailable("database")
    return None


def _view_name(context: dict[str, Any]) -> str:
    view = context.get("view")
    return type(view).__name__ if view is not None else "request"


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """handler400: what Django refuses before a view runs, in the error body (413 if too large)."""
    if isinstance(exception, SuspiciousOperation):
        body, status = _refused_request(exception)
        return JsonResponse(body, status=status)
    return JsonResponse(error_body("bad_request", "Bad request."), status=400)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("server_error", "Internal server error."), status=500)
