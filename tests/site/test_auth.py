"""Every auth flow of the API: register, token pair, rotation, logout, me, password change."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
ME = "/api/auth/me/"
PASSWORD = "/api/auth/password/"


def login(client: APIClient, username: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = client.post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def test_register_then_login_and_me(api_client: APIClient) -> None:
    response = api_client.post(
        REGISTER,
        {"username": "lan", "email": "lan@example.com", "password": "S0ng-Hong-river!"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["username"] == "lan"
    assert "password" not in response.json()

    tokens = login(api_client, "lan", "S0ng-Hong-river!")
    me = bearer(tokens["access"]).get(ME)
    assert me.status_code == 200
    assert me.json()["username"] == "lan"
    assert me.json()["is_staff"] is False


def test_register_refuses_duplicate_username_case_insensitively(api_client, user) -> None:  # type: ignore[no-untyped-def]
    response = api_client.post(
        REGISTER,
        {
            "username": user.username.upper(),
            "email": "x@example.com",
            "password": "S0ng-Hong-river!",
        },
        format="json",
    )
    error = assert_error(response, 409, "username_taken")
    assert "username" in error["fields"]


def test_register_refuses_weak_password(api_client: APIClient) -> None:
    response = api_client.post(
        REGISTER, {"username": "minh", "email": "m@example.com", "password": "123"}, format="json"
    )
    error = assert_error(response, 400, "weak_password")
    assert error["fields"]["password"]
    assert not get_user_model().objects.filter(username="minh").exists()


def test_register_refuses_unknown_fields_and_wrong_types(api_client: APIClient) -> None:
    response = api_client.post(
        REGISTER,
        {
            "username": "hoa",
            "email": "h@example.com",
            "password": "S0ng-Hong-river!",
            "is_staff": True,
        },
        format="json",
    )
    error = assert_error(response, 400, "invalid")
    assert "is_staff" in error["fields"]

    response = api_client.post(
        REGISTER, {"username": ["a"], "email": "not-an-email", "password": 5}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert {"username", "email"} <= set(error["fields"])
    assert not get_user_model().objects.filter(username="hoa").exists()


def test_malformed_json_is_400(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, data="{not json", content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_non_object_json_body_is_400(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, data="[1, 2]", content_type="application/json")
    assert_error(response, 400, "invalid")


def test_wrong_credentials_are_401(api_client, user) -> None:  # type: ignore[no-untyped-def]
    response = api_client.post(
        TOKEN, {"username": user.username, "password": "nope"}, format="json"
    )
    assert_error(response, 401)


def test_inactive_user_cannot_log_in_or_use_tokens(api_client, user) -> None:  # type: ignore[no-untyped-def]
    access = str(RefreshToken.for_user(user).access_token)
    user.is_active = False
    user.save()
    assert_error(
        api_client.post(
            TOKEN, {"username": user.username, "password": DEFAULT_PASSWORD}, format="json"
        ),
        401,
    )
    assert_error(bearer(access).get(ME), 401)


def test_refresh_rotates_and_reusing_the_old_refresh_token_is_401(api_client, user) -> None:  # type: ignore[no-untyped-def]
    tokens = login(api_client, user.username)
    first = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh"] != tokens["refresh"]
    assert bearer(rotated["access"]).get(ME).status_code == 200

    reuse = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert_error(reuse, 401, "token_not_valid")
    # reuse detection: the replay revoked the rotated token too (tests/security/test_refresh_reuse.py)
    assert_error(api_client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json"), 401)


def test_logout_blacklists_the_refresh_token(api_client, user) -> None:  # type: ignore[no-untyped-def]
    tokens = login(api_client, user.username)
    response = api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 205
    assert_error(api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json"), 401)


def test_logout_with_garbage_token_is_400(api_client: APIClient) -> None:
    assert_error(api_client.post(LOGOUT, {"refresh": "garbage"}, format="json"), 400, "invalid")


def test_password_change_revokes_every_refresh_token(api_client, user) -> None:  # type: ignore[no-untyped-def]
    laptop = login(api_client, user.username)
    phone = login(api_client, user.username)
    response = bearer(laptop["access"]).post(
        PASSWORD,
        {"old_password": DEFAULT_PASSWORD, "new_password": "Ha-Long-Bay-2026!"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["revoked_tokens"] >= 2
    for device in (laptop, phone):
        assert_error(api_client.post(REFRESH, {"refresh": device["refresh"]}, format="json"), 401)
    login(api_client, user.username, "Ha-Long-Bay-2026!")


def test_password_change_needs_the_old_password(api_client, user) -> None:  # type: ignore[no-untyped-def]
    tokens = login(api_client, user.username)
    response = bearer(tokens["access"]).post(
        PASSWORD, {"old_password": "wrong", "new_password": "Ha-Long-Bay-2026!"}, format="json"
    )
    assert_error(response, 400, "wrong_password")
    response = bearer(tokens["access"]).post(
        PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": "short"}, format="json"
    )
    assert_error(response, 400, "weak_password")
    # nothing changed: the refresh token still works
    assert (
        api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 200
    )


def test_me_requires_a_token(api_client: APIClient) -> None:
    assert_error(api_client.get(ME), 401)


def test_expired_access_token_is_401(user) -> None:  # type: ignore[no-untyped-def]
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_error(bearer(str(token)).get(ME), 401, "token_not_valid")


def test_tampered_access_token_is_401(user) -> None:  # type: ignore[no-untyped-def]
    token = str(AccessToken.for_user(user))
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["user_id"] = str(int(claims["user_id"]) + 1)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_error(bearer(f"{header}.{forged}.{signature}").get(ME), 401)


def test_alg_none_token_is_401(user) -> None:  # type: ignore[no-untyped-def]
    claims = dict(AccessToken.for_user(user).payload)
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert_error(bearer(unsigned).get(ME), 401)


def test_token_signed_with_another_key_is_401(user) -> None:  # type: ignore[no-untyped-def]
    claims = dict(AccessToken.for_user(user).payload)
    forged = jwt.encode(claims, key="another-key-" * 4, algorithm="HS256")
    assert forged != str(AccessToken.for_user(user))
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != "another-key-" * 4
    assert_error(bearer(forged).get(ME), 401)


def test_refresh_token_cannot_be_used_as_access_token(user) -> None:  # type: ignore[no-untyped-def]
    assert_error(bearer(str(RefreshToken.for_user(user))).get(ME), 401)
