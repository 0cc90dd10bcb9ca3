"""The JWT matrix, beyond what tests/site/test_auth.py covers for access tokens (expired, tampered,
alg none, wrong key, refresh-as-access, logout blacklist, rotation reuse, password change, inactive
user): the same attacks on the refresh endpoint, other algorithms, missing claims, deleted users and
malformed Authorization headers. Every refusal is a 401 with the standard error body, never a 500."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"
REFRESH = "/api/auth/token/refresh/"
KEY = settings.SIMPLE_JWT["SIGNING_KEY"]


def assert_401(response: Any) -> None:
    assert response.status_code == 401, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["message"]


def refresh(token: str) -> Any:
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def me(authorization: str) -> Any:
    return APIClient().get(ME, HTTP_AUTHORIZATION=authorization)


def tamper(token: str, **claims: Any) -> str:
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def forge(claims: dict[str, Any], *, key: str | None = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key=key, algorithm=algorithm)


# --- the refresh endpoint ------------------------------------------------------------------------
def test_an_expired_refresh_token_is_401() -> None:
    token = RefreshToken.for_user(UserFactory())
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_401(refresh(str(token)))


@pytest.mark.parametrize("attack", ["tampered", "alg_none", "wrong_key", "hs512"])
def test_forged_refresh_tokens_are_401(attack: str) -> None:
    victim, attacker = UserFactory(), UserFactory()
    genuine = RefreshToken.for_user(attacker)
    claims = {**genuine.payload, "user_id": str(victim.pk)}
    token = {
        "tampered": lambda: tamper(str(genuine), user_id=str(victim.pk)),
        "alg_none": lambda: forge(claims, key=None, algorithm="none"),
        "wrong_key": lambda: forge(claims, key="not-the-signing-key-" * 3),
        "hs512": lambda: forge(claims, algorithm="HS512"),
    }[attack]()
    assert_401(refresh(token))


def test_an_access_token_cannot_be_used_to_refresh() -> None:
    assert_401(refresh(str(AccessToken.for_user(UserFactory()))))


def test_an_inactive_users_refresh_token_is_401() -> None:
    user = UserFactory()
    token = str(RefreshToken.for_user(user))
    user.is_active = False
    user.save()
    response = refresh(token)
    assert_401(response)
    assert response.json()["error"]["code"] == "no_active_account"


def test_a_deleted_users_refresh_token_is_401_not_500() -> None:
    user = UserFactory()
    token = str(RefreshToken.for_user(user))
    user.delete()
    response = refresh(token)
    assert_401(response)


def test_a_rotated_refresh_token_cannot_be_reused_after_its_successor_rotates() -> None:
    user = UserFactory()
    first = refresh(str(RefreshToken.for_user(user))).json()["refresh"]
    second = refresh(first).json()["refresh"]
    third = refresh(second).json()["refresh"]
    assert_401(refresh(first))
    assert_401(refresh(second))
    assert_401(refresh(third))  # the replay revoked the family (test_refresh_reuse.py)


# --- access tokens ---------------------------------------------------------------------------------
def test_a_token_signed_with_another_hmac_algorithm_is_401() -> None:
    claims = dict(AccessToken.for_user(UserFactory()).payload)
    assert_401(me(f"Bearer {forge(claims, algorithm='HS512')}"))


def test_a_correctly_signed_token_without_expiry_is_401() -> None:
    claims = dict(AccessToken.for_user(UserFactory()).payload)
    del claims["exp"]
    assert_401(me(f"Bearer {forge(claims)}"))


def test_a_correctly_signed_token_without_token_type_is_401() -> None:
    claims = dict(AccessToken.for_user(UserFactory()).payload)
    del claims["token_type"]
    assert_401(me(f"Bearer {forge(claims)}"))


def test_a_deleted_users_access_token_is_401() -> None:
    user = UserFactory()
    token = str(AccessToken.for_user(user))
    user.delete()
    assert_401(me(f"Bearer {token}"))


@pytest.mark.parametrize(
    "authorization",
    ["JWT {token}", "Bearer", "Bearer {token} extra", "bearer{token}", "Basic {token}", "{token}"],
)
def test_malformed_authorization_headers_do_not_authenticate(authorization: str) -> None:
    token = str(AccessToken.for_user(UserFactory()))
    response = me(authorization.format(token=token))
    assert_401(response)


def test_a_token_in_the_query_string_is_ignored() -> None:
    token = str(AccessToken.for_user(UserFactory()))
    assert_401(APIClient().get(f"{ME}?token={token}&access={token}"))


def test_access_tokens_are_short_lived() -> None:
    # simplejwt cannot revoke an access token: logout and password change revoke refresh tokens,
    # and an access token issued before them lives until it expires. Keep that window short.
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)
    assert settings.SIMPLE_JWT["ALGORITHM"] == "HS256"
    assert settings.SIMPLE_JWT["LEEWAY"] == 0
