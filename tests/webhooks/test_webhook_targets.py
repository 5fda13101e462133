"""Where webhooks may go (SSRF rules) and the retry schedule, as data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from itertools import pairwise
from pathlib import Path

import pytest
from pydantic import ValidationError

from hive.platform.config import Settings
from hive.webhooks import schedule
from hive.webhooks.errors import WebhookTargetRefused, WebhookUrlInvalid
from hive.webhooks.signing import sign, verify
from hive.webhooks.targets import Policy, address_problem, parse_url, resolve

CLOSED = Policy(allow_loopback=False, allow_private=False)
DEV = Policy(allow_loopback=True, allow_private=False)


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "private"),  # cloud metadata
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("fd00::1", "private"),
        ("fe80::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("0.0.0.0", "not_unicast"),  # noqa: S104
        ("224.0.0.1", "not_unicast"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_only_public_addresses_receive_webhooks(address: str, problem: str | None) -> None:
    assert address_problem(ip_address(address), CLOSED) == problem


def test_a_platform_refuses_loopback_receivers_unless_told_and_hive_up_tells_its_children(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hive.launcher import _child_env

    monkeypatch.delenv("HIVE_WEBHOOK_ALLOW_LOOPBACK", raising=False)  # the tests set it
    closed = Settings(_env_file=None)  # type: ignore[call-arg]
    assert closed.webhook_allow_loopback is False
    assert closed.webhook_allow_private_networks is False
    assert _child_env(closed, "postgresql://x")["HIVE_WEBHOOK_ALLOW_LOOPBACK"] == "true"
    monkeypatch.setenv("HIVE_WEBHOOK_ALLOW_LOOPBACK", "false")  # an operator's choice stays
    assert _child_env(closed, "postgresql://x")["HIVE_WEBHOOK_ALLOW_LOOPBACK"] == "false"


def test_the_settings_open_loopback_and_private_networks() -> None:
    assert address_problem(ip_address("127.0.0.1"), DEV) is None
    assert address_problem(ip_address("10.0.0.1"), DEV) == "private"
    both = Policy(allow_loopback=True, allow_private=True)
    assert address_problem(ip_address("10.0.0.1"), both) is None
    assert address_problem(ip_address("169.254.169.254"), both) is None
    assert address_problem(ip_address("224.0.0.1"), both) == "not_unicast"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/hook", "scheme"),
        ("http://example.com/hook", "https_required"),
        ("http://10.0.0.1/hook", "https_required"),
        ("https://user:pw@example.com/hook", "credentials_or_fragment"),
        ("https://example.com/hook#x", "credentials_or_fragment"),
        ("https://exa mple.com/", "malformed"),
        ("https://例子.com/hook", "malformed"),
        ("https://example.com/" + "a" * 2100, "malformed"),
        ("", "malformed"),
        ("https:///hook", "scheme"),
    ],
)
def test_malformed_or_plain_http_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(WebhookUrlInvalid) as refused:
        parse_url(url, DEV)
    assert refused.value.details["reason"] == reason
    assert refused.value.details["problems"][0]["field"] == "url"


def test_plain_http_is_for_loopback_only_and_only_when_allowed() -> None:
    assert parse_url("http://127.0.0.1:9000/hook", DEV).port == 9000
    assert parse_url("http://localhost/hook", DEV).host == "localhost"
    with pytest.raises(WebhookUrlInvalid):
        parse_url("http://127.0.0.1:9000/hook", CLOSED)


@pytest.mark.parametrize(
    "url",
    ["https://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data", "https://[::1]/h"],
)
async def test_an_address_literal_is_checked(url: str) -> None:
    with pytest.raises(WebhookTargetRefused):
        await resolve(parse_url(url, CLOSED), CLOSED)


async def test_a_name_is_checked_by_every_address_it_resolves_to() -> None:
    with pytest.raises(WebhookTargetRefused) as refused:
        await resolve(parse_url("https://localhost/hook", CLOSED), CLOSED)
    assert refused.value.details["reason"] == "loopback"
    target = await resolve(parse_url("https://localhost:8443/hook", DEV), DEV)
    assert target.address.is_loopback
    assert target.pinned_url().host == str(target.address) and target.pinned_url().port == 8443
    with pytest.raises(WebhookTargetRefused) as unresolvable:
        await resolve(parse_url("https://no-such-host.invalid/hook", DEV), DEV)
    assert unresolvable.value.details["reason"] == "unresolvable"


def test_the_default_schedule_backs_off_exponentially_over_more_than_a_day() -> None:
    delays = Settings().webhook_retry_delays_s
    assert sum(delays) >= 86_400
    assert all(b >= a for a, b in pairwise(delays))
    assert delays[:8] == (30, 60, 120, 300, 600, 1200, 2400, 3600)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = schedule.attempt_times(start, delays)
    assert len(times) == len(delays) + 1 == 14
    assert times[-1] - start >= timedelta(hours=24)
    assert schedule.next_attempt_at(1, start, delays) == start + timedelta(seconds=30)
    assert schedule.next_attempt_at(len(delays), start, delays) == start + timedelta(
        seconds=delays[-1]
    )
    assert schedule.next_attempt_at(len(delays) + 1, start, delays) is None


@pytest.mark.parametrize("delays", [(), (60, 30, 86_400), (3600,) * 23, (0, 86_400), (8 * 86_400,)])
def test_a_schedule_that_is_short_or_not_backing_off_is_refused(delays: tuple[int, ...]) -> None:
    with pytest.raises(ValidationError):
        Settings(webhook_retry_delays_s=delays)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (None, "retry"),
        (200, "success"),
        (204, "success"),
        (199, "final"),
        (299, "success"),
        (300, "final"),
        (301, "final"),
        (302, "final"),
        (307, "final"),
        (400, "final"),
        (401, "final"),
        (404, "final"),
        (408, "retry"),
        (410, "final"),
        (428, "final"),
        (429, "retry"),
        (430, "final"),
        (499, "final"),
        (500, "retry"),
        (503, "retry"),
        (599, "retry"),
    ],
)
def test_what_counts_as_retry_or_final(status: int | None, verdict: str) -> None:
    assert schedule.verdict_of(status).value == verdict


def test_the_schedule_counts_failed_attempts_from_one() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    delays = (30, 60, 120)
    assert schedule.next_attempt_at(2, start, delays) == start + timedelta(seconds=60)
    assert schedule.next_attempt_at(3, start, delays) == start + timedelta(seconds=120)
    assert schedule.next_attempt_at(4, start, delays) is None
    assert schedule.attempt_times(start, delays) == [
        start,
        start + timedelta(seconds=30),
        start + timedelta(seconds=90),
        start + timedelta(seconds=210),
    ]
    with pytest.raises(ValueError, match=r"^after at least one failed attempt$"):
        schedule.next_attempt_at(0, start, delays)


def test_the_worked_example_in_the_guide_is_what_the_code_signs() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    example = sign("whsec_test", "1767225600", b'{"id":1}')
    assert f"`{example}`" in guide
    assert verify("whsec_test", "1767225600", b'{"id":1}', example, now=1767225600 + 300)
    assert not verify("whsec_test", "1767225600", b'{"id":1}', example, now=1767225600 + 301)
    assert not verify("whsec_test", "1767225600", b'{"id":2}', example, now=1767225600)
