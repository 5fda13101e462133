"""Console pages: login, logout and the home page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hive.console.callers import PUBLIC, SignedInActor
from hive.console.dashboard import dashboard
from hive.console.forms import CsrfToken
from hive.console.i18n import translator, wait_text
from hive.console.pages import client_of, language_of, render, session_actor
from hive.console.tenant_dashboard import render_workbench_home
from hive.customers import sessions
from hive.customers.errors import SignInLocked, TenantNotActive, UserDisabled
from hive.customers.signin import sign_in
from hive.platform.browser_session import browser_session, new_token
from hive.platform.csrf import verify_csrf
from hive.platform.errors import CsrfFailed, InvalidCredentials
from hive.platform.http import database_of

router = APIRouter(include_in_schema=False)

MAX_USERNAME = 64
MAX_PASSWORD = 128


@router.get("/login", dependencies=[PUBLIC])
async def login_page(request: Request) -> Response:
    if await session_actor(request) is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html")


@router.post("/login", dependencies=[PUBLIC])
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=MAX_USERNAME)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    csrf_token: CsrfToken = "",
) -> Response:
    try:
        verify_csrf(request.session, csrf_token)
    except CsrfFailed:
        return render(request, "login.html", status_code=403, error="login.expired")
    token = new_token()
    try:
        await sign_in(
            database_of(request),
            request.app.state.settings,
            username.strip(),
            password,
            client_of(request),
            token,
            getattr(request.app.state, "sign_in_guard", None),
        )
    except SignInLocked as exc:
        return _locked(request, exc, username)
    except InvalidCredentials:
        return render(
            request, "login.html", status_code=401, error="login.failed", username=username
        )
    except (UserDisabled, TenantNotActive):
        return render(
            request, "login.html", status_code=403, error="login.disabled", username=username
        )
    browser_session(request).rotate(token)  # a fresh cookie (and CSRF token) after sign-in
    return RedirectResponse("/", status_code=303)


def _locked(request: Request, exc: SignInLocked, username: str) -> Response:
    t = translator(language_of(request))
    wait = wait_text(t, exc.retry_after_s)
    key = "login.locked_address" if exc.scope == "address" else "login.locked"
    response = render(
        request,
        "login.html",
        status_code=429,
        error=key,
        error_text=t(key).format(wait=wait),
        username=username,
    )
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


@router.post("/logout", dependencies=[PUBLIC])
async def logout(request: Request, csrf_token: CsrfToken = "") -> Response:
    verify_csrf(request.session, csrf_token)
    actor = await session_actor(request)
    browser = browser_session(request)
    if actor is not None:
        async with database_of(request).platform_transaction() as session:
            await sessions.log_out(session, actor, browser.token, now=datetime.now(UTC))
    browser.rotate()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
async def home(request: Request, actor: SignedInActor) -> Response:
    database = database_of(request)
    if actor.tenant_id is None:
        async with database.platform_transaction() as session:
            reset_s = request.app.state.settings.supplier_breaker_reset_s
            board = await dashboard(session, actor, breaker_reset_s=reset_s)
        return render(request, "home.html", actor=actor, **board)
    return await render_workbench_home(request, actor, actor.tenant_id)
