"""Browser-facing protection of the API: security headers and CORS for the configured origins."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.security.conftest import bearer

pytestmark = pytest.mark.django_db

FRONTEND = "http://localhost:3000"


def preflight(origin: str, path: str = "/api/portfolios/") -> Any:
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_api_responses_carry_the_security_headers(user) -> None:  # type: ignore[no-untyped-def]
    response = bearer(user).get("/api/auth/me/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    # personal data stays out of shared and browser caches
    assert response["Cache-Control"] == "private, no-store"


def test_anonymous_api_responses_keep_their_own_caching(db) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/api/market/instruments/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_frontend_origin_may_call_the_api(settings) -> None:  # type: ignore[no-untyped-def]
    assert FRONTEND in settings.CORS_ALLOWED_ORIGINS
    response = preflight(FRONTEND)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert "POST" in response["Access-Control-Allow-Methods"]
    # tokens travel in a header, not in cookies: no credentialed CORS
    assert "Access-Control-Allow-Credentials" not in response


def test_other_origins_get_no_cors_grant() -> None:
    response = preflight("https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
    simple = Client().get("/api/market/instruments/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in simple


def test_cors_is_for_the_api_only() -> None:
    response = Client().get("/admin/login/", HTTP_ORIGIN=FRONTEND)
    assert "Access-Control-Allow-Origin" not in response


def test_configured_origins_replace_the_default(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CORS_ALLOWED_ORIGINS = ["https://portfolio.example.com"]
    assert preflight("https://portfolio.example.com")["Access-Control-Allow-Origin"] == (
        "https://portfolio.example.com"
    )
    assert "Access-Control-Allow-Origin" not in preflight(FRONTEND)
