"""The authentication backend: Django's ModelBackend, finding the user as registration compares names.

``DEMO`` or ``demo`` in full-width letters logs in as ``demo`` (``accounts.user_find``: NFKC, any
case). Used by every password login: the API's token endpoint and the admin's login page.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from portfolio_site import accounts


class UsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if isinstance(username, str):
            user = accounts.user_find(username=username)
            if user is not None:
                username = user.get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )
