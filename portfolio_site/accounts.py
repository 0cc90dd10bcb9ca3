"""Account services: registration, password change, refresh-token revocation."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from portfolio_site.errors import Conflict, DomainError


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise DomainError(
            "The password is too weak.",
            code="weak_password",
            fields={"password": list(error.messages)},
        ) from None


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            "That username is taken.",
            code="username_taken",
            fields={"username": ["A user with that username already exists."]},
        )
    user = User(username=username, email=email)
    _validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(
            "That username is taken.",
            code="username_taken",
            fields={"username": ["A user with that username already exists."]},
        ) from None
    return user


def user_revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every outstanding, unexpired refresh token of ``user``; returns how many."""
    outstanding = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now()).exclude(
        blacklistedtoken__isnull=False
    )
    tokens = list(outstanding)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True
    )
    return len(tokens)


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> int:
    if not user.check_password(old_password):
        raise DomainError(
            "The current password is wrong.",
            code="wrong_password",
            fields={"old_password": ["The current password is wrong."]},
        )
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user_revoke_refresh_tokens(user=user)
