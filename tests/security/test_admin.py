"""The admin: staff only, CSRF-protected, its login rate-limited like the API's, never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.limits import RateLimits

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
DEAD_REDIS = "redis://127.0.0.1:1/0"


def admin_login(client: Client, username: str, password: str = "wrong-password") -> int:  # noqa: S107
    return client.post(LOGIN, {"username": username, "password": password}).status_code


def test_anonymous_visitors_are_sent_to_the_login_page() -> None:
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_logged_in_non_staff_user_cannot_open_the_admin() -> None:
    client = Client()
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert client.get("/admin/auth/user/").status_code == 302


def test_a_non_staff_user_cannot_log_in_to_the_admin() -> None:
    user = UserFactory()
    client = Client()
    response = client.post(LOGIN, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302


def test_staff_can_open_the_admin() -> None:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_needs_a_csrf_token() -> None:
    staff = UserFactory(is_staff=True)
    client = Client(enforce_csrf_checks=True)
    refused = client.post(LOGIN, {"username": staff.username, "password": DEFAULT_PASSWORD})
    assert refused.status_code == 403

    page = client.get(LOGIN)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    accepted = client.post(
        LOGIN,
        {
            "username": staff.username,
            "password": DEFAULT_PASSWORD,
            "csrfmiddlewaretoken": token.group(1).decode(),
        },
    )
    assert accepted.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_pages_carry_the_security_headers() -> None:
    response = Client().get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_admin_login_is_rate_limited_per_username(rate_limits: RateLimits) -> None:
    rate_limits.set(login_account="3/hour")
    staff = UserFactory(is_staff=True)
    statuses = [admin_login(Client(REMOTE_ADDR=f"203.0.113.{n}"), staff.username) for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    # even the right password waits until the window frees
    blocked = Client(REMOTE_ADDR="203.0.113.99").post(
        LOGIN, {"username": staff.username, "password": DEFAULT_PASSWORD}
    )
    assert blocked.status_code == 429
    assert 1 <= int(blocked["Retry-After"]) <= 3600


def test_the_admin_login_is_rate_limited_per_ip(rate_limits: RateLimits) -> None:
    rate_limits.set(auth="3/min")
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [admin_login(client, f"guess{n}") for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    # viewing the form is not limited
    assert client.get(LOGIN).status_code == 200


def test_the_admin_login_shares_the_api_login_quota(rate_limits: RateLimits) -> None:
    rate_limits.set(login_pair="2/15m")
    staff = UserFactory(is_staff=True)
    for _ in range(2):
        Client(REMOTE_ADDR="198.51.100.1").post(
            "/api/auth/token/",
            {"username": staff.username, "password": "wrong"},
            content_type="application/json",
        )
    assert admin_login(Client(REMOTE_ADDR="198.51.100.1"), staff.username) == 429


def test_with_redis_down_the_admin_login_is_503_not_500(rate_limits: RateLimits, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDIS_URL = DEAD_REDIS
    response = Client().post(LOGIN, {"username": "someone", "password": "x"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.RATE_LIMIT_OUTAGE_RETRY_AFTER)
