"""JWT authentication without a user query per request: the user is cached while it stays valid.

simplejwt's ``JWTAuthentication`` checks the token's signature and expiry (no I/O), then loads the
user from the database on every request: a pool checkout (with its health check) and a query, the
largest part of a warm ``/api/auth/me/`` (bench/profile_request.py). ``CachedJWTAuthentication``
keeps the user's fields in the project's Redis cache under the user's id, for ``USER_CACHE_SECONDS``
at most and never past the token's own expiry, and rebuilds the instance from them.

- The password hash is never cached: it is a deferred field of the rebuilt user, loaded from the
  database if anything reads it (a password change does); ``save()`` on a rebuilt user writes only
  its loaded fields.
- Any save or deletion of a user (deactivation, password change, admin edits) deletes the entry
  (``post_save``/``post_delete``, connected in ``PortfolioConfig.ready``), so the next request reads the database again and an inactive
  user is refused at once. ``QuerySet.update()`` sends no signal: code that deactivates users in
  bulk calls ``forget_user`` (or the entry expires within USER_CACHE_SECONDS).
- A Redis outage is a cache miss (``portfolio_site.cache``): the user comes from the database.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisSerializer
from django.db import router
from django.db.models.signals import post_delete, post_save
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from portfolio_site.cache import FailSafeRedisCache

KEY = "authuser:{}"
_SERIALIZER = RedisSerializer()
EXCLUDED = frozenset({"password"})


def cache_key(user_id: Any) -> str:
    return KEY.format(user_id)


def _fields(model: Any) -> list[Any]:
    return [f for f in model._meta.concrete_fields if f.attname not in EXCLUDED]


def _snapshot(user: Any) -> dict[str, Any]:
    return {f.attname: getattr(user, f.attname) for f in _fields(type(user))}


def _rebuild(model: Any, values: dict[str, Any]) -> Any:
    names = [f.attname for f in _fields(model)]
    if set(values) != set(names):  # the model changed since the entry was written
        return None
    return model.from_db(router.db_for_read(model), names, [values[n] for n in names])


def forget_user(user_id: Any) -> None:
    """Drop the cached user (call after a bulk ``update`` of users)."""
    cache.delete(cache_key(user_id))


class CachedJWTAuthentication(JWTAuthentication):
    """``JWTAuthentication`` whose user lookup is served from the cache while the entry lasts.

    When the view is rate limited per user (any scope but ``auth``), the limiter's hit and the
    cache read go to Redis in one pipelined round trip; the throttle then uses that hit
    (``throttling.prefetch_hit``) instead of asking Redis again.
    """

    def authenticate(self, request: Any) -> tuple[Any, Token] | None:
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        validated_token = self.get_validated_token(raw_token)
        user_id = self._cacheable_id(validated_token)
        if user_id is None:
            return super().get_user(validated_token), validated_token
        return self._user(
            validated_token, user_id, self._prefetch(request, user_id)
        ), validated_token

    def get_user(self, validated_token: Token) -> Any:
        user_id = self._cacheable_id(validated_token)
        if user_id is None:
            return super().get_user(validated_token)
        return self._user(validated_token, user_id, cache.get(cache_key(user_id)))

    @staticmethod
    def _cacheable_id(validated_token: Token) -> Any:
        if not settings.USER_CACHE_SECONDS or api_settings.USER_ID_FIELD != "id":
            return None
        return validated_token.get(api_settings.USER_ID_CLAIM)  # None: simplejwt's own error

    def _prefetch(self, request: Any, user_id: Any) -> Any:
        """The cached entry, read in the limiter's round trip when the view is limited per user."""
        from portfolio_site import throttling  # not at import: DRF's settings import this module

        view = (getattr(request, "parser_context", None) or {}).get("view")
        if (
            view is None
            or not throttling.enabled()
            or not isinstance(caches["default"], FailSafeRedisCache)
            or settings.CACHES["default"].get("LOCATION") != settings.REDIS_URL
            or not throttling.uses_our_throttle(type(view))
        ):
            return cache.get(cache_key(user_id))
        scope = throttling.view_scope(view, request.method or "GET")
        if scope == throttling.AUTH_SCOPE:
            return cache.get(cache_key(user_id))
        verdict, raw = throttling.ratelimit_hit_and_get(
            scope, f"user:{user_id}", cache.make_and_validate_key(cache_key(user_id))
        )
        throttling.prefetch_hit(request._request, verdict)
        if verdict.decision is None:  # Redis unreachable: the cache degrades to a miss anyway
            return None
        return None if raw is None else _SERIALIZER.loads(raw)

    def _user(self, validated_token: Token, user_id: Any, values: Any) -> Any:
        user = _rebuild(self.user_model, values) if isinstance(values, dict) else None
        if user is None:
            user = super().get_user(validated_token)  # the query and simplejwt's checks
            ttl = min(
                float(settings.USER_CACHE_SECONDS),
                float(validated_token.get("exp", 0)) - time.time(),
            )
            if ttl >= 1:
                cache.set(cache_key(user_id), _snapshot(user), int(ttl))
            return user
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:  # written only when active
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        return user


def _forget(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_user(instance.pk)


def connect() -> None:
    """Hook the invalidation to the user model's signals (from an AppConfig.ready)."""
    model = get_user_model()
    post_save.connect(_forget, sender=model, dispatch_uid="user_cache_forget_save")
    post_delete.connect(_forget, sender=model, dispatch_uid="user_cache_forget_delete")


class CachedJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's class (``jwtAuth``), for this subclass too."""

    target_class = "portfolio_site.user_cache.CachedJWTAuthentication"
