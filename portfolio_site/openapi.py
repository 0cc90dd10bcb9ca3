"""OpenAPI documentation shared by the API: the error response helper and the schema post-processing
hook that documents what every operation may answer because of the protection layer (so that each
view documents only its own behaviour).

Every operation gets the ``X-RateLimit-*`` response headers, a 429 (over quota, with ``Retry-After``)
and a 503 (a dependency such as the database or Redis is down, with ``Retry-After``); operations that
need a token get a 401. All with the project's error body ``{"error": {"code", "message", "fields"}}``
(component ``ErrorBody``, shared with the apps' own error responses).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from portfolio_site.api_errors import error_body

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The error body of every API error.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string", "description": "Human-readable explanation."},
                "fields": {
                    "type": "object",
                    "description": "Per-field messages (validation errors only).",
                    "additionalProperties": True,
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

_INTEGER = {"type": "integer", "minimum": 0}
RATE_LIMIT_HEADERS: dict[str, Any] = {
    "X-RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": _INTEGER},
    "X-RateLimit-Remaining": {"description": "Requests left in the window.", "schema": _INTEGER},
    "X-RateLimit-Reset": {
        "description": "Seconds until the oldest request leaves the window.",
        "schema": _INTEGER,
    },
}
RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": _INTEGER}


def error_response(
    description: str, *, code: str, message: str, fields: dict[str, Any] | None = None
) -> OpenApiResponse:
    """A documented error answer with the standard body and one example, for ``@extend_schema``."""
    return OpenApiResponse(
        response={"$ref": "#/components/schemas/ErrorBody"},
        description=description,
        examples=[
            OpenApiExample(code, value=error_body(code, message, fields), response_only=True)
        ],
    )


def _header_refs() -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}


def _error_response(
    description: str, code: str, message: str, *, retry_after: bool = True
) -> dict[str, Any]:
    headers = _header_refs()
    if retry_after:
        headers["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
    return {
        "description": description,
        "headers": headers,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorBody"},
                "examples": {code: {"value": error_body(code, message)}},
            }
        },
    }


def document_rate_limits(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("ErrorBody", ERROR_SCHEMA)
    headers = components.setdefault("headers", {})
    for name, header in RATE_LIMIT_HEADERS.items():
        headers.setdefault(name, header)
    headers.setdefault("Retry-After", RETRY_AFTER)

    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if isinstance(response, dict) and "$ref" not in response:
                    wanted = _header_refs()
                    if code in {"429", "503"}:
                        wanted["Retry-After"] = {"$ref": "#/components/headers/Retry-After"}
                    headers = response.setdefault("headers", {})
                    headers.update({k: v for k, v in wanted.items() if k not in headers})
            security = operation.get("security")
            if security and {} not in security:
                responses.setdefault(
                    "401",
                    _error_response(
                        "No valid access token (missing, expired, revoked or malformed).",
                        "not_authenticated",
                        "Authentication credentials were not provided.",
                        retry_after=False,
                    ),
                )
            responses.setdefault(
                "429",
                _error_response(
                    "Over the rate limit of this endpoint's scope.",
                    "throttled",
                    "Request was throttled. Expected available in 12 seconds.",
                ),
            )
            responses.setdefault(
                "503",
                _error_response(
                    "A dependency (database, Redis) is unavailable; retry after the given delay.",
                    "database_unavailable",
                    "The database is unavailable; retry shortly.",
                ),
            )
    return result
