"""Console pages: login, logout and the home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from hive.billing import service as billing
from hive.console.pages import SESSION_USER_KEY, render, session_actor
from hive.customers import service as customers
from hive.customers.errors import TenantNotActive, UserDisabled
from hive.platform.csrf import verify_csrf
from hive.platform.errors import CsrfFailed, InvalidCredentials
from hive.platform.http import database_of
from hive.platform.money import format_yuan

router = APIRouter(include_in_schema=False)

MAX_USERNAME = 64
MAX_PASSWORD = 128


@router.get("/login")
async def login_page(request: Request) -> Response:
    if await session_actor(request) is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html")


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=MAX_USERNAME)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    try:
        verify_csrf(request.session, csrf_token)
    except CsrfFailed:
        return render(request, "login.html", status_code=403, error="login.expired")
    try:
        async with database_of(request).platform_transaction() as session:
            actor = await customers.authenticate(session, username.strip(), password)
    except InvalidCredentials:
        return render(
            request, "login.html", status_code=401, error="login.failed", username=username
        )
    except (UserDisabled, TenantNotActive):
        return render(
            request, "login.html", status_code=403, error="login.disabled", username=username
        )
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session[SESSION_USER_KEY] = actor.user_id
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def logout(
    request: Request, csrf_token: Annotated[str, Form(max_length=128)] = ""
) -> Response:
    verify_csrf(request.session, csrf_token)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
async def home(request: Request) -> Response:
    actor = await session_actor(request)
    if actor is None:
        return RedirectResponse("/login", status_code=303)
    database = database_of(request)
    if actor.tenant_id is None:
        async with database.platform_transaction() as session:
            tenants, _total = await customers.list_tenants(session, limit=100)
        return render(request, "home.html", actor=actor, tenants=tenants)
    async with database.tenant_transaction(actor.tenant_id) as session:
        tenant = await customers.get_tenant(session, actor.tenant_id)
        account = await billing.balance_account(session, actor.tenant_id)
    return render(
        request,
        "home.html",
        actor=actor,
        tenants=None,
        own_tenant=tenant,
        balance=format_yuan(account.available_fen if account else 0),
        frozen=format_yuan(account.frozen_fen if account else 0),
    )
