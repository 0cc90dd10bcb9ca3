"""Behind the gateway, the per-IP limits must see the real client, and a client must not be able to
choose the address it is counted under.

nginx appends the peer it saw to whatever ``X-Forwarded-For`` the client sent
(``$proxy_add_x_forwarded_for``), so only the right-hand end of the header is trustworthy. daphne's
``--proxy-headers`` takes the *left-most* entry, which the client wrote: with both, every per-IP limit
(login brute force included) is keyed by an address of the attacker's choosing. The project resolves
the client itself (``portfolio_site.client_ip``: right to left through ``TRUSTED_PROXIES``), so the
deployment must run daphne without ``--proxy-headers`` and name the gateway's network in
``TRUSTED_PROXIES``.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from daphne.utils import parse_x_forwarded_for

from portfolio_site.client_ip import resolve_client_ip

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
NGINX = COMPOSE["configs"]["nginx"]["content"]
SPOOFED, REAL = "1.2.3.4", "203.0.113.7"


def test_daphne_proxy_headers_trust_the_client_written_end_of_the_header() -> None:
    # What daphne --proxy-headers would make of a header the client started and nginx appended to.
    address, _ = parse_x_forwarded_for(
        {b"x-forwarded-for": [f"{SPOOFED}, {REAL}".encode()]}, original_addr=["172.18.0.5", 1]
    )
    assert address[0] == SPOOFED
    # What the project's own resolution makes of it, with the gateway trusted.
    assert (
        resolve_client_ip(remote_addr="172.18.0.5", forwarded_for=f"{SPOOFED}, {REAL}")
        == "172.18.0.5"
    )


def test_compose_does_not_let_clients_choose_their_address() -> None:
    web = COMPOSE["services"]["web"]["command"]
    appends = "$$proxy_add_x_forwarded_for" in NGINX or "$proxy_add_x_forwarded_for" in NGINX
    assert not ("--proxy-headers" in web and appends), (
        "docker-compose.yml: daphne --proxy-headers reads the client-written left end of "
        "X-Forwarded-For that nginx appends to; drop --proxy-headers and set TRUSTED_PROXIES"
    )


def test_compose_trusts_the_gateway_network() -> None:
    web = COMPOSE["services"]["web"]
    environment = web.get("environment") or {}
    assert environment.get("TRUSTED_PROXIES"), (
        "docker-compose.yml: set TRUSTED_PROXIES for web (the compose network, e.g. 172.16.0.0/12) "
        "or every client behind the gateway shares one per-IP quota"
    )


def test_procfile_does_not_trust_forwarded_headers_blindly() -> None:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            assert "--proxy-headers" not in shlex.split(line.split(":", 1)[1]), (
                "Procfile: daphne --proxy-headers lets any client choose its address"
            )
