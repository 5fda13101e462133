"""Request ids, access logging and Prometheus metrics as one pure ASGI middleware."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from ipaddress import ip_address

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hive.platform.config import IPNetwork
from hive.platform.context import new_request_id, set_request_id
from hive.platform.logging import get_logger

REQUEST_ID_HEADER = "x-request-id"
_VALID_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HTTP_REQUESTS = Counter(
    "hive_http_requests_total", "HTTP requests served", ["app", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "hive_http_request_duration_seconds",
    "HTTP request latency",
    ["app", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

log = get_logger("hive.http")


class RequestObservabilityMiddleware:
    """Assigns a request id (or keeps a sane incoming one), logs and measures every request."""

    def __init__(self, app: ASGIApp, *, app_name: str):
        self.app = app
        self.app_name = app_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or new_request_id()
        set_request_id(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        route_label = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "")
        HTTP_REQUESTS.labels(self.app_name, method, route_label, str(status)).inc()
        HTTP_LATENCY.labels(self.app_name, method, route_label).observe(elapsed)
        log.info(
            "request",
            method=method,
            path=scope.get("path", ""),
            status=status,
            duration_ms=round(elapsed * 1000, 2),
        )


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            candidate = value.decode("latin-1")
            return candidate if _VALID_INCOMING_ID.match(candidate) else None
    return None


def address_allowed(host: str | None, networks: Iterable[IPNetwork]) -> bool:
    """True if ``host`` (the peer address as the server sees it) is in one of ``networks``."""
    if not host:
        return False
    try:
        address = ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:a.b.c.d on a dual-stack socket
    return any(address in network or (mapped and mapped in network) for network in networks)


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus metrics, for the addresses in ``HIVE_METRICS_ALLOW`` only (loopback by
    default); anyone else gets the same 404 as an unknown path."""
    settings = request.app.state.settings
    host = request.client.host if request.client else None
    if not address_allowed(host, settings.metrics_networks):
        raise HTTPException(status_code=404, detail="Not Found")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
