"""The OpenAPI schema: valid, complete (every API route is in it) and documented (every operation says
what it does, what it answers and how it fails, with an example), and served with the docs page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.views import APIView

from portfolio_site import throttling

METHODS = {"get", "put", "post", "patch", "delete"}
ADDED_BY_THE_PROTECTION_LAYER = {"401", "429", "503"}
NO_BODY = {"204", "205"}
SCHEMA_VIEWS = {"SpectacularAPIView", "SpectacularSwaggerSplitView", "SpectacularSwaggerView"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def api_routes() -> Iterator[tuple[str, Any]]:
    """(route, callback) of every DRF view mounted under /api/ except the schema views."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[tuple[str, Any]]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "cls", None)
                if (
                    route.startswith("api/")
                    and isinstance(view_class, type)
                    and issubclass(view_class, APIView)
                    and view_class.__name__ not in SCHEMA_VIEWS
                ):
                    yield route, pattern.callback

    yield from walk(get_resolver().url_patterns, "")


def concrete(route: str) -> str:
    """``api/portfolios/<int:pk>/`` or the regex a router writes → ``/api/portfolios/1/``."""
    path = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def view_methods(callback: Any) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return {method for method in actions if method in METHODS}
    return {method for method in METHODS if hasattr(callback.cls, method)}


def documentation_problems(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    problems = []
    where = f"{method.upper()} {path}"
    if not (operation.get("summary") or operation.get("description")):
        problems.append(f"{where}: no summary or description")
    responses = operation.get("responses", {})
    success = [code for code in responses if code.startswith("2")]
    if not success:
        problems.append(f"{where}: no success response")
    for code in success:
        if code not in NO_BODY and "content" not in responses[code]:
            problems.append(f"{where}: response {code} has no body schema")
    own_errors = {
        code for code in responses if code[0] in "45" and code not in ADDED_BY_THE_PROTECTION_LAYER
    }
    takes_input = "requestBody" in operation or any(
        parameter.get("in") in {"path", "query"} and parameter.get("required")
        for parameter in operation.get("parameters", [])
    )
    if takes_input and not own_errors:
        problems.append(f"{where}: takes input but documents no error response (400/404/422...)")
    if "{" in path and "404" not in responses:
        problems.append(f"{where}: has a path parameter but no 404")
    return problems


def has_example(operation: dict[str, Any]) -> bool:
    bodies = [operation.get("requestBody", {})] + [
        response
        for code, response in operation.get("responses", {}).items()
        if code not in ADDED_BY_THE_PROTECTION_LAYER
    ]
    for body in bodies:
        for media in body.get("content", {}).values():
            if media.get("example") is not None or media.get("examples"):
                return True
    return False


def test_the_schema_is_valid_openapi_and_generates_without_warnings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # --validate checks against the OpenAPI 3 JSON schema; --fail-on-warn fails on anything
    # drf-spectacular had to guess (an unknown serializer, an untyped path parameter...).
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    loaded = yaml.safe_load(target.read_text())
    assert loaded["openapi"].startswith("3.")
    assert loaded["paths"]


def test_every_api_route_and_method_is_in_the_schema(schema) -> None:  # type: ignore[no-untyped-def]
    templates = {
        path: re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for path in schema["paths"]
    }
    missing = []
    for route, callback in api_routes():
        url = concrete(route)
        matches = [path for path, regex in templates.items() if regex.match(url)]
        if not matches:
            missing.append(f"{route}: not in the schema")
            continue
        documented = set().union(*(set(schema["paths"][path]) for path in matches))
        for method in sorted(view_methods(callback) - documented):
            missing.append(f"{method.upper()} {route}: not in the schema")
    assert not missing, "\n".join(missing)


def test_every_operation_is_documented(schema) -> None:  # type: ignore[no-untyped-def]
    problems = [
        problem
        for path, method, operation in operations(schema)
        for problem in documentation_problems(path, method, operation)
    ]
    assert not problems, f"{len(problems)} documentation gaps:\n" + "\n".join(problems)


def test_every_operation_has_an_example(schema) -> None:  # type: ignore[no-untyped-def]
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if not has_example(operation)
    ]
    assert not missing, "operations without a request or response example:\n" + "\n".join(missing)


def test_the_documentation_checks_catch_an_undocumented_operation() -> None:
    bare = {
        "responses": {"200": {"description": ""}},
        "parameters": [{"in": "path", "name": "id", "required": True}],
    }
    problems = documentation_problems("/api/things/{id}/", "get", bare)
    assert any("no summary" in problem for problem in problems)
    assert any("no body schema" in problem for problem in problems)
    assert any("documents no error response" in problem for problem in problems)
    assert any("no 404" in problem for problem in problems)
    assert not has_example(bare)


def test_every_operation_documents_the_protection_layer(schema) -> None:  # type: ignore[no-untyped-def]
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert {"429", "503"} <= set(responses), f"{method} {path}"
        assert "Retry-After" in responses["429"]["headers"]
        for code, response in responses.items():
            assert "X-RateLimit-Remaining" in response.get("headers", {}), f"{method} {path} {code}"
        security = operation.get("security")
        if security and {} not in security:
            assert "401" in responses, f"{method} {path}"
    assert "ErrorBody" in schema["components"]["schemas"]


def test_every_api_view_has_a_known_throttle_scope() -> None:
    unknown = []
    for route, callback in api_routes():
        actions = getattr(callback, "actions", None) or {None: None}
        for action in actions.values():
            view = callback.cls(**getattr(callback, "initkwargs", {}))
            view.action = action
            scope = getattr(view, "throttle_scope", None)
            if scope is None or scope not in settings.RATE_LIMITS:
                unknown.append(f"{route} ({action or callback.cls.__name__}): {scope!r}")
            for method in view_methods(callback):
                assert throttling.view_scope(view, method.upper()) in settings.RATE_LIMITS
    assert not unknown, "views without a throttle_scope of settings.RATE_LIMITS:\n" + "\n".join(
        unknown
    )


@pytest.mark.django_db
def test_the_schema_and_docs_pages_are_served(api_client) -> None:  # type: ignore[no-untyped-def]
    served = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert served.status_code == 200
    paths = served.json()["paths"] if served["Content-Type"].endswith("json") else None
    if paths is None:
        paths = yaml.safe_load(io.BytesIO(served.content))["paths"]
    assert set(paths) == set(SchemaGenerator().get_schema(request=None, public=True)["paths"])

    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert "script-src 'self';" in docs["Content-Security-Policy"]
    script = api_client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert b"/api/schema/" in script.content
