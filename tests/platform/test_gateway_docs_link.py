"""The workbench's link to the gateway's API reference page (hive.platform.api_docs)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError
from starlette.requests import Request

from hive.platform.api_docs import gateway_docs_url
from hive.platform.config import Settings


def _request(host: str, settings: Settings, scheme: str = "http") -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=settings))
    scope = {
        "type": "http",
        "scheme": scheme,
        "method": "GET",
        "path": "/workbench/apps",
        "query_string": b"",
        "headers": [(b"host", host.encode())],
        "app": app,
    }
    return Request(scope)


@pytest.mark.parametrize(
    ("host", "scheme", "expected"),
    [
        ("console.example.com:8000", "http", "http://console.example.com:8001/docs"),
        ("console.example.com", "https", "https://console.example.com:8001/docs"),
        ("[::1]:8000", "http", "http://[::1]:8001/docs"),
    ],
)
def test_without_a_public_address_the_link_is_the_consoles_host_on_hags_port(
    host: str, scheme: str, expected: str
) -> None:
    settings = Settings(hag_port=8001)
    assert gateway_docs_url(_request(host, settings, scheme)) == expected


def test_a_public_address_is_used_as_given_for_a_gateway_behind_a_proxy() -> None:
    settings = Settings(hag_port=8001, open_api_public_url="https://open.example.com/")
    request = _request("console.example.com:8000", settings)
    assert gateway_docs_url(request) == "https://open.example.com/docs"


@pytest.mark.parametrize("value", ["open.example.com", "https://open.example.com/?a=1", "ftp://x"])
def test_a_public_address_that_is_not_a_web_address_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="open_api_public_url"):
        Settings(open_api_public_url=value)
