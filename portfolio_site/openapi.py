"""OpenAPI documentation shared by the API: the error response helper and the schema post-processing
hook that documents what every operation may answer because of the protection layer (so that each
view documents only its own behaviour).

Every operation gets the ``X-RateLimit-*`` response headers, a 429 (over quota, with ``Retry-After``)
and a 503 (a dependency such as the database or Redis is down, with ``Retry-After``); operations that
need a token get a 401. All with the project's error body ``{"error": {"code", "message", "fields"}}``
(component ``ErrorBody``, shared with the apps' own error responses).

Two more hooks document rules that many operations share, where one ``@extend_schema`` per view would
repeat them: an operation taking ``Idempotency-Key`` may answer 400 ``invalid_idempotency_key`` and
422 ``idempotency_key_reused``, and replays carry ``Idempotent-Replayed``
(``document_idempotency_keys``); a paginated list answers 404 for a page past its end
(``document_pagination``). They run before ``document_rate_limits``, which adds the rate-limit
headers to every response, theirs included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from portfolio import idempotency
from portfolio_site.api_errors import error_body
from portfolio_site.pagination import (
    INVALID_PAGE_MESSAGE,
    WHOLE_NUMBER_MESSAGE,
    StandardPagination,
)

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


IDEMPOTENT_REPLAYED = {
    "description": (
        f"true when this is the stored response to an earlier request with the same "
        f"{idempotency.HEADER} (nothing was done again)."
    ),
    "schema": {"type": "string", "enum": ["true"]},
}


def _operations(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path, item in result.get("paths", {}).items():
        if path.startswith("/api/"):
            yield from (op for method, op in item.items() if method in HTTP_METHODS)


def _has_parameter(operation: dict[str, Any], name: str, location: str) -> bool:
    return any(
        parameter.get("name") == name and parameter.get("in") == location
        for parameter in operation.get("parameters", [])
    )


def _add_error_example(
    responses: dict[str, Any], status: str, description: str, name: str, body: dict[str, Any]
) -> None:
    """Add one example to an operation's error response, creating the response if it has none."""
    response = responses.get(status)
    if response is None:
        response = responses[status] = {"description": description}
    elif description not in response.get("description", ""):
        response["description"] = f"{response.get('description', '')} {description}".strip()
    media = response.setdefault("content", {}).setdefault(
        "application/json", {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
    )
    media.setdefault("examples", {})[name] = {"value": body, "summary": body["error"]["code"]}


def document_idempotency_keys(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    headers = result.setdefault("components", {}).setdefault("headers", {})
    headers.setdefault("Idempotent-Replayed", IDEMPOTENT_REPLAYED)
    for operation in _operations(result):
        if not _has_parameter(operation, idempotency.HEADER, "header"):
            continue
        responses = operation.setdefault("responses", {})
        _add_error_example(
            responses,
            "400",
            f"An {idempotency.HEADER} that is not 1-{idempotency.MAX_KEY_LENGTH} printable ASCII "
            "characters.",
            "InvalidIdempotencyKey",
            error_body("invalid_idempotency_key", idempotency.INVALID_KEY_MESSAGE),
        )
        _add_error_example(
            responses,
            "422",
            f"The {idempotency.HEADER} was already used for a different request.",
            "IdempotencyKeyReused",
            error_body("idempotency_key_reused", idempotency.REUSED_KEY_MESSAGE),
        )
        for code, response in responses.items():
            if code.startswith("2"):
                response.setdefault("headers", {})["Idempotent-Replayed"] = {
                    "$ref": "#/components/headers/Idempotent-Replayed"
                }
    return result


def document_pagination(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    page, size = StandardPagination.page_query_param, StandardPagination.page_size_query_param
    for operation in _operations(result):
        if _has_parameter(operation, page, "query"):
            _add_error_example(
                operation.setdefault("responses", {}),
                "400",
                f"A {page} or {size} that is not a whole number from 1.",
                "InvalidPageSize",
                error_body("invalid", WHOLE_NUMBER_MESSAGE, {size: [WHOLE_NUMBER_MESSAGE]}),
            )
            _add_error_example(
                operation.setdefault("responses", {}),
                "404",
                f"No such page ({page} past the last page).",
                "InvalidPage",
                error_body("not_found", INVALID_PAGE_MESSAGE),
            )
    return result


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
