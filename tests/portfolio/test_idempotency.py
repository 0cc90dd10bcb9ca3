"""Idempotency-Key on POST: replay, reuse with another payload, per-user keys, refused requests."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from portfolio.models import IdempotencyKey, Portfolio
from tests.portfolio.api_helpers import error_code, transactions_url

pytestmark = pytest.mark.django_db

DEPOSIT = {"kind": "DEPOSIT", "amount": "10000000", "trade_date": "2025-03-03"}


def post(client: APIClient, url: str, body: dict[str, Any], key: str | None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, format="json", **headers)


def test_same_key_and_payload_replays_without_a_second_row(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    url = transactions_url(portfolio)

    first = post(auth_client, url, DEPOSIT, "k-1")
    second = post(auth_client, url, DEPOSIT, "k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert portfolio.transactions.count() == 1


def test_same_key_with_another_payload_is_422(auth_client: APIClient, portfolio: Portfolio) -> None:
    url = transactions_url(portfolio)
    post(auth_client, url, DEPOSIT, "k-1")

    reused = post(auth_client, url, {**DEPOSIT, "amount": "20000000"}, "k-1")

    assert reused.status_code == 422
    assert error_code(reused) == "idempotency_key_reused"
    assert portfolio.transactions.count() == 1


def test_without_a_key_every_post_is_a_new_row(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    url = transactions_url(portfolio)

    post(auth_client, url, DEPOSIT, None)
    post(auth_client, url, DEPOSIT, None)

    assert portfolio.transactions.count() == 2


def test_keys_belong_to_one_user_and_one_path(
    auth_client: APIClient, other_client: APIClient, portfolio: Portfolio
) -> None:
    theirs = post(other_client, "/api/portfolios/", {"name": "Theirs"}, "shared")
    mine = post(auth_client, "/api/portfolios/", {"name": "Mine"}, "shared")
    deposit = post(auth_client, transactions_url(portfolio), DEPOSIT, "shared")

    assert theirs.status_code == mine.status_code == deposit.status_code == 201
    assert mine.json()["name"] == "Mine"
    assert IdempotencyKey.objects.count() == 3


def test_a_refused_request_does_not_burn_its_key(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    url = transactions_url(portfolio)
    oversized = {"kind": "WITHDRAWAL", "amount": "10000000", "trade_date": "2025-03-03"}

    refused = post(auth_client, url, oversized, "k-2")
    fixed = post(auth_client, url, DEPOSIT, "k-2")

    assert refused.status_code == 422
    assert fixed.status_code == 201
    assert IdempotencyKey.objects.get(key="k-2").response_status == 201


def test_an_overlong_key_is_400(auth_client: APIClient, portfolio: Portfolio) -> None:
    response = post(auth_client, transactions_url(portfolio), DEPOSIT, "x" * 300)

    assert response.status_code == 400
    assert error_code(response) == "invalid_idempotency_key"
    assert portfolio.transactions.count() == 0


def test_import_with_a_key_replays_the_result(auth_client: APIClient, portfolio: Portfolio) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = b"date,kind,amount\n2025-03-03,DEPOSIT,5000000\n"
    url = f"/api/portfolios/{portfolio.pk}/import/"

    def upload(content: bytes) -> Any:
        return auth_client.post(
            url,
            {"file": SimpleUploadedFile("t.csv", content, content_type="text/csv")},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="imp-1",
        )

    first = upload(csv)
    again = upload(csv)
    other = upload(csv.replace(b"5000000", b"6000000"))

    assert first.status_code == again.status_code == 201
    assert (
        again.json()
        == first.json()
        == {
            "dry_run": False,
            "rows": 1,
            "created": 1,
            "skipped": 0,
            "ignored_columns": [],
        }
    )
    assert other.status_code == 422
    assert portfolio.transactions.count() == 1


def test_expired_keys_are_purged_and_no_longer_replay(
    auth_client: APIClient, portfolio: Portfolio
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from portfolio.tasks import purge_idempotency_keys

    url = transactions_url(portfolio)
    post(auth_client, url, DEPOSIT, "old")
    post(auth_client, url, DEPOSIT, "recent")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))

    reused_after_expiry = post(auth_client, url, {**DEPOSIT, "amount": "1"}, "old")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))
    purged = purge_idempotency_keys()

    assert reused_after_expiry.status_code == 201
    assert purged == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
