"""Real client addresses behind the web client's server (issue 14, item 2).

The web client's Node server proxies ``/api`` and ``/ws`` to Django, so Django's socket peer is that
server for every user. Here the real proxy (``frontend/proxy.mjs``) runs in front of the real web tier
(gunicorn + uvicorn workers, as the Procfile runs it; no proxy headers) that trusts it (as ``make run`` configures), and clients bind to different loopback addresses: each
must be counted under its own address, and a forged ``X-Forwarded-For`` must change nothing.

The proxy runs twice: alone (``frontend/scripts/proxy-server.mjs``, no build needed) and, when
``frontend/.next`` holds a production build (``make frontend``), as the full ``server.mjs`` with the
Next.js pages, where the ``/api/session/*`` handlers' own calls to Django and the pages' security
headers are checked too.

Needs ``node`` (20.9+) and the test Redis (``make test`` starts one); SQLite is enough.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from portfolio_site.devstack import web_client_env
from tests.e2e.conftest import BASE_DIR, BIN, free_port, wait_for
from tests.e2e.conftest import _stop as stop

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PASSWORD = "e2e-proxy-password-5d2a"
AUTH_LIMIT = 3
CONNECT_LIMIT = 3


@dataclass
class ProxiedStack:
    proxy_port: int
    server: str  # "proxy" (proxy-server.mjs) or "next" (server.mjs with the built pages)

    def request(
        self, method: str, path: str, *, source: str, body: Any = None, forged: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request through the client's server from ``source``: status, headers, body."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.proxy_port, timeout=30, source_address=(source, 0)
        )
        headers = {"Content-Type": "application/json"}
        if forged:
            headers["X-Forwarded-For"] = forged
        try:
            data = None if body is None else json.dumps(body)
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def login(
        self,
        *,
        source: str,
        username: str,
        password: str,
        forged: str | None = None,
        path: str = "/api/auth/token/",
    ) -> int:
        """Log in through the client's server from ``source``; the status code."""
        body = {"username": username, "password": password}
        return self.request("POST", path, source=source, body=body, forged=forged)[0]

    async def market_socket(self, *, source: str, forged: str | None = None) -> str:
        """Open /ws/market/ through the proxy from ``source`` and subscribe: "open" when Django
        answered the subscription, "rate_limited" when it closed the socket with 4429."""
        headers = {"X-Forwarded-For": forged} if forged else None
        ws = await connect(
            f"ws://127.0.0.1:{self.proxy_port}/ws/market/",
            origin=f"http://127.0.0.1:{self.proxy_port}",  # type: ignore[arg-type]
            additional_headers=headers,
            local_addr=(source, 0),
            open_timeout=20,
        )
        try:
            await ws.send(json.dumps({"action": "subscribe", "symbols": ["FPT"]}))
            async with asyncio.timeout(20):
                json.loads(await ws.recv())
            return "open"
        except ConnectionClosed as closed:
            return "rate_limited" if closed.rcvd and closed.rcvd.code == 4429 else repr(closed)
        finally:
            await ws.close()


def _node() -> str | None:
    node = shutil.which("node")
    if node is None:
        return None
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    major, minor = (int(part) for part in version.lstrip("v").split(".")[:2])
    return node if (major, minor) >= (20, 9) else None


FRONTEND = Path(BASE_DIR) / "frontend"


@pytest.fixture(scope="module", params=["proxy", "next"])
def proxied(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProxiedStack]:
    node = _node()
    if node is None:
        pytest.skip("needs Node.js 20.9+ for the web client's proxy")
    server = request.param
    if server == "next" and not (FRONTEND / ".next" / "BUILD_ID").exists():
        pytest.skip("no production build of the web client (make frontend builds one)")
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (make test starts a private Redis)")
    root = tmp_path_factory.mktemp("proxied")
    web_port, proxy_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "TEST_DB", "DATABASE_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{root / 'db.sqlite3'}",
        REDIS_KEY_PREFIX=f"e2e-proxy-{server}-{os.getpid()}",
        VAR_DIR=str(root / "var"),
        HOME=str(root),
        MARKET_DATA_PROVIDER="simulated",
        RATE_LIMIT_ENABLED="1",
        RATE_LIMIT_AUTH=f"{AUTH_LIMIT}/min",
        WS_CONNECT_LIMIT=str(CONNECT_LIMIT),
        DJANGO_SUPERUSER_USERNAME="alice",
        DJANGO_SUPERUSER_EMAIL="alice@example.com",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        PYTHONUNBUFFERED="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    # BACKEND_URL for the proxy and TRUSTED_PROXIES for the web tier, exactly as make run sets them
    env.update(web_client_env(web_host="127.0.0.1", web_port=str(web_port)))
    logs = root / "logs"
    logs.mkdir()
    for step in (["migrate", "--noinput", "-v0"], ["createsuperuser", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *step], cwd=BASE_DIR, env=env, check=True, timeout=300,
            stdout=(logs / "setup.log").open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
    processes: dict[str, subprocess.Popen[bytes]] = {}

    def spawn(name: str, command: list[str], extra: dict[str, str]) -> None:
        processes[name] = subprocess.Popen(
            command, cwd=BASE_DIR, env={**env, **extra}, stdout=(logs / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    try:
        spawn(
            "web",
            [str(BIN / "gunicorn"), "-c", "python:portfolio_site.web_tier",
             "--bind", f"127.0.0.1:{web_port}", "--workers", "2",
             "portfolio_site.asgi:application"],
            {},
        )  # fmt: skip
        script = FRONTEND / ("server.mjs" if server == "next" else "scripts/proxy-server.mjs")
        spawn(
            "proxy",
            [node, str(script)],
            {"FRONTEND_PORT": str(proxy_port), "NODE_ENV": "production"},
        )
        wait_for(
            "/readyz through the proxy",
            lambda: (
                urllib.request.urlopen(f"http://127.0.0.1:{proxy_port}/readyz", timeout=2).status
                == 200
            ),
            timeout=90,
            processes=processes,
            logs=logs,
        )
        yield ProxiedStack(proxy_port=proxy_port, server=server)
    finally:
        for process in processes.values():
            stop(process)


def spray(stack: ProxiedStack, *, source: str, forged: str | None = None) -> list[int]:
    """Wrong passwords for made-up usernames (so no per-username bucket is involved) until 429."""
    statuses = []
    for attempt in range(AUTH_LIMIT + 2):
        status = stack.login(
            source=source, username=f"guess-{source}-{attempt}", password="wrong", forged=forged
        )
        statuses.append(status)
        if status == 429:
            break
    return statuses


def test_two_clients_through_the_client_server_have_separate_login_buckets(
    proxied: ProxiedStack,
) -> None:
    assert spray(proxied, source="127.0.0.2")[-1] == 429

    victim = proxied.login(source="127.0.0.3", username="alice", password=PASSWORD)

    assert victim == 200


def test_a_forged_forwarded_for_neither_escapes_nor_moves_the_login_bucket(
    proxied: ProxiedStack,
) -> None:
    # The attacker names the victim's address in X-Forwarded-For while spraying...
    assert spray(proxied, source="127.0.0.4", forged="127.0.0.5")[-1] == 429
    # ...and, once refused, claims yet another address.
    assert (
        proxied.login(source="127.0.0.4", username="alice", password=PASSWORD, forged="192.0.2.9")
        == 429
    )
    # The victim at the forged address was never counted.
    assert proxied.login(source="127.0.0.5", username="alice", password=PASSWORD) == 200


def test_a_client_on_the_client_servers_own_host_cannot_choose_its_bucket(
    proxied: ProxiedStack,
) -> None:
    # 127.0.0.1 is the web client's server itself, which Django trusts: a browser on that machine
    # must still be counted as 127.0.0.1, whatever address it writes in X-Forwarded-For.
    statuses = [
        proxied.login(
            source="127.0.0.1", username=f"local-{attempt}", password="wrong",
            forged=f"192.0.2.{attempt + 20}",
        )
        for attempt in range(AUTH_LIMIT + 1)
    ]  # fmt: skip

    assert statuses[-1] == 429, statuses


async def test_two_clients_through_the_client_server_have_separate_websocket_buckets(
    proxied: ProxiedStack,
) -> None:
    opened = [
        await proxied.market_socket(source="127.0.0.6", forged="127.0.0.7")
        for _ in range(CONNECT_LIMIT)
    ]
    assert opened == ["open"] * CONNECT_LIMIT
    assert await proxied.market_socket(source="127.0.0.6", forged="192.0.2.10") == "rate_limited"

    assert await proxied.market_socket(source="127.0.0.7") == "open"


def needs_pages(stack: ProxiedStack) -> None:
    if stack.server != "next":
        pytest.skip("the session handlers and pages run in server.mjs only")


def test_the_session_login_handler_counts_each_client_under_its_own_address(
    proxied: ProxiedStack,
) -> None:
    needs_pages(proxied)
    statuses = []
    for attempt in range(AUTH_LIMIT + 2):
        statuses.append(
            proxied.login(
                source="127.0.0.8", username=f"session-guess-{attempt}", password="wrong",
                forged=f"192.0.2.{attempt + 40}", path="/api/session/login",
            )
        )  # fmt: skip
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429, statuses

    victim = proxied.login(
        source="127.0.0.9", username="alice", password=PASSWORD, path="/api/session/login"
    )

    assert victim == 200


@pytest.mark.parametrize("path", ["/", "/login", "/portfolio"])
def test_the_client_pages_send_security_headers_their_scripts_satisfy(
    proxied: ProxiedStack, path: str
) -> None:
    needs_pages(proxied)
    status, headers, body = proxied.request("GET", path, source="127.0.0.10")

    assert status == 200
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # plain HTTP: HSTS only over HTTPS
    policy = dict(
        [*directive.split(" ", 1), ""][:2]
        for directive in (part.strip() for part in headers["content-security-policy"].split(";"))
    )
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert f"ws://127.0.0.1:{proxied.proxy_port}" in policy["connect-src"].split()
    nonces = re.findall(r"'nonce-([A-Za-z0-9+/=]+)'", policy["script-src"])
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in policy["script-src"]
    scripts = re.findall(rb"<script\b[^>]*>", body)
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonces[0]}"'.encode() in tag, tag


def test_each_page_load_gets_a_fresh_nonce(proxied: ProxiedStack) -> None:
    needs_pages(proxied)
    policies = {
        proxied.request("GET", "/login", source="127.0.0.10")[1]["content-security-policy"]
        for _ in range(2)
    }
    assert len(policies) == 2
