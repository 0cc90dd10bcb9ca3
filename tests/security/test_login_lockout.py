"""Login limits stop guessing without handing a stranger the power to lock an account out.

Shipped quotas (settings.RATE_LIMITS), real Redis limiter; client addresses as in test_throttling.py.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from portfolio_site.quotas import parse_rate
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.security.limits import RateLimits

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
ADMIN_LOGIN = "/admin/login/"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.23"
FULL_WIDTH_ALICE = "\uff41\uff4c\uff49\uff43\uff45"


def login(ip: str, username: str, password: str = "wrong-password") -> int:  # noqa: S107
    client = APIClient(REMOTE_ADDR=ip)
    return client.post(
        TOKEN, {"username": username, "password": password}, format="json"
    ).status_code


def admin_login(ip: str, username: str, password: str = "wrong-password") -> int:  # noqa: S107
    client = Client(REMOTE_ADDR=ip)
    return client.post(ADMIN_LOGIN, {"username": username, "password": password}).status_code


def limit(settings, scope: str) -> int:  # type: ignore[no-untyped-def]
    return parse_rate(settings.RATE_LIMITS[scope]).limit


def test_one_address_can_never_lock_the_owner_out_with_the_shipped_quotas(settings) -> None:  # type: ignore[no-untyped-def]
    # What one address can spend on one username in the ceiling's window stays below the ceiling.
    pair = parse_rate(settings.RATE_LIMITS["login_pair"])
    ceiling = parse_rate(settings.RATE_LIMITS["login_account"])
    windows = -(-ceiling.window_seconds // pair.window_seconds)  # pair windows in a ceiling window
    assert (windows + 1) * pair.limit < ceiling.limit


def test_a_spray_from_one_address_never_locks_the_owner_out_from_another(
    rate_limits: RateLimits, settings
) -> None:  # type: ignore[no-untyped-def]
    # Given an attacker spraying wrong passwords from one address: at alice as fast as the address
    # may, then at many other usernames, until the address is refused
    alice = UserFactory(username="alice")
    auth = limit(settings, "auth")
    statuses = []
    for attempt in range(3 * auth):
        username = "alice" if attempt < auth else f"user{attempt}"
        statuses.append(login(ATTACKER, username, f"guess-{attempt}"))
    assert 429 in statuses
    assert login(ATTACKER, "alice", DEFAULT_PASSWORD) == 429
    # When alice logs in from her own address, Then she gets in
    assert login(OWNER, alice.username, DEFAULT_PASSWORD) == 200
    # and so does the admin login
    assert admin_login(OWNER, UserFactory(is_staff=True).username, DEFAULT_PASSWORD) == 302


def test_one_address_guessing_one_account_is_stopped_by_the_pair_window(
    rate_limits: RateLimits, settings
) -> None:  # type: ignore[no-untyped-def]
    # Given a guesser that keeps under the per-address quota by waiting between guesses
    rate_limits.set(auth="1000/min")
    alice = UserFactory(username="alice")
    pair = limit(settings, "login_pair")
    statuses = [login(ATTACKER, "alice", f"guess-{n}") for n in range(pair + 2)]
    # Then the (username, address) window refuses it after `pair` wrong guesses
    assert statuses == [401] * pair + [429, 429]
    # even with the right password, and in another case or in full-width letters
    assert login(ATTACKER, "alice", DEFAULT_PASSWORD) == 429
    assert login(ATTACKER, "ALICE", DEFAULT_PASSWORD) == 429
    assert login(ATTACKER, FULL_WIDTH_ALICE, DEFAULT_PASSWORD) == 429
    # while the owner elsewhere is not affected
    assert login(OWNER, alice.username, DEFAULT_PASSWORD) == 200


def test_a_successful_login_clears_the_pair_window(rate_limits: RateLimits) -> None:
    rate_limits.set(login_pair="3/15m")
    alice = UserFactory(username="alice")
    assert [login(OWNER, "alice") for _ in range(2)] == [401, 401]
    assert login(OWNER, alice.username, DEFAULT_PASSWORD) == 200
    # a typo after logging in does not bring a lockout closer
    assert [login(OWNER, "alice") for _ in range(3)] == [401, 401, 401]
    assert login(OWNER, "alice") == 429


def test_the_per_address_limit_stops_credential_stuffing_across_usernames(
    rate_limits: RateLimits, settings
) -> None:  # type: ignore[no-untyped-def]
    auth = limit(settings, "auth")
    statuses = [login(ATTACKER, f"leaked{n}", f"password{n}") for n in range(auth + 3)]
    assert statuses == [401] * auth + [429] * 3
    # a leaked pair that happens to be right is refused unjudged too
    stuffed = UserFactory()
    assert login(ATTACKER, stuffed.username, DEFAULT_PASSWORD) == 429


def test_the_username_ceiling_counts_failures_from_every_address(rate_limits: RateLimits) -> None:
    # Given a guesser spread over many addresses, one guess each
    rate_limits.set(login_account="4/hour")
    UserFactory(username="alice")
    assert [login(f"203.0.113.{n}", "alice") for n in range(1, 5)] == [401] * 4
    # Then the ceiling refuses further guesses from any address until the window frees
    assert login("203.0.113.90", "alice") == 429
    assert login("203.0.113.91", "Alice", DEFAULT_PASSWORD) == 429
    # successful logins do not fill it: another account logs in as often as it likes
    bob = UserFactory()
    assert [login(f"192.0.2.{n}", bob.username, DEFAULT_PASSWORD) for n in range(6)] == [200] * 6


def test_a_distributed_guesser_cannot_lock_the_owner_out_of_their_usual_address(
    rate_limits: RateLimits,
) -> None:
    # Given alice logged in from her usual address before
    rate_limits.set(login_account="3/hour")
    alice = UserFactory(username="alice")
    assert login(OWNER, alice.username, DEFAULT_PASSWORD) == 200
    # When guessers on many addresses fill her failure ceiling
    assert [login(f"203.0.113.{n}", "alice") for n in range(1, 4)] == [401] * 3
    assert login("203.0.113.9", "alice", DEFAULT_PASSWORD) == 429
    # Then she still gets in from her usual address, through the API and the admin alike
    assert login(OWNER, "alice", DEFAULT_PASSWORD) == 200
    assert admin_login(OWNER, "alice", DEFAULT_PASSWORD) == 200  # the form: alice is not staff
    # while that address keeps its own (username, address) window against guessing
    statuses = [login(OWNER, "alice") for _ in range(6)]
    assert statuses[-1] == 429


def test_known_addresses_can_be_switched_off(rate_limits: RateLimits, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_KNOWN_ADDRESS_DAYS = 0
    rate_limits.set(login_account="2/hour")
    alice = UserFactory(username="alice")
    assert login(OWNER, alice.username, DEFAULT_PASSWORD) == 200
    assert [login(f"203.0.113.{n}", "alice") for n in range(1, 3)] == [401] * 2
    assert login(OWNER, "alice", DEFAULT_PASSWORD) == 429


def test_an_admin_login_attack_does_not_block_the_api_login_from_another_address(
    rate_limits: RateLimits, settings
) -> None:  # type: ignore[no-untyped-def]
    # Given ten and more bad admin logins for the admin from one address
    staff = UserFactory(is_staff=True)
    statuses = [admin_login(ATTACKER, staff.username) for _ in range(limit(settings, "auth") + 2)]
    assert statuses[-1] == 429
    # Then the admin's API login and admin login from another address still work
    assert login(OWNER, staff.username, DEFAULT_PASSWORD) == 200
    assert admin_login(OWNER, staff.username, DEFAULT_PASSWORD) == 302


def test_admin_and_api_logins_share_the_pair_window(rate_limits: RateLimits) -> None:
    rate_limits.set(login_pair="3/15m")
    staff = UserFactory(is_staff=True)
    assert [admin_login(ATTACKER, staff.username) for _ in range(2)] == [200, 200]
    assert login(ATTACKER, staff.username) == 401
    assert login(ATTACKER, staff.username, DEFAULT_PASSWORD) == 429
    assert admin_login(ATTACKER, staff.username, DEFAULT_PASSWORD) == 429


def test_admin_and_api_login_failures_share_the_username_ceiling(rate_limits: RateLimits) -> None:
    rate_limits.set(login_account="3/hour")
    staff = UserFactory(is_staff=True)
    assert admin_login("203.0.113.1", staff.username) == 200
    assert login("203.0.113.2", staff.username) == 401
    assert admin_login("203.0.113.3", staff.username) == 200
    assert login("203.0.113.4", staff.username, DEFAULT_PASSWORD) == 429
    assert admin_login("203.0.113.5", staff.username, DEFAULT_PASSWORD) == 429
