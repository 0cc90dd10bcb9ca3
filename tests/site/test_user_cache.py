"""The API user is cached between requests (portfolio_site/user_cache.py) and dropped when it changes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from portfolio_site import user_cache
from portfolio_site.ratelimit import SlidingWindowLimiter
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.limits import rate_limits_enabled

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"
PASSWORD = "/api/auth/password/"
TOKEN = "/api/auth/token/"


def bearer(token: AccessToken | str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def user_queries(captured: CaptureQueriesContext) -> list[str]:
    table = get_user_model()._meta.db_table
    return [q["sql"] for q in captured.captured_queries if f'FROM "{table}"' in q["sql"]]


def test_a_second_request_with_a_valid_token_does_not_query_the_user() -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    with CaptureQueriesContext(connection) as first:
        assert client.get(ME).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert len(user_queries(first)) == 1
    assert user_queries(second) == []


def test_the_cached_entry_holds_no_password_hash() -> None:
    user = UserFactory()
    assert bearer(AccessToken.for_user(user)).get(ME).status_code == 200
    entry = cache.get(user_cache.cache_key(user.pk))
    assert entry["username"] == user.username
    assert "password" not in entry
    assert user.password not in repr(entry)


def test_deactivation_refuses_the_next_request_at_once() -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    assert client.get(ME).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_inactive"


def test_a_deleted_user_is_refused() -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    assert client.get(ME).status_code == 200
    user.delete()
    assert client.get(ME).status_code == 401


def test_a_password_change_drops_the_entry_and_checks_the_real_hash() -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    assert client.get(ME).status_code == 200  # cached now: the password is not in the entry
    wrong = client.post(
        PASSWORD,
        {"old_password": "not-the-password", "new_password": "An0ther-long-pass!"},
        format="json",
    )
    assert wrong.status_code == 400
    changed = client.post(
        PASSWORD,
        {"old_password": DEFAULT_PASSWORD, "new_password": "An0ther-long-pass!"},
        format="json",
    )
    assert changed.status_code in (200, 204), changed.content
    assert cache.get(user_cache.cache_key(user.pk)) is None
    user.refresh_from_db()
    assert user.check_password("An0ther-long-pass!")
    login = APIClient().post(
        TOKEN, {"username": user.username, "password": "An0ther-long-pass!"}, format="json"
    )
    assert login.status_code == 200


def test_saving_a_cached_user_keeps_its_password() -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    client.get(ME)
    auth = user_cache.CachedJWTAuthentication()
    cached = auth.get_user(AccessToken.for_user(user))
    assert "password" in cached.get_deferred_fields()
    cached.first_name = "Lan"
    cached.save()
    user.refresh_from_db()
    assert user.first_name == "Lan"
    assert user.check_password(DEFAULT_PASSWORD)


def test_the_entry_never_outlives_the_token() -> None:
    user = UserFactory()
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=20))
    assert bearer(token).get(ME).status_code == 200
    key = cache.make_and_validate_key(user_cache.cache_key(user.pk))
    ttl = cache._cache.get_client(key).ttl(key)  # type: ignore[attr-defined]
    assert 0 < ttl <= 20


def test_a_token_about_to_expire_is_not_cached() -> None:
    user = UserFactory()
    token = AccessToken.for_user(user)
    token.payload["exp"] = int(time.time()) + 1  # still valid, less than a second of it cached
    bearer(token).get(ME)
    assert cache.get(user_cache.cache_key(user.pk)) is None


@override_settings(USER_CACHE_SECONDS=0)
def test_zero_turns_the_cache_off() -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    client.get(ME)
    with CaptureQueriesContext(connection) as second:
        assert client.get(ME).status_code == 200
    assert len(user_queries(second)) == 1
    assert cache.get(user_cache.cache_key(user.pk)) is None


def test_a_stale_entry_of_another_shape_is_ignored() -> None:
    user = UserFactory()
    cache.set(user_cache.cache_key(user.pk), {"id": user.pk, "username": "someone-else"}, 60)
    response = bearer(AccessToken.for_user(user)).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username


def test_a_new_user_with_a_reused_id_drops_the_old_entry() -> None:
    user = UserFactory()
    cache.set(user_cache.cache_key(user.pk + 1), {"id": user.pk + 1, "username": "gone"}, 60)
    get_user_model().objects.filter(pk=user.pk + 1).delete()
    newcomer = UserFactory(id=user.pk + 1)
    assert cache.get(user_cache.cache_key(newcomer.pk)) is None


# --- the limiter's hit and the cached user in one round trip ---------------------------------------
@pytest.fixture
def rate_limits(settings):  # type: ignore[no-untyped-def]
    with rate_limits_enabled(settings) as limits:
        yield limits


@pytest.fixture
def limiter_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"hit": 0, "hit_and_get": 0}
    for name in calls:
        real = getattr(SlidingWindowLimiter, name)

        def counted(self, *args, _name=name, _real=real, **kwargs):  # type: ignore[no-untyped-def]
            calls[_name] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(SlidingWindowLimiter, name, counted)
    return calls


def test_a_limited_view_counts_one_hit_and_reads_the_user_in_the_same_round_trip(
    rate_limits, limiter_calls: dict[str, int]
) -> None:
    rate_limits.set(default="5/min", portfolio_read="5/min")
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    first = client.get(ME)  # the entry is written here (a miss read in the pipeline)
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get(ME)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first["X-RateLimit-Remaining"], second["X-RateLimit-Remaining"]) == ("4", "3")
    assert limiter_calls == {"hit": 0, "hit_and_get": 2}
    assert user_queries(second_queries) == []
    for _ in range(3):
        client.get(ME)
    refused = client.get(ME)
    assert refused.status_code == 429
    assert refused["X-RateLimit-Remaining"] == "0"


def test_deactivation_is_seen_through_the_pipelined_read(rate_limits) -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    assert client.get(ME).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_inactive"


def test_a_view_in_the_auth_scope_keeps_its_own_checks(
    rate_limits, limiter_calls: dict[str, int]
) -> None:
    user = UserFactory()
    client = bearer(AccessToken.for_user(user))
    client.get(ME)
    limiter_calls.update(hit=0, hit_and_get=0)
    response = client.post(
        PASSWORD, {"old_password": "wrong-one", "new_password": "An0ther-long-pass!"}, format="json"
    )
    assert response.status_code == 400
    assert limiter_calls["hit_and_get"] == 0
    assert limiter_calls["hit"] >= 1
