"""A small Python client of the Hive Open API that signs every request.

Needs only ``httpx`` and :mod:`hive.openapi.signature` (standard library)::

    from hive.openapi.client import OpenApiClient

    with OpenApiClient("http://127.0.0.1:8001", app_key, app_secret) as client:
        response = client.get("/open/v1/products", params=[("keyword", "手机")])
        response = client.post("/open/v1/prices/query", json={"product_ids": [1, 2]},
                               idempotency_key="order-42")

The query is sent exactly as it is signed (RFC 3986, see ``signature.encode_query``), and a
JSON body is serialised once: the bytes signed are the bytes sent.

Keep-alive: the gateway closes a connection idle for 5 s. A request sent on a pooled
connection at the moment the gateway closes it crosses the close and fails (a reset, or the
connection closed with no answer). So the client gives up an idle connection after
``IDLE_CONNECTION_EXPIRY_S`` (well below the gateway's 5 s), and a request that changes
nothing (``GET``, ``HEAD``, ``OPTIONS``) that still meets a connection closed or reset by the
server is sent once more, on a new connection, signed afresh (new timestamp and nonce). Other
methods are never resent: the first may have taken effect (use ``Idempotency-Key`` and retry
yourself).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx

from hive.openapi.signature import (
    HEADER_APP_KEY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    encode_query,
    sign,
)

Params = Sequence[tuple[str, str]] | Mapping[str, str | int]

# Below the gateway's keep-alive (5 s, ``hive hag``): an idle connection is dropped by the client
# before the gateway could close it under a request.
IDLE_CONNECTION_EXPIRY_S = 2.0
# Methods that change nothing, resent once when the server closed or reset the connection.
_RESENT_ONCE = frozenset({"GET", "HEAD", "OPTIONS"})
# The connection was closed or reset under the request (not a timeout: that is not resent).
_CONNECTION_LOST = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def signed_headers(
    app_key: str,
    app_secret: str,
    method: str,
    path: str,
    raw_query: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four signature headers for one request (a fresh nonce and the current time unless
    given)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    signature = sign(app_secret, method, path, raw_query, stamp, nonce, body)
    return {
        HEADER_APP_KEY: app_key,
        HEADER_TIMESTAMP: stamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature,
    }


def json_body(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON: serialise once, sign and send these bytes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _pairs(params: Params | None) -> list[tuple[str, str]]:
    if params is None:
        return []
    if isinstance(params, Mapping):
        return [(str(name), str(value)) for name, value in params.items()]
    return [(str(name), str(value)) for name, value in params]


class OpenApiClient:
    """Signs and sends requests to one Hive gateway with one app's key and secret."""

    def __init__(
        self,
        base_url: str,
        app_key: str,
        app_secret: str,
        *,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        idle_expiry_s: float = IDLE_CONNECTION_EXPIRY_S,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            timeout=timeout_s,
            transport=transport,
            limits=httpx.Limits(keepalive_expiry=idle_expiry_s),
        )
        self.app_key = app_key
        self._secret = app_secret
        self._clock = clock

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one signed request; ``json`` is serialised by :func:`json_body`, ``content``
        is sent as it is. A ``GET``, ``HEAD`` or ``OPTIONS`` whose connection the server closed
        or reset is sent once more (see the module's note on keep-alive)."""
        body = content if content is not None else (b"" if json is None else json_body(json))
        query = encode_query(_pairs(params))
        method = method.upper()
        try:
            return self._send(method, path, query, body, idempotency_key, headers)
        except _CONNECTION_LOST:
            if method not in _RESENT_ONCE:
                raise
        return self._send(method, path, query, body, idempotency_key, headers)

    def _send(
        self,
        method: str,
        path: str,
        query: str,
        body: bytes,
        idempotency_key: str | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        sent.update(
            signed_headers(
                self.app_key,
                self._secret,
                method,
                path,
                query,
                body,
                timestamp=int(self._clock()),
            )
        )
        if body:
            sent.setdefault("Content-Type", "application/json")
        if idempotency_key is not None:
            sent["Idempotency-Key"] = idempotency_key
        url = path + ("?" + query if query else "")
        return self._http.request(method, url, content=body, headers=sent)

    def get(self, path: str, *, params: Params | None = None) -> httpx.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, *, json: Any, idempotency_key: str | None = None) -> httpx.Response:
        return self.request("POST", path, json=json, idempotency_key=idempotency_key)

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OpenApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
