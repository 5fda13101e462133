"""The tenant workbench's Open API apps page (开放接口应用): a tenant admin lists its apps,
creates one (the AppSecret is shown once, on the answer to the form), rotates a secret and
revokes an app. Only the tenant admin's role may open it (``View.WORKBENCH_APPS``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.callers import TenantSession, tenant_id_of, viewing
from hive.console.error_pages import field_errors
from hive.console.forms import CsrfToken, refusal
from hive.console.pages import redirect_with_flash, render
from hive.console.timefmt import local_time
from hive.openapi import service as openapi
from hive.openapi.schemas import AppCreate
from hive.openapi.scopes import ALL_SCOPES
from hive.openapi.service import IssuedKey
from hive.openapi.texts import APPS_TEXTS
from hive.platform.actor import Actor
from hive.platform.api_docs import gateway_docs_url
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.permissions import View
from hive.platform.validation import Id

i18n.extend(APPS_TEXTS)
router = APIRouter(include_in_schema=False)

PATH = "/workbench/apps"
FIELDS = ("name", "scopes", "ip_allow")
AppsAdmin = Annotated[Actor, viewing(View.WORKBENCH_APPS)]


async def _page(
    request: Request,
    actor: Actor,
    session: AsyncSession,
    *,
    status_code: int = 200,
    issued: IssuedKey | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    problems: list[str] | None = None,
) -> Response:
    apps = await openapi.list_apps(session, actor, tenant_id_of(actor))
    return render(
        request,
        "workbench_apps.html",
        status_code=status_code,
        # Tenants open the gateway's reference page, never a path in Hive's repository.
        api_docs_url=gateway_docs_url(request),
        actor=actor,
        apps=apps,
        scopes=[scope.value for scope in ALL_SCOPES],
        issued=issued,
        form=form or {"scopes": [scope.value for scope in ALL_SCOPES]},
        errors=errors or {},
        problems=problems or [],
        local=local_time,
    )


@router.get(PATH)
async def apps_page(request: Request, actor: AppsAdmin, session: TenantSession) -> Response:
    return await _page(request, actor, session)


@router.post(PATH)
async def create_app(
    request: Request,
    actor: AppsAdmin,
    session: TenantSession,
    csrf_token: CsrfToken = "",
    name: Annotated[str, Form(max_length=200)] = "",
    scopes: Annotated[list[str] | None, Form(max_length=32)] = None,
    ip_allow: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    form = {"name": name, "scopes": scopes or [], "ip_allow": ip_allow}
    networks = [part for part in re.split(r"[,\s]+", ip_allow) if part]
    try:
        data = AppCreate(name=name, scopes=scopes or [], ip_allow=networks)
        issued = await openapi.create_app(
            session, actor, tenant_id_of(actor), data, request.app.state.secrets
        )
    except (ValidationError, HiveError) as error:
        return await _page(request, actor, session, form=form, **refusal(request, error, FIELDS))
    return await _page(request, actor, session, issued=issued)


@router.post(PATH + "/{app_id}/rotate")
async def rotate_secret(
    request: Request,
    actor: AppsAdmin,
    session: TenantSession,
    app_id: Id,
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    overlap = timedelta(seconds=request.app.state.settings.open_api_secret_overlap_s)
    try:
        issued = await openapi.rotate_secret(
            session,
            actor,
            app_id,
            request.app.state.secrets,
            now=datetime.now(UTC),
            overlap=overlap,
        )
    except HiveError as error:
        return await _refused(request, actor, session, error)
    return await _page(request, actor, session, issued=issued)


@router.post(PATH + "/{app_id}/revoke")
async def revoke_app(
    request: Request,
    actor: AppsAdmin,
    session: TenantSession,
    app_id: Id,
    csrf_token: CsrfToken = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        app = await openapi.revoke_app(session, actor, now=datetime.now(UTC), app_id=app_id)
    except HiveError as error:
        return await _refused(request, actor, session, error)
    return redirect_with_flash(PATH, "apps.revoked", app_key=app.app_key)


async def _refused(
    request: Request, actor: Actor, session: AsyncSession, error: HiveError
) -> Response:
    """The list again with the refusal above it (nothing changed)."""
    _, problems = field_errors(request, error, FIELDS)
    return await _page(request, actor, session, status_code=error.http_status, problems=problems)
