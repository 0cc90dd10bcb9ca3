"""Fixtures of the security tests: the API schema, a victim and an attacker with data, rate limits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from market.models import CorporateEvent, Instrument
from portfolio import services
from portfolio.models import Alert, Entitlement, Portfolio, Transaction, WatchlistItem
from portfolio.services.entitlements import entitlements_sync
from tests.factories import UserFactory
from tests.portfolio.factories import IndexFactory, InstrumentFactory
from tests.security.limits import rate_limits_enabled

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def rate_limits(settings):  # type: ignore[no-untyped-def]
    with rate_limits_enabled(settings) as limits:
        yield limits


@pytest.fixture(scope="session")
def api_schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def schema_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def needs_login(operation: dict[str, Any]) -> bool:
    security = operation.get("security") or []
    return bool(security) and {} not in security


def bearer(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=authorization(user))
    return client


def authorization(user: Any) -> str:
    return f"Bearer {RefreshToken.for_user(user).access_token}"


@dataclass
class Account:
    user: Any
    client: APIClient
    portfolio: Portfolio
    transaction: Transaction
    alert: Alert
    watched: str
    entitlement: Entitlement
    markers: list[str] = field(default_factory=list)

    def ids(self) -> dict[str, Any]:
        """The value to put after each collection segment of a URL."""
        return {
            "portfolios": self.portfolio.pk,
            "transactions": self.transaction.pk,
            "alerts": self.alert.pk,
            "watchlist": self.watched,
            "entitlements": self.entitlement.pk,
        }

    def state(self) -> dict[str, Any]:
        """Everything the account owns, to compare before and after an attack."""
        user = get_user_model().objects.filter(pk=self.user.pk)
        return {
            "user": list(user.values("username", "email", "is_staff", "is_superuser", "is_active")),
            "portfolios": list(Portfolio.objects.filter(owner=self.user).order_by("pk").values()),
            "transactions": list(
                Transaction.objects.filter(portfolio__owner=self.user).order_by("pk").values()
            ),
            "alerts": list(Alert.objects.filter(user=self.user).order_by("pk").values()),
            "watchlist": list(WatchlistItem.objects.filter(user=self.user).order_by("pk").values()),
            "entitlements": list(
                Entitlement.objects.filter(portfolio__owner=self.user).order_by("pk").values()
            ),
        }


@dataclass
class World:
    victim: Account
    attacker: Account


def _account(*, watched: str, amount: int, threshold: int) -> Account:
    tag = uuid.uuid4().hex[:10]
    user = UserFactory(username=f"user-{tag}")
    portfolio = services.portfolio_create(
        owner=user, name=f"Portfolio {tag}", description=f"secret plans {tag}"
    )
    deposit = services.transaction_record(
        portfolio=portfolio,
        kind="DEPOSIT",
        amount=Decimal(amount),
        trade_date=date(2025, 3, 3),
        note=f"note {tag}",
    )
    alert = services.alert_create(
        user=user, symbol="FPT", condition="above", threshold=Decimal(threshold)
    )
    services.watchlist_add(user=user, symbol=watched)
    # A due cash dividend: 10 FPT held before the ex-date.
    services.transaction_record(
        portfolio=portfolio,
        kind="BUY",
        symbol="FPT",
        quantity=10,
        price=Decimal(100_000),
        trade_date=date(2025, 3, 4),
    )
    CorporateEvent.objects.get_or_create(
        instrument=Instrument.objects.get(symbol="FPT"),
        kind="cash_dividend",
        ex_date=date(2025, 3, 10),
        source="manual",
        defaults={"payment_date": date(2025, 4, 1), "cash_per_share": Decimal(2_000)},
    )
    (entitlement,) = entitlements_sync(portfolio=portfolio, today=date(2025, 4, 2))
    markers = [tag, str(amount), str(threshold), user.email]
    return Account(user, bearer(user), portfolio, deposit, alert, watched, entitlement, markers)


@pytest.fixture
def world(db: Any) -> World:
    instruments: list[Instrument] = [
        InstrumentFactory(symbol=symbol) for symbol in ("FPT", "VNM", "HPG", "MWG")
    ]
    IndexFactory()
    assert instruments
    return World(
        victim=_account(watched="VNM", amount=7_777_777, threshold=123_457),
        attacker=_account(watched="HPG", amount=555_555_555, threshold=98_765),
    )
