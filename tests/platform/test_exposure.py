"""What an HTTP process shows to whom: security headers on every answer, /metrics only to the
addresses in HIVE_METRICS_ALLOW (loopback by default)."""

from __future__ import annotations

from ipaddress import ip_network

import httpx
import pytest
from pydantic import ValidationError

from hive.platform.config import Settings
from hive.platform.http import create_app
from hive.platform.observability import address_allowed
from tests.support.servers import running_server

# The test server trusts X-Forwarded-For from loopback (uvicorn's default), like a process
# behind a reverse proxy on the same host: the header stands for a client on the internet.
FROM_INTERNET = {"x-forwarded-for": "203.0.113.7"}


def _metrics(settings: Settings, headers: dict[str, str] | None = None) -> int:
    app = create_app(name="test", settings=settings, database_url=settings.database_url)
    with running_server(app) as url:
        return httpx.get(f"{url}/metrics", headers=headers).status_code


def test_metrics_are_served_to_loopback_only_by_default(settings: Settings) -> None:
    assert _metrics(settings) == 200
    assert _metrics(settings, FROM_INTERNET) == 404


def test_metrics_follow_the_allow_list(settings: Settings) -> None:
    scraper = settings.model_copy(update={"metrics_allow": "203.0.113.0/24"})
    assert _metrics(scraper, FROM_INTERNET) == 200
    assert _metrics(scraper) == 404  # loopback is no longer listed
    nobody = settings.model_copy(update={"metrics_allow": ""})
    assert _metrics(nobody) == 404


def test_address_matching() -> None:
    loopback = [ip_network("127.0.0.1/32"), ip_network("::1/128")]
    assert address_allowed("127.0.0.1", loopback)
    assert address_allowed("::1", loopback)
    assert address_allowed("::ffff:127.0.0.1", loopback)
    assert not address_allowed("127.0.0.2", loopback)
    assert not address_allowed("testclient", loopback)
    assert not address_allowed(None, loopback)


def test_a_malformed_allow_list_is_refused_at_start() -> None:
    with pytest.raises(ValidationError):
        Settings(metrics_allow="10.0.0.0/8,not-a-network")


def test_every_answer_carries_the_basic_security_headers(settings: Settings) -> None:
    app = create_app(name="test", settings=settings, database_url=settings.database_url)
    with running_server(app) as url:
        for path in ("/healthz", "/no-such-page"):
            headers = httpx.get(f"{url}{path}").headers
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "same-origin"
