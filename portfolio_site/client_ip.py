"""The client's IP address, behind proxies we trust and only those.

``X-Forwarded-For`` is written by the client first and appended to by every proxy on the way, so only
its right-hand end is trustworthy. We start from the socket peer (``REMOTE_ADDR``); while that address
belongs to a network in ``settings.TRUSTED_PROXIES``, we step one entry left in ``X-Forwarded-For``.
The first address that is not a trusted proxy is the client. A client that is not behind a trusted
proxy cannot choose its address by sending the header: we never read it then.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN = "unknown"


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {entry!r} is not an IP address or network (e.g. 10.0.0.0/8)"
            ) from None
    return tuple(networks)


def trusted_networks() -> tuple[IPNetwork, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def resolve_client_ip(*, remote_addr: str | None, forwarded_for: str | None) -> str:
    """Return the client address given the socket peer and the ``X-Forwarded-For`` header value."""
    peer = _parse(remote_addr or "")
    if peer is None:
        return UNKNOWN
    networks = trusted_networks()
    if not networks or not _is_trusted(peer, networks):
        return str(peer)
    client = peer
    hops = [hop for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # Garbage where a proxy should have written an address: stop at the last one we trust.
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


def client_ip(request: Any) -> str:
    """The client IP of a Django ``HttpRequest`` or DRF ``Request``."""
    meta: Mapping[str, str] = request.META
    return resolve_client_ip(
        remote_addr=meta.get("REMOTE_ADDR"), forwarded_for=meta.get("HTTP_X_FORWARDED_FOR")
    )


def client_ip_from_scope(scope: Mapping[str, Any]) -> str:
    """The client IP of an ASGI connection scope (websocket or HTTP)."""
    client = scope.get("client")
    remote_addr = str(client[0]) if client else None
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name.lower() == b"x-forwarded-for"
    ]
    return resolve_client_ip(remote_addr=remote_addr, forwarded_for=",".join(forwarded) or None)
