"""Usernames that cannot impersonate: NFKC, unique ignoring case, no look-alike letters; emails unique.

Look-alikes are written as escapes: a Cyrillic "a" (U+0430) in "admin", full-width "demo".
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
TOKEN = "/api/auth/token/"
CYRILLIC_ADMIN = "\u0430dmin"  # Cyrillic small a, then Latin "dmin"
FULL_WIDTH_DEMO = "\uff44\uff45\uff4d\uff4f"
GREEK_OMICRON_BOB = "b\u03bfb"
STRONG = "S0ng-Hong-river!"


def register(username: str, email: str | None = None) -> object:
    body = {"username": username, "email": email or "new@example.com", "password": STRONG}
    return APIClient().post(REGISTER, body, format="json")


def login(username: str, password: str = DEFAULT_PASSWORD) -> int:
    body = {"username": username, "password": password}
    return APIClient().post(TOKEN, body, format="json").status_code


def test_a_cyrillic_look_alike_of_admin_is_refused() -> None:
    UserFactory(username="admin")
    response = register(CYRILLIC_ADMIN)
    assert response.status_code == 400  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "username_lookalike"
    assert "U+0430" in error["fields"]["username"][0]
    # refused for what it is, not only because "admin" exists
    assert register(GREEK_OMICRON_BOB).json()["error"]["code"] == "username_lookalike"  # type: ignore[attr-defined]
    assert not get_user_model().objects.exclude(username="admin").exists()


def test_a_full_width_demo_is_the_same_name_as_demo() -> None:
    UserFactory(username="demo")
    response = register(FULL_WIDTH_DEMO)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "username_taken"  # type: ignore[attr-defined]
    assert get_user_model().objects.count() == 1


def test_usernames_are_stored_normalised() -> None:
    response = register("\uff4c\uff41\uff4e")  # full-width "lan"
    assert response.status_code == 201  # type: ignore[attr-defined]
    assert response.json()["username"] == "lan"  # type: ignore[attr-defined]
    assert get_user_model().objects.filter(username="lan").exists()


def test_a_name_differing_only_in_case_is_taken() -> None:
    UserFactory(username="minh")
    assert register("MINH").status_code == 409  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "username", ["nguy\u1ec5n_v\u0103n_an", "\u0110\u1ee9c", "\u738b\u5c0f\u660e"]
)
def test_vietnamese_and_scripts_without_latin_look_alikes_are_welcome(username: str) -> None:
    assert register(username).status_code == 201  # type: ignore[attr-defined]


def test_login_accepts_any_case_and_full_width_letters() -> None:
    UserFactory(username="demo")
    assert login("DEMO") == 200
    assert login(FULL_WIDTH_DEMO) == 200
    assert login(" demo ") == 200
    assert login("DEMO", "wrong-password") == 401
    assert login(CYRILLIC_ADMIN) == 401
    # the admin login finds the user the same way
    UserFactory(username="boss", is_staff=True)
    response = Client().post("/admin/login/", {"username": "BOSS", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_old_accounts_that_clash_ignoring_case_log_in_by_their_exact_name() -> None:
    # Given two accounts from before the rule, equal ignoring case
    UserFactory(username="lan")
    UserFactory(username="Lan")
    assert login("lan") == 200
    assert login("Lan") == 200
    # a third spelling matches neither for sure, so it logs in as neither
    assert login("LAN") == 401


def test_emails_are_unique_ignoring_case() -> None:
    UserFactory(username="lan", email="lan@example.com")
    response = register("lan2", "LAN@Example.com")
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "email_taken"  # type: ignore[attr-defined]
    assert register("lan3", "lan3@example.com").status_code == 201  # type: ignore[attr-defined]


def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def add_user_in_admin(client: Client, username: str) -> object:
    return client.post(
        "/admin/auth/user/add/",
        {"username": username, "password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )


def test_the_admin_refuses_look_alike_and_case_clashing_usernames() -> None:
    client = admin_client()
    UserFactory(username="admin")
    for username in (CYRILLIC_ADMIN, "ADMIN", "\uff21dmin"):  # the last: full-width "A"
        response = add_user_in_admin(client, username)
        assert response.status_code == 200, username  # type: ignore[attr-defined]
        assert b"errorlist" in response.content  # type: ignore[attr-defined]
    assert not get_user_model().objects.filter(username__in=[CYRILLIC_ADMIN, "ADMIN"]).exists()
    # a fine name is created, normalised
    assert add_user_in_admin(client, FULL_WIDTH_DEMO).status_code == 302  # type: ignore[attr-defined]
    assert get_user_model().objects.filter(username="demo").exists()


def test_the_admin_refuses_an_email_another_user_has() -> None:
    client = admin_client()
    UserFactory(username="lan", email="lan@example.com")
    minh = UserFactory(username="minh", email="minh@example.com")
    page = client.get(f"/admin/auth/user/{minh.pk}/change/")
    fields = dict(re.findall(rb'name="(\w+)" value="([^"]*)"', page.content))
    form = {name.decode(): value.decode() for name, value in fields.items()}
    form.update(username="minh", email="LAN@example.com", date_joined_0="2026-01-05")
    form.update(date_joined_1="02:30:00", is_active="on")
    response = client.post(f"/admin/auth/user/{minh.pk}/change/", form)
    assert response.status_code == 200
    assert b"A user with that email already exists." in response.content
    minh.refresh_from_db()
    assert minh.email == "minh@example.com"


def test_the_seed_will_not_promote_a_look_alike_account(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    stranger = UserFactory(username="Admin")
    with pytest.raises(CommandError, match="taken"):
        call_command("seed_demo", "--accounts-only", stdout=io.StringIO())
    stranger.refresh_from_db()
    assert not stranger.is_superuser
    assert not stranger.is_staff
