"""The client IP: X-Forwarded-For is read only from trusted proxies, right to left."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from portfolio_site.client_ip import client_ip, client_ip_from_scope, resolve_client_ip


@pytest.fixture
def behind_gateway(settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert resolve_client_ip(remote_addr="203.0.113.7", forwarded_for="1.2.3.4") == "203.0.113.7"


def test_a_client_cannot_spoof_its_address_by_sending_the_header(behind_gateway) -> None:  # type: ignore[no-untyped-def]
    # Given a client talking to us directly (not through the gateway)
    assert resolve_client_ip(remote_addr="203.0.113.7", forwarded_for="1.2.3.4") == "203.0.113.7"


def test_behind_the_gateway_the_forwarded_client_is_used(behind_gateway) -> None:  # type: ignore[no-untyped-def]
    assert resolve_client_ip(remote_addr="10.0.0.2", forwarded_for="203.0.113.7") == "203.0.113.7"


def test_a_spoofed_entry_left_of_the_real_client_is_ignored(behind_gateway) -> None:  # type: ignore[no-untyped-def]
    # The client sent "X-Forwarded-For: 1.2.3.4"; the gateway appended the address it saw.
    assert (
        resolve_client_ip(remote_addr="10.0.0.2", forwarded_for="1.2.3.4, 203.0.113.7")
        == "203.0.113.7"
    )


def test_a_chain_of_trusted_proxies_is_walked(behind_gateway) -> None:  # type: ignore[no-untyped-def]
    assert (
        resolve_client_ip(remote_addr="10.0.0.2", forwarded_for="1.2.3.4, 203.0.113.7, 10.1.1.1")
        == "203.0.113.7"
    )


def test_garbage_in_the_header_stops_at_the_last_trusted_hop(behind_gateway) -> None:  # type: ignore[no-untyped-def]
    assert resolve_client_ip(remote_addr="10.0.0.2", forwarded_for="not-an-ip") == "10.0.0.2"
    assert resolve_client_ip(remote_addr="10.0.0.2", forwarded_for="") == "10.0.0.2"


def test_ports_brackets_and_mapped_addresses_are_normalised(behind_gateway) -> None:  # type: ignore[no-untyped-def]
    assert resolve_client_ip(remote_addr="10.0.0.2", forwarded_for="203.0.113.7:5555") == (
        "203.0.113.7"
    )
    assert resolve_client_ip(remote_addr="fd00::1", forwarded_for="[2001:db8::1]:443") == (
        "2001:db8::1"
    )
    assert resolve_client_ip(remote_addr="::ffff:203.0.113.9", forwarded_for=None) == (
        "203.0.113.9"
    )


def test_a_missing_peer_is_unknown() -> None:
    assert resolve_client_ip(remote_addr=None, forwarded_for="1.2.3.4") == "unknown"


def test_django_requests_and_asgi_scopes_are_read_alike(behind_gateway) -> None:  # type: ignore[no-untyped-def]
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7"
    scope = {
        "client": ("10.0.0.2", 40000),
        "headers": [(b"x-forwarded-for", b"1.2.3.4, 203.0.113.7"), (b"host", b"example.com")],
    }
    assert client_ip_from_scope(scope) == "203.0.113.7"
    assert client_ip_from_scope({"client": ("203.0.113.8", 1), "headers": []}) == "203.0.113.8"
