"""drf-spectacular post-processing: document what every API operation may answer because of the
protection layer, so that each view documents only its own behaviour.

Every operation gets the ``X-RateLimit-*`` response headers, a 429 (over quota, with ``Retry-After``)
and a 503 (a dependency such as the database or Redis is down, with ``Retry-After``), both with the
project's error body ``{"error": {"code", "message", "fields"}}`` (component ``ApiError``).
"""

from __future__ import annotations

from typing import Any

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


def _header_refs() -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS}


def _error_response(description: str, code: str, message: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {**_header_refs(), "Retry-After": {"$ref": "#/components/headers/Retry-After"}},
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ApiError"},
                "examples": {code: {"value": {"error": {"code": code, "message": message}}}},
            }
        },
    }


def document_rate_limits(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("ApiError", ERROR_SCHEMA)
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
            for response in responses.values():
                if isinstance(response, dict) and "$ref" not in response:
                    response.setdefault("headers", {}).update(
                        {k: v for k, v in _header_refs().items() if k not in response["headers"]}
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
