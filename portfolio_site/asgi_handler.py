"""Django's ASGI handler with the middleware chain run synchronously, in one hop to a thread.

Django's own ``ASGIHandler`` builds the chain in async mode. Our two middlewares are synchronous
(``SecurityHeadersMiddleware``, ``RateLimitMiddleware``: their Redis client is synchronous), and the
views are DRF's synchronous views, so a request crossed between the event loop and the worker
thread three times: into the thread for the outer synchronous middlewares, back to the loop
(``async_to_sync``) for the async-capable inner ones, into the thread again for the view. Each
crossing is a future, a context copy and a thread wake-up: profiled (pyinstrument, README
"Performance"), they were most of what ``/healthz`` cost.

Here the chain is loaded in sync mode (as under WSGI) and the whole of it runs in one
``sync_to_async`` call on the same thread-sensitive executor Django uses; reading the body, sending
the response and the disconnect watch stay Django's (``ASGIHandler.handle``).
"""

from __future__ import annotations

from typing import Any

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)
        self._get_response_in_thread = sync_to_async(self.get_response, thread_sensitive=True)

    async def get_response_async(self, request: Any) -> Any:
        return await self._get_response_in_thread(request)


def get_asgi_application() -> SyncChainASGIHandler:
    """``django.core.asgi.get_asgi_application`` with this handler."""
    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
