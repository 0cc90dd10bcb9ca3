# ruff: noqa: F811 -- the performance tests' fixtures are imported, then requested by name
"""The benchmark a portfolio remembers for its performance chart (issue #16)."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from market.models import Instrument
from portfolio.models import Portfolio
from tests.portfolio.api_helpers import error_code
from tests.portfolio.test_performance_api import history, invested, performance  # noqa: F401

pytestmark = pytest.mark.django_db


def url(portfolio: Portfolio) -> str:
    return f"/api/portfolios/{portfolio.pk}/"


def test_a_new_portfolio_remembers_vnindex(auth_client: APIClient, portfolio: Portfolio) -> None:
    assert auth_client.get(url(portfolio)).json()["benchmark"] == "VNINDEX"


def test_patch_stores_the_benchmark_in_capitals_and_performance_uses_it(
    auth_client: APIClient, invested: Portfolio, instruments: dict[str, Instrument]
) -> None:
    response = auth_client.patch(url(invested), {"benchmark": " fpt "}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["benchmark"] == "FPT"
    invested.refresh_from_db()
    assert invested.benchmark == "FPT"
    assert performance(auth_client, invested, "?range=1M").json()["benchmark"] == "FPT"
    # an explicit ?benchmark= still wins over the stored choice
    assert (
        performance(auth_client, invested, "?range=1M&benchmark=VNINDEX").json()["benchmark"]
        == "VNINDEX"
    )


@pytest.mark.parametrize("value", ["", "none", "NONE"])
def test_blank_or_none_stores_no_benchmark(
    auth_client: APIClient, invested: Portfolio, value: str
) -> None:
    response = auth_client.patch(url(invested), {"benchmark": value}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["benchmark"] == ""
    assert performance(auth_client, invested, "?range=1M").json()["benchmark"] is None


@pytest.mark.parametrize("value", ["NOPE", "VN-30", "A" * 21])
def test_an_unknown_benchmark_is_refused_with_the_error_body(
    auth_client: APIClient, portfolio: Portfolio, value: str
) -> None:
    response = auth_client.patch(url(portfolio), {"benchmark": value}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["error"]["message"]
    assert "benchmark" in response.json()["error"]["fields"]
    portfolio.refresh_from_db()
    assert portfolio.benchmark == "VNINDEX"


@pytest.mark.parametrize("value", ["NOPE", "VN-30", "%00"])
def test_performance_refuses_an_unknown_benchmark_symbol(
    auth_client: APIClient, invested: Portfolio, value: str
) -> None:
    response = performance(auth_client, invested, f"?range=1M&benchmark={value}")

    assert response.status_code == 400
    assert error_code(response) == "unknown_benchmark"
    assert response.json()["error"]["fields"]["benchmark"]


def test_create_takes_a_benchmark(
    auth_client: APIClient, instruments: dict[str, Instrument], history: list[date]
) -> None:
    response = auth_client.post(
        "/api/portfolios/", {"name": "Second", "benchmark": "vnm"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["benchmark"] == "VNM"
    bad = auth_client.post("/api/portfolios/", {"name": "Third", "benchmark": "XYZ"}, format="json")
    assert bad.status_code == 400
    assert error_code(bad) == "unknown_benchmark"
    assert not Portfolio.objects.filter(name="Third").exists()
