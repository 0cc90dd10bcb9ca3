"""Auth endpoints: register, token pair, refresh (rotating), logout, me, password change."""

from __future__ import annotations

import re
from typing import Any, cast

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from portfolio_site import accounts
from portfolio_site.api_serializers import RejectUnknownFieldsMixin, StrictSerializer
from portfolio_site.openapi import error_response
from portfolio_site.usernames import username_normalise

USERNAME_PATTERN = r"^[\w.@+-]+\Z"
USERNAME_CHARACTERS = "Letters, digits and @/./+/-/_ only."


class RegisterSerializer(StrictSerializer):
    username = serializers.RegexField(
        USERNAME_PATTERN,
        max_length=150,
        error_messages={"invalid": USERNAME_CHARACTERS},
        help_text=(
            "Stored NFKC-normalised; unique ignoring case; letters from other scripts that look "
            "Latin (a Cyrillic 'a' in 'admin') are refused. Login accepts any case."
        ),
    )
    email = serializers.EmailField(help_text="Unique ignoring case.")
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)

    def validate_username(self, value: str) -> str:
        """Check the stored form too: NFKC can lengthen a name or change its characters."""
        normalised = username_normalise(value)
        if len(normalised) > 150:
            raise serializers.ValidationError("Ensure this field has no more than 150 characters.")
        if not re.match(USERNAME_PATTERN, normalised):
            raise serializers.ValidationError(USERNAME_CHARACTERS)
        return normalised


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    is_staff = serializers.BooleanField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)


class RefreshBodySerializer(StrictSerializer):
    refresh = serializers.CharField()


class PasswordChangeSerializer(StrictSerializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class StrictTokenObtainPairSerializer(RejectUnknownFieldsMixin, TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user: Any) -> Any:
        token = super().get_token(user)
        accounts.refresh_token_start_family(token=token)
        return token


class StrictTokenRefreshSerializer(RejectUnknownFieldsMixin, TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        try:
            return super().validate(attrs)
        except TokenError:
            # A rotated (blacklisted) token presented again was stolen or replayed: its family goes.
            accounts.refresh_token_family_revoke_on_reuse(raw=attrs["refresh"])
            raise
        except User.DoesNotExist:  # the token outlived its (deleted) user: 401, not a 500
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from None


_TOKEN_PAIR = inline_serializer(
    "TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()}
)
_TOKEN_PAIR_EXAMPLE = OpenApiExample(
    "tokens",
    value={"access": "eyJhbGciOiJIUzI1NiIs...", "refresh": "eyJhbGciOiJIUzI1NiIs..."},
    response_only=True,
)
_USER_EXAMPLE = OpenApiExample(
    "user",
    value={
        "id": 7,
        "username": "lan",
        "email": "lan@example.com",
        "is_staff": False,
        "date_joined": "2026-01-05T02:30:00Z",
    },
    response_only=True,
)
_INVALID = error_response(
    "The body has unknown fields or the wrong shape.",
    code="invalid",
    message="This field is required.",
    fields={"refresh": ["This field is required."]},
)
_BAD_TOKEN = error_response(
    "The refresh token is invalid, expired or revoked.",
    code="token_not_valid",
    message="Token is blacklisted",
)


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_scope = "auth"

    @extend_schema(
        summary="Create an account",
        request=RegisterSerializer,
        responses={
            201: UserSerializer,
            400: error_response(
                "Invalid input, a username with look-alike letters (username_lookalike) or a weak "
                "password.",
                code="weak_password",
                message="The password is too weak.",
                fields={"password": ["This password is too common."]},
            ),
            409: error_response(
                "The username (ignoring case) or the email (ignoring case) is taken.",
                code="username_taken",
                message="That username is taken.",
            ),
        },
        examples=[
            OpenApiExample(
                "register",
                value={"username": "lan", "email": "lan@example.com", "password": "S0ng-Hong!"},
                request_only=True,
            ),
            _USER_EXAMPLE,
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = accounts.user_register(**body.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    serializer_class = StrictTokenObtainPairSerializer
    throttle_scope = "auth"
    judges_passwords = True  # a failed login (401) counts toward the username's ceiling

    @extend_schema(
        summary="Log in: exchange username and password for an access and a refresh token",
        tags=["auth"],
        responses={
            200: _TOKEN_PAIR,
            400: _INVALID,
            401: error_response(
                "Wrong username or password, or an inactive account.",
                code="no_active_account",
                message="No active account found with the given credentials",
            ),
        },
        examples=[
            OpenApiExample(
                "login", value={"username": "lan", "password": "S0ng-Hong!"}, request_only=True
            ),
            _TOKEN_PAIR_EXAMPLE,
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class TokenRefresh(TokenRefreshView):
    serializer_class = StrictTokenRefreshSerializer
    throttle_scope = "auth"

    @extend_schema(
        summary="Rotate a refresh token into a new token pair (the old one is revoked)",
        tags=["auth"],
        responses={200: _TOKEN_PAIR, 400: _INVALID, 401: _BAD_TOKEN},
        examples=[
            OpenApiExample(
                "refresh", value={"refresh": "eyJhbGciOiJIUzI1NiIs..."}, request_only=True
            ),
            _TOKEN_PAIR_EXAMPLE,
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    """Blacklist the given refresh token (the access token simply expires)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_scope = "auth"

    @extend_schema(
        summary="Log out: revoke a refresh token",
        request=RefreshBodySerializer,
        responses={205: None, 400: _INVALID},
        examples=[
            OpenApiExample(
                "logout", value={"refresh": "eyJhbGciOiJIUzI1NiIs..."}, request_only=True
            )
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        body = RefreshBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            RefreshToken(body.validated_data["refresh"]).blacklist()
        except TokenError as error:
            raise serializers.ValidationError({"refresh": [str(error)]}) from None
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "portfolio_read"

    @extend_schema(
        summary="The logged-in user",
        responses={200: UserSerializer},
        examples=[_USER_EXAMPLE],
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "auth"

    @extend_schema(
        summary="Change the password; every refresh token of the user is revoked",
        request=PasswordChangeSerializer,
        responses={
            200: inline_serializer(
                "PasswordChanged", {"revoked_tokens": serializers.IntegerField()}
            ),
            400: error_response(
                "The current password is wrong or the new one is weak.",
                code="wrong_password",
                message="The current password is wrong.",
                fields={"old_password": ["The current password is wrong."]},
            ),
        },
        examples=[
            OpenApiExample(
                "change",
                value={"old_password": "S0ng-Hong!", "new_password": "Ha-Long-Bay-2026!"},
                request_only=True,
            ),
            OpenApiExample("changed", value={"revoked_tokens": 2}, response_only=True),
        ],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = cast(User, request.user)
        revoked = accounts.user_change_password(user=user, **body.validated_data)
        return Response({"revoked_tokens": revoked})
