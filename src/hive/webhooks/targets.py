"""Where a webhook may be sent: the URL rules and the address check against SSRF.

A subscription's URL is ``https://`` (plain ``http://`` only to a loopback address, and only
while ``HIVE_WEBHOOK_ALLOW_LOOPBACK`` is on), with a host name or an address, no user
information and no fragment. Every address the host resolves to must be a public one: loopback
(``127.0.0.0/8``, ``::1``) only with ``HIVE_WEBHOOK_ALLOW_LOOPBACK``, private and link-local
networks (``10/8``, ``172.16/12``, ``192.168/16``, ``169.254/16`` — cloud metadata —,
``fc00::/7``, ``fe80::/10``, ``fec0::/10``, ``64:ff9b:1::/48`` …) only with
``HIVE_WEBHOOK_ALLOW_PRIVATE_NETWORKS``; multicast, unspecified and reserved addresses never. An
IPv6 address carrying an IPv4 one (mapped, 6to4, NAT64, IPv4-compatible) is judged by the IPv4
address it reaches.

The check runs when a subscription is saved and again at every attempt (a name's addresses can
change after it was saved: DNS rebinding). The sender then connects to the very address it
checked (:class:`Target`), sending the name as ``Host`` and TLS server name, so a second lookup
cannot swap it.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

import httpx

from hive.webhooks.errors import WebhookTargetRefused, WebhookUrlInvalid

Address = IPv4Address | IPv6Address
MAX_URL_LENGTH = 2048

# IPv6 forms that reach an IPv4 address (its last 32 bits), which Python 3.11 calls global.
_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix
_IPV4_COMPATIBLE = IPv6Network("::/96")  # deprecated, still routed by some stacks
# Non-public IPv6 networks Python 3.11 calls global: local-use NAT64 (RFC 8215), site-local.
_NOT_PUBLIC_V6 = (IPv6Network("64:ff9b:1::/48"), IPv6Network("fec0::/10"))


@dataclass(frozen=True, slots=True)
class Policy:
    """Which non-public addresses are allowed (the settings ``webhook_allow_*``), and how long
    a name lookup may take (``webhook_timeout_s``)."""

    allow_loopback: bool
    allow_private: bool
    lookup_timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL and the address to connect to."""

    url: httpx.URL
    address: Address

    def pinned_url(self) -> httpx.URL:
        """The URL with its host replaced by the checked address."""
        return self.url.copy_with(host=str(self.address))


def address_problem(address: Address, policy: Policy) -> str | None:
    """Why ``address`` may not receive webhooks (None: it may). An IPv6 address carrying an
    IPv4 one (mapped, 6to4, NAT64, IPv4-compatible) is judged by the IPv4 address."""
    address = _reached(address)
    if isinstance(address, IPv6Address) and any(address in net for net in _NOT_PUBLIC_V6):
        return None if policy.allow_private else "private"
    if address.is_multicast or address.is_unspecified:
        return "not_unicast"
    if address.is_loopback:
        return None if policy.allow_loopback else "loopback"
    if address.is_global:
        return None
    if address.is_reserved:
        return "reserved"
    if policy.allow_private and (address.is_private or address.is_link_local):
        return None
    return "private"


def _reached(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries and reaches, else ``address`` itself."""
    if isinstance(address, IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def parse_url(raw: str, policy: Policy) -> httpx.URL:
    """The URL, if its shape is allowed; raises :class:`WebhookUrlInvalid` naming the problem.
    (Its addresses are checked by :func:`resolve`.)"""
    if (
        not raw
        or len(raw) > MAX_URL_LENGTH
        or not raw.isascii()
        or not raw.isprintable()
        or " " in raw
    ):
        raise WebhookUrlInvalid(details={"problem": "malformed"})
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError):
        raise WebhookUrlInvalid(details={"problem": "malformed"}) from None
    if url.scheme not in ("https", "http") or not url.host:
        raise WebhookUrlInvalid(details={"problem": "scheme"})
    if url.userinfo or url.fragment:
        raise WebhookUrlInvalid(details={"problem": "credentials_or_fragment"})
    if url.scheme == "http" and not (policy.allow_loopback and _is_loopback_host(url.host)):
        raise WebhookUrlInvalid(details={"problem": "https_required"})
    return url


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


async def resolve(url: httpx.URL, policy: Policy) -> Target:
    """The address to send to: every address of the host must be allowed (a name that also
    resolves to a private address is refused as a whole). Raises
    :class:`WebhookTargetRefused` (``unresolvable`` or the address's problem)."""
    host = url.host
    try:
        addresses = [ip_address(host)]
    except ValueError:
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await _lookup(host, port, policy.lookup_timeout_s)
    if not addresses:
        raise WebhookTargetRefused(details={"host": host, "problem": "unresolvable"})
    for address in addresses:
        problem = address_problem(address, policy)
        if problem is not None:
            raise WebhookTargetRefused(
                details={"host": host, "address": str(address), "problem": problem}
            )
    if url.scheme == "http" and not all(a.is_loopback for a in addresses):
        raise WebhookTargetRefused(details={"host": host, "problem": "https_required"})
    return Target(url, addresses[0])


async def _lookup(host: str, port: int, timeout_s: float) -> list[Address]:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout_s):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, TimeoutError):
        return []
    found: list[Address] = []
    for info in infos:
        address = ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found
