"""Issue #14 item 7b: every error under /api/ is the JSON error body, including the ones Django
answered itself (an unknown path, a body too large) and an error of the CSV export."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.security.conftest import World

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024


def assert_error_body(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/nothing-here/"),
        ("get", "/api/nothing-here"),
        ("post", "/api/portfolios/1/nothing/"),
        ("get", "/api/market/no-such-thing/"),
        ("delete", "/api/"),
    ],
)
def test_an_unknown_api_path_is_a_json_404_even_with_debug(
    settings: Any, world: World, method: str, path: str
) -> None:
    settings.DEBUG = True

    response = getattr(world.attacker.client, method)(path)

    assert_error_body(response, 404, "not_found")


def test_a_known_path_without_its_slash_still_redirects_a_get(world: World) -> None:
    response = world.attacker.client.get("/api/portfolios?page=1")
    posted = world.attacker.client.post("/api/portfolios", {"name": "x"}, format="json")

    assert response.status_code == 301
    assert response["Location"] == "/api/portfolios/?page=1"
    assert_error_body(posted, 404, "not_found")
    assert "/api/portfolios/" in posted.json()["error"]["message"]


def test_a_ten_megabyte_body_is_a_json_413_for_anonymous_callers() -> None:
    body = b'{"username": "' + b"a" * TEN_MB + b'", "password": "x"}'

    response = APIClient().post("/api/auth/token/", body, content_type="application/json")

    assert_error_body(response, 413, "request_too_large")


def test_a_ten_megabyte_body_is_a_json_413_on_an_authenticated_write(world: World) -> None:
    body = b'{"name": "' + b"a" * TEN_MB + b'"}'

    response = world.attacker.client.post("/api/portfolios/", body, content_type="application/json")

    assert_error_body(response, 413, "request_too_large")


def test_too_many_form_fields_are_a_json_400(settings: Any, world: World) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"field{i}": "x" for i in range(20)}

    response = world.attacker.client.post(
        f"/api/portfolios/{world.attacker.portfolio.pk}/import/", fields, format="multipart"
    )

    assert_error_body(response, 400, "bad_request")


def test_a_csv_export_error_is_the_json_error_body(world: World) -> None:
    others = world.victim.portfolio.pk

    response = world.attacker.client.get(f"/api/portfolios/{others}/export/?format=csv")

    assert_error_body(response, 404, "not_found")
    assert "Content-Disposition" not in response


def test_a_csv_export_still_is_csv(world: World) -> None:
    mine = world.attacker.portfolio.pk

    response = world.attacker.client.get(f"/api/portfolios/{mine}/export/?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"date,kind,symbol")


def test_unknown_api_paths_stay_rate_limited(rate_limits: Any) -> None:
    rate_limits.set(default="1/min")
    client = APIClient()

    first = client.get("/api/nothing-here/")
    second = client.get("/api/nothing-there/")

    assert_error_body(first, 404, "not_found")
    assert first["X-RateLimit-Limit"] == "1"
    assert_error_body(second, 429, "throttled")
