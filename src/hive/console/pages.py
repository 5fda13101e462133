"""Rendering helpers shared by console pages: templates, language, CSRF token, current user."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hive.console.i18n import pick_language, translator
from hive.customers import sessions
from hive.customers.sessions import Client, LiveSession
from hive.platform.actor import Actor
from hive.platform.browser_session import browser_session
from hive.platform.csrf import csrf_token
from hive.platform.http import database_of

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LANGUAGE_COOKIE = "hive_lang"
MAX_RETURN_PATH = 2048


def return_path(request: Request) -> str:
    """Where a language switch should come back to: this page when it can be opened again
    (GET), else the page the form was posted from (same site), else the home page."""
    if request.method == "GET":
        query = f"?{request.url.query}" if request.url.query else ""
        return local_path(request.url.path + query)
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/"
    return local_path(referer.path + (f"?{referer.query}" if referer.query else ""))


def local_path(candidate: str) -> str:
    """``candidate`` if it is a path on this site, else ``/`` (no open redirect)."""
    if (
        not candidate.startswith("/")
        or candidate.startswith("//")
        or "\\" in candidate
        or len(candidate) > MAX_RETURN_PATH
        or any(ord(c) < 0x20 for c in candidate)
    ):
        return "/"
    return candidate


def language_of(request: Request) -> str:
    requested = request.query_params.get("lang")
    return pick_language(
        requested or request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language")
    )


def render(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    language = language_of(request)
    context.setdefault("actor", None)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "t": translator(language),
            "csrf_token": csrf_token(request.session),
            "here": return_path(request),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax")
    return response


def client_of(request: Request) -> Client:
    """The request's address and browser, as recorded on its session."""
    host = request.client.host if request.client else ""
    return Client(ip=host, user_agent=request.headers.get("user-agent", ""))


async def session_actor(request: Request) -> Actor | None:
    """The signed-in user of this browser, if its server-side session is live (not logged out,
    revoked or expired) and the user and its tenant are still active."""
    if hasattr(request.state, "live_session"):
        live: LiveSession | None = request.state.live_session
        return live.actor if live else None
    browser = browser_session(request)
    live = None
    if browser.from_cookie:
        settings = request.app.state.settings
        async with database_of(request).platform_transaction() as session:
            live = await sessions.resolve_session(
                session,
                browser.token,
                client_of(request),
                now=datetime.now(UTC),
                touch_after_s=settings.session_touch_interval_s,
            )
    request.state.live_session = live
    return live.actor if live else None


def current_session_id(request: Request) -> str | None:
    """The id of this browser's live session (after ``session_actor``)."""
    live: LiveSession | None = getattr(request.state, "live_session", None)
    return live.session_id if live else None


def filter_link(path: str, params: Mapping[str, str], **changes: object) -> str:
    """The page's own address with ``changes`` (a facet, another page); a new filter starts
    again at page 1."""
    return f"{path}?{urlencode({**params, 'page': 1, **changes})}"
