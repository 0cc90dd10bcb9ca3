"""Which websocket handshakes may reach the consumers, judged by their ``Origin`` header.

Browsers always send ``Origin`` on a websocket handshake, and a page on a foreign site must not open
a stream with the visitor's credentials (cross-site websocket hijacking): a browser's ``Origin``
must name one of ``ALLOWED_HOSTS`` (channels' ``AllowedHostsOriginValidator``), else the handshake is
refused (HTTP 403).

Native apps and scripts send no ``Origin``. They carry no ambient browser credentials for a
foreign page to borrow, so they are let through -- but marked (``scope["origin_absent"]``) and the
consumers then require credentials (a JWT or a ticket) even on the market stream, closing an
anonymous one with 4401.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import AllowedHostsOriginValidator

ORIGIN_ABSENT = "origin_absent"


class BrowserOriginValidator:
    """ASGI middleware: a foreign ``Origin`` is refused; no ``Origin`` passes, marked."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.validated = AllowedHostsOriginValidator(application)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = scope.get("headers") or []
        if scope["type"] == "websocket" and not any(name == b"origin" for name, _ in headers):
            return await self.application({**scope, ORIGIN_ABSENT: True}, receive, send)
        return await self.validated(scope, receive, send)
