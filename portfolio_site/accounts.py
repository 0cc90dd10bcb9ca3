"""Account services: registration, finding a user by username, password change, refresh-token
revocation and reuse detection.

Usernames follow ``usernames.py``: stored NFKC-normalised, unique ignoring case, no non-Latin
look-alikes of Latin letters; login finds a user in any case. Emails are unique ignoring case.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import jwt
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import Token, UntypedToken

from portfolio_site.errors import Conflict, DomainError
from portfolio_site.usernames import username_lookalikes, username_normalise


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as error:
        raise DomainError(
            "The password is too weak.",
            code="weak_password",
            fields={"password": list(error.messages)},
        ) from None


def user_find(*, username: str) -> User | None:
    """The user a login names: the exact (normalised) username, else the one user equal to it
    ignoring case. None when there is none, or when old accounts clash ignoring case and none is
    exact (registration no longer lets such clashes in)."""
    normalised = username_normalise(username)
    matches = list(get_user_model().objects.filter(username__iexact=normalised)[:2])
    exact = [user for user in matches if user.username == normalised]
    if exact:
        return exact[0]
    return matches[0] if len(matches) == 1 else None


def username_problem(*, username: str, exclude_pk: Any = None) -> DomainError | None:
    """Why ``username`` (normalised) cannot be given to a new or renamed user; None if it can."""
    lookalikes = username_lookalikes(username)
    if lookalikes:
        return DomainError(
            "The username has letters that look Latin but are not.",
            code="username_lookalike",
            fields={
                "username": [
                    f"Use Latin letters instead of look-alikes from other scripts: "
                    f"{', '.join(f'U+{ord(char):04X}' for char in lookalikes)}."
                ]
            },
        )
    taken = get_user_model().objects.filter(username__iexact=username).exclude(pk=exclude_pk)
    if taken.exists():
        return Conflict(
            "That username is taken.",
            code="username_taken",
            fields={"username": ["A user with that username already exists."]},
        )
    return None


def email_problem(*, email: str, exclude_pk: Any = None) -> DomainError | None:
    """A non-empty email already used by another user, ignoring case; None if it is free."""
    taken = get_user_model().objects.filter(email__iexact=email).exclude(pk=exclude_pk)
    if email and taken.exists():
        return Conflict(
            "That email is already registered.",
            code="email_taken",
            fields={"email": ["A user with that email already exists."]},
        )
    return None


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    User = get_user_model()
    username = username_normalise(username)
    email = User.objects.normalize_email(email)
    problem = username_problem(username=username) or email_problem(email=email)
    if problem is not None:
        raise problem
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


FAMILY_CLAIM = "fam"


def _claims(raw: str) -> dict[str, Any]:
    """The payload of a token this server issued (read from the outstanding list, not verified)."""
    try:
        return dict(jwt.decode(raw, options={"verify_signature": False}))
    except jwt.PyJWTError:
        return {}


def refresh_token_start_family(*, token: Token) -> None:
    """Mark a login's refresh token as the first of a new family (kept through every rotation)."""
    token[FAMILY_CLAIM] = uuid.uuid4().hex
    # for_user() listed the token before the claim existed: list what the client really holds.
    OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM]).update(token=str(token))


@transaction.atomic
def refresh_token_family_revoke_on_reuse(*, raw: str) -> int:
    """If ``raw`` is a genuine refresh token that was already rotated or revoked, revoke every live
    token of its family (every token of the user when it has none); returns how many."""
    try:
        # checks the signature and expiry, not the blacklist (the stubs type the argument as Token)
        payload = UntypedToken(cast(Any, raw)).payload
    except TokenError:
        return 0  # forged, expired or garbage: nothing of ours was reused
    jti = payload.get(api_settings.JTI_CLAIM)
    user_id = payload.get(api_settings.USER_ID_CLAIM)
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh" or not jti or not user_id:
        return 0
    if not BlacklistedToken.objects.filter(token__jti=jti).exists():
        return 0
    family = payload.get(FAMILY_CLAIM)
    live = OutstandingToken.objects.filter(
        user_id=user_id,
        expires_at__gt=timezone.now(),
        blacklistedtoken__isnull=True,
    )
    tokens = [
        token
        for token in live
        if family is None or _claims(token.token).get(FAMILY_CLAIM) == family
    ]
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True
    )
    return len(tokens)
