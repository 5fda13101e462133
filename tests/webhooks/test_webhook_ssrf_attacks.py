"""SSRF through IPv6 forms that carry an IPv4 address or name a non-public network, which
Python 3.11's ``is_global`` calls global: 6to4, NAT64, IPv4-compatible and site-local
addresses. Each must be judged by the address it reaches."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from hive.webhooks.errors import WebhookTargetRefused
from hive.webhooks.targets import Policy, address_problem, parse_url, resolve

CLOSED = Policy(allow_loopback=False, allow_private=False)
OPEN = Policy(allow_loopback=True, allow_private=True)


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "private"),  # 6to4 of 169.254.169.254 (cloud metadata)
        ("2002:0a00:0001::", "private"),  # 6to4 of 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "private"),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::a00:1", "private"),  # local-use NAT64 (RFC 8215)
        ("::7f00:1", "loopback"),  # IPv4-compatible 127.0.0.1
        ("::a00:1", "private"),  # IPv4-compatible 10.0.0.1
        ("fec0::1", "private"),  # site-local (deprecated, still routed on some networks)
        ("2002:5db8:d822::", None),  # 6to4 of the public 93.184.216.34
        ("64:ff9b::5db8:d822", None),  # NAT64 of the public 93.184.216.34
    ],
)
def test_ipv6_forms_of_inner_addresses_are_judged_by_what_they_reach(
    address: str, problem: str | None
) -> None:
    assert address_problem(ip_address(address), CLOSED) == problem


def test_embedded_private_addresses_follow_the_settings() -> None:
    assert address_problem(ip_address("2002:7f00:1::"), OPEN) is None
    assert address_problem(ip_address("64:ff9b::e000:1"), OPEN) == "not_unicast"  # 224.0.0.1


@pytest.mark.parametrize(
    "url", ["https://[2002:7f00:1::]/hook", "https://[64:ff9b::a9fe:a9fe]/", "https://[::7f00:1]/"]
)
async def test_an_embedding_literal_url_is_refused(url: str) -> None:
    with pytest.raises(WebhookTargetRefused):
        await resolve(parse_url(url, CLOSED), CLOSED)
