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
SWAGGER_CDN = "https://cdn.jsdelivr.net"

# JSON answers never need to load, frame or run anything.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI: its bundle from the CDN, its start-up script from us (SpectacularSwaggerSplitView), the
# inline <style> of the page, and requests back to this origin only.
DOCS_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' {SWAGGER_CDN}",
        f"style-src 'self' 'unsafe-inline' {SWAGGER_CDN}",
        f"img-src 'self' data: {SWAGGER_CDN}",
        f"font-src {SWAGGER_CDN}",
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
