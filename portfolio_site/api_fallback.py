"""The last route under ``/api/``: a path no other route matches is the JSON 404.

Without it Django answers an unknown path itself, with an HTML page when ``DEBUG`` is on. It is a DRF
view so that it answers in the error body and is rate limited under the default scope like any
other API request. CommonMiddleware no longer sees these paths as unknown, so the slash it would
append is appended here, for GET and HEAD; a POST to a URL that lacks its slash is a 404 naming the
URL (a redirect would lose the body).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolio_site.api_errors import error_body


class ApiNotFound(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema = None  # not an endpoint of the API

    def answer(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        path = request.path_info
        if settings.APPEND_SLASH and not path.endswith("/") and _routed(f"{path}/"):
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            message = f"Not found; the URL ends with a slash: {path}/"
            return Response(error_body("not_found", message), status=404)
        return Response(error_body("not_found", "Not found."), status=404)

    get = post = put = patch = delete = head = options = answer


def _routed(path: str) -> bool:
    """Whether a route other than this one serves ``path``."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "cls", None) is not ApiNotFound
