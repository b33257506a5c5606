"""Who is calling: the client's address, read through the proxies this installation trusts.

Behind a reverse proxy every request's ``REMOTE_ADDR`` is the proxy, so a per-address budget would count
the whole town as one caller. ``X-Forwarded-For`` is believed only when the request comes from a proxy
listed in ``settings.TRUSTED_PROXIES`` (addresses or networks, e.g. ``10.0.0.0/8``); the client is then the
right-most address in the header that is not itself a trusted proxy. Without a trusted proxy the header is
ignored, so a caller cannot choose its own address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None,
             networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    return address is not None and any(address in n for n in networks)


def client_address(request: HttpRequest) -> str:
    """The caller's IP address as text (``"unknown"`` if the server gave none)."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not _trusted(remote, networks):
        return str(remote) if remote is not None else "unknown"
    hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a malformed entry: stop believing the header here
        if not _trusted(address, networks):
            return str(address)
    return str(remote)
