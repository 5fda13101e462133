"""Tenants page for platform staff (/admin/tenants): the list with paging, a form to create a
tenant (admins and operators), suspend and resume (admins; suspending asks first), and a link
to each tenant's users (admins; the page is ``user_pages``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from hive.console import i18n
from hive.console.callers import viewing
from hive.console.forms import CsrfToken, posted_form, refusal
from hive.console.pages import redirect_with_flash, render
from hive.console.tables import read_table, refuse_unknown
from hive.customers import service as customers
from hive.customers.models import TenantStatus
from hive.customers.schemas import TenantCreate
from hive.customers.texts import TENANT_TEXTS
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import Action, View, allowed, may_view
from hive.platform.validation import Id, InvalidInput, Problem, parse_id

router = APIRouter(include_in_schema=False)
i18n.extend(TENANT_TEXTS)
PATH = "/admin/tenants"
TenantsViewer = Annotated[Actor, viewing(View.TENANTS)]
FIELDS = ("code", "name", "grade_id", "contact_name", "contact_phone", "contact_email")
PAGE_SIZE = 20


async def _page(
    request: Request, actor: Actor, *, status_code: int = 200, **extra: Any
) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ["page"])
    table = read_table(params, path=PATH, page_size=PAGE_SIZE)
    async with database_of(request).platform_transaction() as session:
        grades = await customers.list_grades(session)
        _rows, total = await customers.list_tenants(session, limit=1)
        table = table.with_total(total)
        tenants, _ = await customers.list_tenants(session, limit=PAGE_SIZE, offset=table.offset)
    extra.setdefault("values", {})
    return render(
        request,
        "tenants.html",
        status_code=status_code,
        actor=actor,
        table=table,
        tenants=tenants,
        grade_names={g.id: g.name for g in grades},
        grade_options=[(str(g.id), g.name) for g in grades],
        may_create=allowed(actor.role, Action.CREATE_TENANT),
        may_change=allowed(actor.role, Action.CHANGE_TENANT_STATUS),
        may_manage_users=may_view(actor.role, View.TENANT_USERS),
        **extra,
    )


@router.get(PATH)
async def tenants_page(request: Request, actor: TenantsViewer) -> Response:
    return await _page(request, actor)


@router.post(PATH)
async def tenant_create(request: Request, actor: TenantsViewer) -> Response:
    form = await posted_form(request)
    values = {k: str(form.get(k, ""))[:256] for k in FIELDS}
    try:
        grade_id = parse_id(values["grade_id"], "grade_id")
        if grade_id is None:
            raise InvalidInput([Problem("grade_id", "required")])
        data = TenantCreate.model_validate(
            {**values, "grade_id": grade_id, "contact_email": values["contact_email"] or None}
        )
        async with database_of(request).platform_transaction() as session:
            await customers.create_tenant(session, actor, data)
    except (ValidationError, HiveError) as error:
        shown = refusal(request, error, FIELDS)
        if isinstance(error, HiveError) and error.code == "tenant_code_taken":
            shown.update(errors={"code": shown["problems"]}, problems=[])
        return await _page(request, actor, values=values, **shown)
    return redirect_with_flash(PATH, "tenants.done.created", name=data.name)


@router.post(PATH + "/{tenant_id}/status")
async def tenant_status(
    request: Request,
    actor: TenantsViewer,
    tenant_id: Id,
    csrf_token: CsrfToken = "",
    status: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    if status not in (TenantStatus.ACTIVE.value, TenantStatus.SUSPENDED.value):
        choices = f"{TenantStatus.ACTIVE.value}, {TenantStatus.SUSPENDED.value}"
        raise InvalidInput([Problem("status", "not_a_choice", {"choices": choices})])
    async with database_of(request).platform_transaction() as session:
        tenant = await customers.change_tenant_status(
            session, actor, tenant_id, TenantStatus(status)
        )
    return redirect_with_flash(PATH, f"tenants.done.{status}", name=tenant.name)
