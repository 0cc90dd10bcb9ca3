"""``Idempotency-Key`` for POST: a retried request gets the first response instead of a second row.

The key is scoped to the user and to ``METHOD path``. The request's fingerprint is a SHA-256 of the
query string and the body (JSON canonicalised; uploaded files by content), so:

- same key, same request -> the stored status and body, replayed (header ``Idempotent-Replayed``);
- same key, another request -> 422 ``idempotency_key_reused``, nothing done;
- no key -> the request runs normally;
- a key that is not 1-255 printable ASCII characters (after trimming spaces) -> 400
  ``invalid_idempotency_key``. ASCII only, so that what is accepted does not depend on how a server
  decodes header bytes (``KEY_SCHEMA`` states this in the OpenAPI schema).

The key row is inserted in the same database transaction as the write: two concurrent requests with
one key serialise on the unique constraint, and the loser replays the winner's response. Only
successful (2xx) responses are stored; a refused request rolls its key back, so the client may fix
the request and retry with the same key. Keys older than ``KEY_LIFETIME`` are ignored and purged by
``idempotency_keys_purge``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from portfolio.models import IdempotencyKey
from portfolio_site.errors import DomainError, RuleViolation

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_LIFETIME = timedelta(hours=24)
INVALID_KEY_MESSAGE = f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters."
REUSED_KEY_MESSAGE = f"This {HEADER} was already used for a different request."
# The key as the OpenAPI schema states it: what ``_key`` accepts once surrounding spaces are trimmed.
KEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_KEY_LENGTH,
    "pattern": r"^[!-~]([ -~]*[!-~])?$",
}

View = TypeVar("View")
Handler = Callable[..., Response]


def request_fingerprint(request: Request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(b"\0" + request.META.get("QUERY_STRING", "").encode())
    data: Any = request.data
    files = getattr(request, "FILES", None) or {}
    if files:
        for name in sorted(files):
            upload = files[name]
            digest.update(b"\0file:" + name.encode() + b"\0")
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
        lists = data.lists() if hasattr(data, "lists") else ()
        data = {k: v for k, v in lists if k not in files}
    digest.update(b"\0" + json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise DomainError(INVALID_KEY_MESSAGE, code="invalid_idempotency_key")
    return key


def _replay(record: IdempotencyKey, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise RuleViolation(REUSED_KEY_MESSAGE, code="idempotency_key_reused")
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Handler) -> Handler:
    """Decorate a DRF view method (``def create(self, request, *args, **kwargs)``)."""

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _key(request)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        scope = f"{request.method} {request.path}"[:200]
        fingerprint = request_fingerprint(request)
        fresh_after = timezone.now() - KEY_LIFETIME
        with transaction.atomic():
            IdempotencyKey.objects.filter(
                user=request.user, scope=scope, key=key, created_at__lt=fresh_after
            ).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        scope=scope,
                        request_hash=fingerprint,
                        response_status=0,
                        response_body={},
                    )
            except IntegrityError:
                stored = IdempotencyKey.objects.get(user=request.user, scope=scope, key=key)
                return _replay(stored, fingerprint)
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            record.save(update_fields=["response_status", "response_body"])
        return response

    return wrapper


def idempotency_keys_purge(*, older_than: timedelta = KEY_LIFETIME) -> int:
    """Delete keys past their lifetime (a periodic task may call this); returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
