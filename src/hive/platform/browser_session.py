"""The console's browser cookie: one opaque random token, nothing else.

Every browser gets a token in the ``hive_session`` cookie (HttpOnly, SameSite=Lax, Secure
behind HTTPS). Signing in records the token's SHA-256 in ``user_sessions`` (see
``hive.customers.sessions``); the cookie itself says nothing about the user, so ending the row
on the server ends the session for every copy of the cookie.

The CSRF token of a form is derived from the browser token with the secret key (HMAC), so it is
"per session" without being stored: a new token at sign-in and sign-out gives a new CSRF token.
Pages keep using ``request.session["csrf_token"]`` (``hive.platform.csrf``); the middleware
fills that mapping and nothing else is kept in it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hive.platform.csrf import SESSION_KEY as CSRF_KEY

COOKIE_NAME = "hive_session"
_SCOPE_KEY = "hive.browser_session"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class _ReadTracking(dict[str, Any]):
    """The ``request.session`` mapping; remembers whether a page read it (used a CSRF token),
    so a new browser gets its cookie from pages with forms, not from /healthz or /static."""

    read = False

    def get(self, key: str, default: Any = None) -> Any:
        self.read = True
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read = True
        return super().__getitem__(key)


@dataclass
class BrowserSession:
    """This request's browser token; ``rotate`` issues a new one (sent as a new cookie)."""

    token: str
    secret: bytes
    from_cookie: bool
    values: _ReadTracking = field(default_factory=_ReadTracking)
    rotated: bool = False

    def __post_init__(self) -> None:
        self.values[CSRF_KEY] = self._csrf()

    @property
    def needs_cookie(self) -> bool:
        return self.rotated or (not self.from_cookie and self.values.read)

    def rotate(self, token: str | None = None) -> str:
        """Switch this browser to ``token`` (a new random one by default): at sign-in, so a
        token planted before it opens nothing, and at sign-out."""
        self.token = token or new_token()
        self.rotated = True
        self.values.clear()
        self.values[CSRF_KEY] = self._csrf()
        return self.token

    def _csrf(self) -> str:
        digest = hmac.new(self.secret, b"csrf:" + self.token.encode(), hashlib.sha256)
        return digest.hexdigest()


def browser_session(connection: HTTPConnection) -> BrowserSession:
    state = connection.scope.get(_SCOPE_KEY)
    if not isinstance(state, BrowserSession):
        raise RuntimeError("BrowserSessionMiddleware is not installed")
    return state


class BrowserSessionMiddleware:
    """Reads the token cookie (or makes a new token) and sets the cookie when it is new."""

    def __init__(self, app: ASGIApp, *, secret_key: str, max_age_s: int, https_only: bool) -> None:
        self.app = app
        self.secret = hashlib.sha256(b"hive-browser-session:" + secret_key.encode()).digest()
        self.max_age_s = max_age_s
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _token_from_cookie(HTTPConnection(scope).cookies.get(COOKIE_NAME))
        state = BrowserSession(
            token=incoming or new_token(), secret=self.secret, from_cookie=incoming is not None
        )
        scope[_SCOPE_KEY] = state
        scope["session"] = state.values

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.needs_cookie:
                MutableHeaders(scope=message).append("set-cookie", self._cookie(state.token))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, token: str) -> str:
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE_NAME] = token
        morsel = cookie[COOKIE_NAME]
        morsel["path"] = "/"
        morsel["max-age"] = str(self.max_age_s)
        morsel["httponly"] = True
        morsel["samesite"] = "lax"
        if self.https_only:
            morsel["secure"] = True
        return morsel.OutputString()


def _token_from_cookie(value: str | None) -> str | None:
    return value if value is not None and _TOKEN.match(value) else None
