"""Schemathesis hooks for the gateway run (``SCHEMATHESIS_HOOKS=tests.support.schemathesis_hooks``):
every generated request is signed with the demo tenant's app, through schemathesis' auth API.

A ``requests`` auth object signs the *prepared* request, so it signs exactly the path, query
and body bytes that go on the wire (docs/open-api.md, "Signing a request")."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
import schemathesis

from hive.demo import DEMO_APP
from hive.openapi.client import signed_headers


class HiveSigner(requests.auth.AuthBase):
    """Adds the four ``X-Hive-*`` signature headers to a prepared request."""

    def __init__(self, app_key: str, app_secret: str):
        self.app_key, self.app_secret = app_key, app_secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url or "")
        body = request.body or b""
        raw = body.encode() if isinstance(body, str) else body
        method = request.method or "GET"
        request.headers.update(
            signed_headers(self.app_key, self.app_secret, method, url.path, url.query, raw)
        )
        return request


schemathesis.auth.set_from_requests(HiveSigner(DEMO_APP.app_key, DEMO_APP.app_secret))
