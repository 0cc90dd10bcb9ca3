"""The request side of read replicas (portfolio_site/db_router.py): which views may read from a
replica, the retry on the primary when a replica fails mid-request, and the read-your-writes pin.

A DRF view opts in with ``ReplicaReadsMixin`` and either ``replica_reads = True`` (every GET) or
``replica_read_actions`` (a viewset's read-only actions by name). After authentication, a GET/HEAD
of such a view reads from a healthy replica unless its user wrote in the last
DATABASE_REPLICA_PIN_SECONDS. If the replica fails (connection refused, dropped, pool timeout), the
replica leaves the rotation and the same handler runs again on the primary: the client sees a 200.

``ReadYourWritesMiddleware`` starts every request on the primary and, after a successful unsafe
request by a signed-in user, pins that user to the primary.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import Token
from typing import Any, ClassVar

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolio_site import db_router

REPLICA_FAILURES = (OperationalError, InterfaceError)


class ReplicaReadsMixin(APIView):
    replica_reads: ClassVar[bool] = False
    replica_read_actions: ClassVar[frozenset[str]] = frozenset()

    _replica_token: Token[str | None] | None = None

    def reads_from_replica(self, request: Request) -> bool:
        if request.method not in SAFE_METHODS:
            return False
        return self.replica_reads or getattr(self, "action", None) in self.replica_read_actions

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication and throttles on the primary
        if self.reads_from_replica(request):
            user = request.user
            alias = db_router.replica_for_reads(
                user_id=user.pk if user is not None and user.is_authenticated else None
            )
            if alias is not None:
                self._replica_token = db_router.read_from(alias)

    def _end_replica_reads(self) -> None:
        if self._replica_token is not None:
            db_router.restore(self._replica_token)
            self._replica_token = None

    def handle_exception(self, exc: Exception) -> Response:
        alias = db_router.current_replica()
        if (
            alias is not None
            and self._replica_token is not None
            and isinstance(exc, REPLICA_FAILURES)
        ):
            db_router.replica_failed(alias, exc)
            self._end_replica_reads()
            handler: Callable[..., Response] = getattr(
                self, (self.request.method or "get").lower(), self.http_method_not_allowed
            )
            try:
                return handler(self.request, *self.args, **self.kwargs)
            except Exception as retry_error:
                exc = retry_error
        return super().handle_exception(exc)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            self._end_replica_reads()


class ReadYourWritesMiddleware:
    """Every request starts on the primary; a user's successful write pins them to it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = db_router.read_from(None)
        try:
            response = self.get_response(request)
        finally:
            db_router.restore(token)
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and db_router.replica_aliases()
        ):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                db_router.pin_to_primary(user_id=user.pk)
        return response
