"""Auth endpoints: register, token pair, refresh (rotating), logout, me, password change."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
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


class RegisterSerializer(StrictSerializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": "Letters, digits and @/./+/-/_ only."},
    )
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False)


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
    pass


class StrictTokenRefreshSerializer(RejectUnknownFieldsMixin, TokenRefreshSerializer):
    pass


_TOKEN_PAIR = inline_serializer(
    "TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()}
)


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_scope = "auth"

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = accounts.user_register(**body.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(TokenObtainPairView):
    serializer_class = StrictTokenObtainPairSerializer
    throttle_scope = "auth"

    @extend_schema(tags=["auth"], responses={200: _TOKEN_PAIR})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class TokenRefresh(TokenRefreshView):
    serializer_class = StrictTokenRefreshSerializer
    throttle_scope = "auth"

    @extend_schema(tags=["auth"], responses={200: _TOKEN_PAIR})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    """Blacklist the given refresh token (the access token simply expires)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_scope = "auth"

    @extend_schema(request=RefreshBodySerializer, responses={205: None}, tags=["auth"])
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

    @extend_schema(responses={200: UserSerializer}, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "auth"

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={
            200: inline_serializer(
                "PasswordChanged", {"revoked_tokens": serializers.IntegerField()}
            )
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = cast(User, request.user)
        revoked = accounts.user_change_password(user=user, **body.validated_data)
        return Response({"revoked_tokens": revoked})
