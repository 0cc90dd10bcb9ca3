"""What ``make run`` prints last: the addresses and accounts, once the API and the client answer."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from portfolio_site.devstack_banner import Banner, announce_when_ready, answers, credentials

SEED_OUTPUT = [
    "  admin  password: s3cret-admin\n",
    "  demo   password: s3cret-demo\n",
    "market: 40 instruments, 730 days of history\n",
]


def test_the_accounts_come_from_the_seed_output() -> None:
    assert credentials(SEED_OUTPUT) == {"admin": "s3cret-admin", "demo": "s3cret-demo"}


def test_the_banner_waits_for_the_api_and_the_client_then_prints_once_at_the_end() -> None:
    # Given an API ready after 3 checks and a client that builds for 6
    calls: dict[str, int] = {}
    printed: list[str] = []

    def check(url: str) -> bool:
        calls[url] = calls.get(url, 0) + 1
        printed.append(f"(checked {url})")
        return calls[url] > (3 if url.endswith("/readyz") else 6)

    banner = Banner(api="http://127.0.0.1:8000", client="http://127.0.0.1:3000/")
    banner.accounts = credentials(SEED_OUTPUT)
    # When the announcer runs
    assert announce_when_ready(banner, say=printed.append, check=check, interval=0)
    # Then the banner comes after every check, once, with the addresses and both accounts
    first = printed.index(banner.lines()[0])
    assert all(line.startswith("(checked") for line in printed[:first])
    assert printed[first:] == banner.lines()
    text = "\n".join(printed[first:])
    for expected in (
        "Web app:    http://127.0.0.1:3000/",
        "Admin:      http://127.0.0.1:8000/admin/",
        "API:        http://127.0.0.1:8000/api/",
        "admin       password: s3cret-admin",
        "demo        password: s3cret-demo",
    ):
        assert expected in text
    assert calls["http://127.0.0.1:8000/readyz"] == 4  # no more checks once it answered


def test_without_a_client_the_banner_waits_for_the_api_only() -> None:
    printed: list[str] = []
    banner = Banner(api="http://127.0.0.1:8000", client=None)
    assert announce_when_ready(banner, say=printed.append, check=lambda url: True, interval=0)
    assert "Web app" not in "\n".join(printed)


def test_a_client_that_never_answers_gets_a_note_and_the_rest_is_printed() -> None:
    printed: list[str] = []
    banner = Banner(api="http://127.0.0.1:8000", client="http://127.0.0.1:3000/")
    assert announce_when_ready(
        banner, say=printed.append, check=lambda url: "readyz" in url, interval=0, patience=0
    )
    assert (
        printed[0] == "the web client did not answer at http://127.0.0.1:3000/; see its log above"
    )
    assert "  Admin:      http://127.0.0.1:8000/admin/" in printed


def test_nothing_is_printed_while_the_api_is_down() -> None:
    printed: list[str] = []
    banner = Banner(api="http://127.0.0.1:8000", client=None)
    assert not announce_when_ready(
        banner, say=printed.append, check=lambda url: False, interval=0, patience=0
    )
    assert printed == []


class Replies(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(int(self.path.strip("/")))
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Replies)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_server_answers_below_500(server: str) -> None:
    assert answers(f"{server}/200")
    assert answers(f"{server}/404")
    assert not answers(f"{server}/503")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    assert not answers(f"http://127.0.0.1:{closed}/")
