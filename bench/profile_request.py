"""Profile warm requests in-process with pyinstrument: where one request's time goes.

    python -m bench.profile_request /healthz /api/auth/me/ --requests 2000 [--token JWT]

The ASGI application (portfolio_site.asgi) is called directly on one event loop, as a uvicorn
worker calls it, ``--requests`` times per path after a warm-up; the profile (pyinstrument's text
view of the middleware chain and view, run on the main thread where it can see them) is printed
per path with the mean microseconds per request, end to end through ASGI and for the chain alone. Needs the Django environment
(DATABASE_URL, REDIS_URL, ...) the server would have; without ``--token`` a token for the first
active user is minted.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import time
from typing import Any


async def _call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    status = 0
    sent = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not sent.is_set():
            sent.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


def _token(username: str) -> str:
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    users = get_user_model().objects.filter(is_active=True)
    user = (users.filter(username=username) if username else users).order_by("pk").first()
    if user is None:
        user = get_user_model().objects.create_user("bench-profile", password=None)
    return str(AccessToken.for_user(user))


async def _time(app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int) -> None:
    for _ in range(50):
        status = await _call(app, path, headers)
    started = time.perf_counter()
    for _ in range(n):
        await _call(app, path, headers)
    elapsed = time.perf_counter() - started
    print(f"== {path}: status {status}, {elapsed / n * 1e6:.0f} us per request (ASGI, unprofiled)")


def _profile_chain(app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int) -> None:
    """The synchronous part (middleware chain + view) on this thread, where pyinstrument sees it."""
    from django.core.handlers.asgi import ASGIRequest
    from pyinstrument import Profiler

    handler = app.application_mapping["http"]
    handler = getattr(handler, "application", handler)  # DEBUG: the static files wrapper
    path, _, query = path.partition("?")
    scope = {
        "type": "http", "method": "GET", "path": path, "query_string": query.encode(),
        "root_path": "", "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    profiler = Profiler(interval=0.0001)
    started = time.perf_counter()
    with profiler:
        for _ in range(n):
            request = ASGIRequest(scope, io.BytesIO(b""))
            handler.get_response(request).close()
    elapsed = time.perf_counter() - started
    print(f"   middleware chain + view: {elapsed / n * 1e6:.0f} us per request (profiled)")
    print(
        profiler.output_text(
            unicode=False, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--token", default="")
    parser.add_argument("--user", default="", help="mint the token for this username")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio_site.settings")
    from portfolio_site.asgi import application

    token = args.token or _token(args.user)
    headers = [(b"authorization", f"Bearer {token}".encode())]
    for path in args.paths:
        asyncio.run(_time(application, path, headers, args.requests))
        _profile_chain(application, path, headers, args.requests)


if __name__ == "__main__":
    main()
