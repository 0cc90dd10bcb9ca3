"""A password guesser from one IP meets 429 with Retry-After under the shipped quotas."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from portfolio_site.quotas import parse_rate
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.limits import RateLimits

pytestmark = pytest.mark.django_db


def test_the_shipped_auth_quota_is_strict(settings) -> None:  # type: ignore[no-untyped-def]
    quota = parse_rate(settings.RATE_LIMITS["auth"])
    assert quota.limit / quota.window_seconds <= 10 / 60
    assert "auth" in settings.RATE_LIMIT_FAIL_CLOSED


def test_a_login_brute_force_from_one_ip_meets_429_with_retry_after(
    rate_limits: RateLimits, settings
) -> None:  # type: ignore[no-untyped-def]
    # Given the shipped auth quota and a guesser cycling through passwords and usernames
    limit = parse_rate(settings.RATE_LIMITS["auth"]).limit
    victim = UserFactory()
    guesser = APIClient(REMOTE_ADDR="203.0.113.66")
    statuses = []
    for attempt in range(limit + 5):
        username = victim.username if attempt % 2 else f"admin{attempt}"
        response = guesser.post(
            "/api/auth/token/", {"username": username, "password": f"guess{attempt}"}, format="json"
        )
        statuses.append(response.status_code)
    # Then the first `limit` attempts are judged, and every later one is refused unjudged
    assert statuses[:limit] == [401] * limit
    assert statuses[limit:] == [429] * 5
    assert response.json()["error"]["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    # even the right password is refused from that IP until the window frees
    right = guesser.post(
        "/api/auth/token/",
        {"username": victim.username, "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert right.status_code == 429
    # while the account's owner, from another IP, can still log in: attempts refused by IP did not
    # also use up the account's own window
    owner = APIClient(REMOTE_ADDR="198.51.100.23").post(
        "/api/auth/token/",
        {"username": victim.username, "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert owner.status_code == 200


def test_a_spoofed_forwarded_for_does_not_reset_the_count(rate_limits: RateLimits) -> None:
    rate_limits.set(auth="3/min")
    statuses = [
        APIClient(REMOTE_ADDR="203.0.113.66", HTTP_X_FORWARDED_FOR=f"10.9.8.{n}")
        .post("/api/auth/token/", {"username": f"u{n}", "password": "x"}, format="json")
        .status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


def test_registration_floods_are_limited_too(rate_limits: RateLimits) -> None:
    rate_limits.set(auth="3/min")
    client = APIClient(REMOTE_ADDR="203.0.113.67")
    statuses = [
        client.post(
            "/api/auth/register/",
            {"username": f"bot{n}", "email": f"bot{n}@example.com", "password": "S0ng-Hong-river!"},
            format="json",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
