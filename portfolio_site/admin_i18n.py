"""Language and time zone of a request: the admin speaks the staff user's language, the API English.

The admin (``/admin/``) follows the ``django_language`` cookie (set by the language switch in the
admin's header, Django's ``set_language`` view) and otherwise the browser's ``Accept-Language``;
with neither in ``LANGUAGES`` it uses ``ADMIN_LANGUAGE_CODE`` (Vietnamese). It shows times in
``MARKET_TIME_ZONE`` (Asia/Ho_Chi_Minh). Everything else (the API, health checks) stays in English
and UTC: the client translates the API's error ``code``s itself, so the English ``message`` and
Django's and DRF's validation texts are never translated, whatever the request's headers.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

ADMIN_PREFIX = "/admin/"
SWITCH_PREFIX = "/i18n/"


def admin_language(request: HttpRequest) -> str:
    """The admin's language for ``request``: cookie, then ``Accept-Language``, then the default."""
    candidates = [request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or ""]
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    candidates += [code for code, _quality in parse_accept_lang_header(accept) if code != "*"]
    for code in candidates:
        if not code:
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.ADMIN_LANGUAGE_CODE


class AdminLocaleMiddleware:
    """``LocaleMiddleware`` for the admin only (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.market_zone = ZoneInfo(settings.MARKET_TIME_ZONE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        staff_pages = request.path.startswith((ADMIN_PREFIX, SWITCH_PREFIX))
        language = admin_language(request) if staff_pages else settings.LANGUAGE_CODE
        zone = self.market_zone if staff_pages else None
        with translation.override(language), timezone.override(zone):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        if staff_pages:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            response.headers.setdefault("Content-Language", language)
        return response
