"""Security headers on every answer of an HTTP process.

Both processes: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
``Referrer-Policy: same-origin`` (a console address with its search terms never leaves the
site). The console (HCM) adds a Content-Security-Policy that allows scripts, styles and frames
from nowhere but itself (its templates have no inline script or style; product pictures are
served by the console itself, ``/images/products/<id>``) and ``Cache-Control: no-store`` on
everything but static files and product pictures, so a signed-in page is never kept by the
browser or a proxy for the next person.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONSOLE_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_ALWAYS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
)


class SecurityHeadersMiddleware:
    """Adds the headers to each response that does not set them itself."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        content_security_policy: str | None = None,
        no_store: bool = False,
        cacheable_prefixes: tuple[str, ...] = ("/static/", "/images/"),
    ) -> None:
        self.app = app
        self.headers = list(_ALWAYS)
        if content_security_policy:
            self.headers.append(("content-security-policy", content_security_policy))
        self.no_store = no_store
        self.cacheable_prefixes = cacheable_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = self.no_store and not str(scope.get("path", "")).startswith(
            self.cacheable_prefixes
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
                if no_store:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
