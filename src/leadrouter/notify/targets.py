"""Where webhooks may go: not into the server's own network unless the agency allows it.

An endpoint URL naming loopback, link-local (cloud metadata at 169.254.169.254), private,
shared, reserved or multicast addresses would let an API key holder probe and call services
behind the firewall. Checked when an endpoint is saved (literal addresses and localhost) and
again at every delivery, after resolving the host name, since DNS can change.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

ALLOW_PRIVATE = "allow_private_webhook_targets"  # the agency setting that lifts the rule
Resolver = Callable[[str, int], list[str]]


def is_internal(address: str) -> bool:
    """True for any address that is not a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def saved_target_problem(url: str) -> str | None:
    """Why a URL may not be saved as an endpoint of an agency without private targets."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "may not target localhost"
    literal = _literal(host)
    if literal is not None and is_internal(literal):
        return "may not target a loopback, link-local or private address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to now."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def delivery_target_problem(url: str, resolve: Resolver = system_resolver) -> str | None:
    """Why a delivery to ``url`` must not be made now (it resolves to an internal address)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    problem = saved_target_problem(url)
    if problem:
        return problem
    try:
        addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        return "the host name does not resolve"
    if any(is_internal(a) for a in addresses):
        return "the host name resolves to a loopback, link-local or private address"
    return None
