"""Security headers Django's own middleware does not set: a Content-Security-Policy for the API and
its docs page, and ``Cache-Control: no-store`` on answers to authenticated API requests.

Django's SecurityMiddleware already sends ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` and
``Cross-Origin-Opener-Policy``; XFrameOptionsMiddleware sends ``X-Frame-Options: DENY``. The admin keeps
Django's defaults (no CSP): it is same-origin, staff-only and CSRF-protected.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"
DOCS_PATH = "/api/docs/"

# JSON answers never need to load, frame or run anything.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI: everything from this origin only: its bundle from our static files (drf-spectacular-
# sidecar), its start-up script from us (SpectacularSwaggerSplitView), the page's inline <style>.
DOCS_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        policy = DOCS_POLICY if request.path == DOCS_PATH else API_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        if "HTTP_AUTHORIZATION" in request.META:
            # Personal data must not sit in shared or browser caches.
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response
