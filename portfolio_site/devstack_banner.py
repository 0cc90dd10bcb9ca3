"""What ``make run`` prints last: where to click and how to sign in, once the API and the web
client both answer (the client's first start runs ``npm ci`` and a build, minutes later than the
API). Printed once, after the processes' start-up noise, so it is the last thing on the screen.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

CREDENTIAL_LINE = re.compile(r"^\s+(?P<user>\w+)\s+password: (?P<password>.+)$")
RULE = "-" * 72


@dataclass
class Banner:
    api: str  # http://host:port
    client: str | None  # http://host:port/ of the web client, None when it does not run
    accounts: dict[str, str] = field(default_factory=dict)  # username -> password (or a note)

    def lines(self) -> list[str]:
        lines = [RULE, "Ready. Open the web app and sign in as demo (or the admin as admin):"]
        if self.client:
            lines.append(f"  Web app:    {self.client}")
        lines += [
            f"  Admin:      {self.api}/admin/",
            f"  API:        {self.api}/api/  (docs: {self.api}/api/docs/)",
            f"  Readiness:  {self.api}/readyz",
        ]
        lines += [f"  {user:<10}  password: {password}" for user, password in self.accounts.items()]
        lines += ["Ctrl-C stops everything.", RULE]
        return lines


def credentials(seed_output: Iterable[str]) -> dict[str, str]:
    """The ``  admin  password: ...`` lines ``seed_demo`` prints, as ``{username: password}``."""
    found = {}
    for line in seed_output:
        match = CREDENTIAL_LINE.match(line.rstrip("\n"))
        if match:
            found[match["user"]] = match["password"]
    return found


def answers(url: str, *, timeout: float = 2.0) -> bool:
    """True when ``url`` answers below 500 (a redirect or 404 still means the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own URL
            return int(response.status) < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, ValueError):
        return False


def announce_when_ready(
    banner: Banner,
    *,
    say: Callable[[str], None],
    check: Callable[[str], bool] = answers,
    interval: float = 1.0,
    patience: float = 1800.0,
    stopped: threading.Event | None = None,
) -> bool:
    """Wait until the API's ``/readyz`` and the client answer, then print ``banner`` once.

    After ``patience`` seconds without the client the banner is printed without it (with a note);
    without the API nothing is printed. Returns whether the banner was printed."""
    stopped = stopped or threading.Event()
    deadline = time.monotonic() + patience
    api_ready = client_ready = False
    while not stopped.is_set():
        api_ready = api_ready or check(f"{banner.api}/readyz")
        client_ready = client_ready or banner.client is None or check(banner.client)
        if api_ready and client_ready:
            break
        if time.monotonic() > deadline:
            if not api_ready:
                return False
            say(f"the web client did not answer at {banner.client}; see its log above")
            banner.client = None
            break
        stopped.wait(interval)
    else:
        return False
    for line in banner.lines():
        say(line)
    return True


def start_announcer(banner: Banner, *, say: Callable[[str], None]) -> threading.Thread:
    """``announce_when_ready`` in a daemon thread (it ends with ``make run``)."""
    thread = threading.Thread(
        target=announce_when_ready, args=(banner,), kwargs={"say": say}, daemon=True
    )
    thread.start()
    return thread
