"""Refresh-token reuse detection: replaying a rotated refresh token revokes its whole family.

A login starts a family (the ``fam`` claim, kept through every rotation). Rotation blacklists the
old token, so only a thief (or a replayed request) presents it again; when that happens every live
token of the family is revoked, so the thief and the victim both have to log in again, and the
victim's other sessions (other families) are left alone.
"""

from __future__ import annotations

import jwt
import pytest
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"


def login(client: APIClient, username: str) -> dict:
    response = client.post(
        TOKEN, {"username": username, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client: APIClient, token: str):  # type: ignore[no-untyped-def]
    return client.post(REFRESH, {"refresh": token}, format="json")


def test_replaying_a_rotated_refresh_token_revokes_its_successors(api_client: APIClient) -> None:
    user = UserFactory()
    first = login(api_client, user.username)["refresh"]
    second = refresh(api_client, first).json()["refresh"]
    third = refresh(api_client, second).json()["refresh"]

    replay = refresh(api_client, first)  # the thief replays the stolen, already rotated token

    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "token_not_valid"
    successor = refresh(api_client, third)  # the family's newest token is revoked with it
    assert successor.status_code == 401, successor.content


def test_reuse_leaves_the_users_other_sessions_alone(api_client: APIClient) -> None:
    user = UserFactory()
    phone = login(api_client, user.username)["refresh"]
    laptop = login(api_client, user.username)["refresh"]
    refresh(api_client, laptop)

    assert refresh(api_client, laptop).status_code == 401  # reuse in the laptop's family

    assert refresh(api_client, phone).status_code == 200


def test_a_rotated_token_keeps_its_family(api_client: APIClient) -> None:
    user = UserFactory()
    first = login(api_client, user.username)["refresh"]
    second = refresh(api_client, first).json()["refresh"]

    claims = [jwt.decode(token, options={"verify_signature": False}) for token in (first, second)]
    assert claims[0]["fam"]
    assert claims[0]["fam"] == claims[1]["fam"]
    assert claims[0]["jti"] != claims[1]["jti"]
