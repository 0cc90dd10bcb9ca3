"""No key published in the repository signs anything (issue 14, item 1).

Main used to fall back to a development SECRET_KEY written in settings.py, and JWT_SIGNING_KEY to it:
a token signed with that constant answered /api/auth/me/ as the superuser. Here every string constant
of the repository (the string literals of every .py file, the quoted strings of the .ts/.tsx/.mjs/.js
and YAML files, the values of .env.example and YAML) signs an access token for a superuser, and the
REST API and the websocket authentication must refuse every one.
"""

from __future__ import annotations

import ast
import os
import re
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from realtime.auth import session_from_scope
from tests.factories import UserFactory
from tests.realtime.conftest import closed_with, communicator

REPO = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {
    ".git",
    ".venv",
    "node_modules",
    ".next",
    "var",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "results",
    "test-results",
}
QUOTED_SUFFIXES = {".ts", ".tsx", ".mjs", ".js", ".yml", ".yaml"}
# "...", '...' and `...` on one line (template literals may span lines).
QUOTED = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`""")
# Unquoted values: `NAME=value` (.env.example) and `key: value` (YAML), up to a comment.
ASSIGNED = re.compile(
    r"^[ \t]*-?[ \t]*[\w.-]+[ \t]*[=:][ \t]*([^\s#'\"`][^#\n]*?)\s*(?:#.*)?$", re.MULTILINE
)
# A signing key shorter than this or longer than a token header would allow is not plausible in text files.
PLAUSIBLE = range(4, 4097)


def _repository_files() -> Iterator[Path]:
    for directory, subdirectories, names in os.walk(REPO):
        subdirectories[:] = [name for name in subdirectories if name not in SKIPPED_DIRECTORIES]
        for name in names:
            yield Path(directory) / name


def _python_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value
    }


def _text_values(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = {
        next(group for group in match.groups() if group is not None)
        for match in QUOTED.finditer(text)
    }
    if path.suffix in {".yml", ".yaml"} or path.name == ".env.example":
        found |= {match.group(1) for match in ASSIGNED.finditer(text)}
    return {value for value in found if len(value) in PLAUSIBLE}


def repository_constants() -> list[str]:
    constants: set[str] = set()
    for path in _repository_files():
        if path.suffix == ".py":
            constants |= _python_literals(path)
        elif path.suffix in QUOTED_SUFFIXES or path.name == ".env.example":
            constants |= _text_values(path)
    return sorted(constants)


CONSTANTS = repository_constants()


def forge_token(user: Any, key: str, *, kind: str = "access") -> str:
    now = int(time.time())
    claims = {
        "token_type": kind,
        "exp": now + 300,
        "iat": now,
        "jti": uuid.uuid4().hex,
        settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"): str(user.pk),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns about short HMAC keys: that is the point here
        return jwt.encode(claims, key, algorithm="HS256")


@pytest.fixture
def superuser(transactional_db: Any) -> Any:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_walk_finds_the_repositorys_constants() -> None:
    assert len(CONSTANTS) > 1000
    assert "/api/auth/me/" in CONSTANTS  # a .py literal
    assert "portfolio.example.com,web" in CONSTANTS  # an .env.example value
    assert "redis-server" in CONSTANTS  # a YAML string


def test_a_token_signed_with_any_repository_constant_is_refused_by_the_api(superuser: Any) -> None:
    client = APIClient()
    genuine = forge_token(superuser, settings.SIMPLE_JWT["SIGNING_KEY"])
    assert client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {genuine}").status_code == 200

    accepted = []
    for constant in CONSTANTS:
        token = forge_token(superuser, constant)
        response = client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
        if response.status_code != 401:
            accepted.append((constant, response.status_code))
    assert accepted == []


async def test_a_token_signed_with_any_repository_constant_is_refused_by_the_websocket_auth(
    superuser: Any,
) -> None:
    async def authenticated(key: str) -> bool:
        scope = {"subprotocols": ["jwt", forge_token(superuser, key)], "query_string": b""}
        return (await session_from_scope(scope)).is_authenticated

    assert await authenticated(settings.SIMPLE_JWT["SIGNING_KEY"])
    assert [constant for constant in CONSTANTS if await authenticated(constant)] == []


KEY_LIKE = [constant for constant in CONSTANTS if len(constant) >= 32 and " " not in constant]


def test_a_refresh_token_signed_with_a_key_like_repository_constant_buys_no_token_pair(
    superuser: Any,
) -> None:
    client = APIClient()
    accepted = []
    for constant in KEY_LIKE:
        forged = forge_token(superuser, constant, kind="refresh")
        response = client.post("/api/auth/token/refresh/", {"refresh": forged}, format="json")
        if response.status_code != 401:
            accepted.append((constant, response.status_code))
    assert accepted == []


async def test_a_stream_refuses_tokens_signed_with_key_like_repository_constants(
    superuser: Any,
) -> None:
    """Through the whole ASGI application: the market stream closes with 4401 for each forgery."""
    assert KEY_LIKE
    for constant in KEY_LIKE:
        client = communicator("/ws/market/", subprotocols=["jwt", forge_token(superuser, constant)])
        assert await client.connect() == (True, "jwt")
        assert await closed_with(client) == 4401, constant
        await client.disconnect()
