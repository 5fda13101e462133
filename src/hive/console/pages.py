"""Rendering helpers shared by console pages: templates, language, CSRF token, current user,
the menu and breadcrumbs of the layout, and flash messages carried over a redirect."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from hive.console import menu, pickers
from hive.console.i18n import pick_language, translator
from hive.console.timefmt import local_time
from hive.customers import sessions
from hive.customers.sessions import Client, LiveSession
from hive.platform.actor import Actor
from hive.platform.browser_session import browser_session
from hive.platform.csrf import csrf_token
from hive.platform.http import database_of
from hive.platform.money import format_money, format_yuan

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LANGUAGE_COOKIE = "hive_lang"
MAX_RETURN_PATH = 2048
FLASH_COOKIE = "hive_flash"
FLASH_LEVELS = ("success", "info", "warning", "error")


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
    """``template`` in the layout: the user's language, the CSRF token, the menu the actor's
    role may open, breadcrumbs (home › section › menu entry › the page's own ``trail`` of
    ``(label, href or None)``) and the flash message a redirect left (shown once)."""
    language = language_of(request)
    t = translator(language)
    if context.get("actor") is None:
        live: LiveSession | None = getattr(request.state, "live_session", None)
        context["actor"] = live.actor if live else None
    actor: Actor | None = context["actor"]
    entries: list[menu.MenuEntry] = getattr(request.app.state, "menu", [])
    shown = menu.visible(entries, actor.role) if actor else []
    here_entry = menu.current([e for s in shown for e in s.entries], request.url.path)
    flashes = _read_flash(request, t)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "t": t,
            "csrf_token": csrf_token(request.session),
            "here": return_path(request),
            "menu": shown,
            "menu_current": here_entry,
            "crumbs": _crumbs(t, here_entry, context.pop("trail", ()), request),
            "flashes": flashes,
            "local_time": local_time,
            "picker_label": pickers.label_of,
            # Every shown amount: money(fen) -> ¥12,345.67. A form field's value or a link's
            # price filter: yuan(fen) -> 12345.67, what the parser reads back.
            "money": format_money,
            "yuan": format_yuan,
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") == language:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax")
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE)
    return response


def _crumbs(
    t: Any,
    entry: menu.MenuEntry | None,
    trail: Sequence[tuple[str, str | None]],
    request: Request,
) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [(t("menu.home"), "/")]
    if entry is not None and entry.href != "/":
        crumbs.append((t(f"menu.section.{entry.section}"), None))
        # A page opened from its list (a product, an order) links back to that list with its
        # search and page, like its 返回 link, not to the bare list.
        own = request.url.path == entry.href
        crumbs.append((t(entry.label), entry.href if own else back_link(request, entry.href)))
    crumbs.extend(trail)
    return crumbs


def redirect_with_flash(
    url: str, key: str, *, level: str = "success", **params: str | int
) -> RedirectResponse:
    """A 303 to ``url`` that shows the text ``key`` (formatted with ``params``) once on the
    next page. ``level`` is one of :data:`FLASH_LEVELS`."""
    if level not in FLASH_LEVELS:
        raise ValueError(f"flash level {level!r} is not one of {FLASH_LEVELS}")
    response = RedirectResponse(local_path(url), status_code=303)
    payload = json.dumps({"key": key, "level": level, "params": params}, ensure_ascii=True)
    value = base64.urlsafe_b64encode(payload.encode()).decode()
    response.set_cookie(FLASH_COOKIE, value, max_age=60, httponly=True, samesite="lax")
    return response


def _read_flash(request: Request, t: Any) -> list[dict[str, str]]:
    """The flash message of the cookie, translated; a key the catalogue does not know or a
    malformed cookie shows nothing (the cookie can only name texts, never carry them)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or len(raw) > 2048:
        return []
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()))
        key, level, params = str(data["key"]), str(data["level"]), dict(data["params"])
        text = t(key)
        if text == key or level not in FLASH_LEVELS:
            return []
        return [{"level": level, "text": text.format(**params)}]
    except (ValueError, KeyError, TypeError, IndexError, binascii.Error):
        return []


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


def back_link(request: Request, list_path: str, raw: str | None = None) -> str:
    """Where a page's 返回 (back) link goes: the list it was opened from, with that list's
    search and page (the ``back`` query parameter the list put on its links), when that is an
    address of ``list_path``; else ``list_path`` itself."""
    candidate = local_path(raw if raw is not None else request.query_params.get("back", ""))
    if candidate == list_path or candidate.startswith(list_path + "?"):
        return candidate
    return list_path


def with_back(path: str, back: str) -> str:
    """``path`` carrying ``back`` (the list to return to) as its query."""
    return f"{path}?{urlencode({'back': back})}"


def filter_link(path: str, params: Mapping[str, str], **changes: object) -> str:
    """The page's own address with ``changes`` (a facet, another page); a new filter starts
    again at page 1."""
    return f"{path}?{urlencode({**params, 'page': 1, **changes})}"
