"""Operators' distribution pool pages: the list (with the create form) and one pool (its
categories or products, its assignments, on/off). Every change goes through the service,
which re-checks the libraries of the tenants it reaches in the same transaction."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.distribution import forms
from hive.catalog.distribution import service as distribution
from hive.catalog.distribution.explain import Visibility, explain_visibility
from hive.catalog.distribution.models import PoolKind
from hive.catalog.distribution.texts import DISTRIBUTION_TEXTS
from hive.console import i18n
from hive.console.callers import viewing
from hive.console.error_pages import field_errors, problem_lines
from hive.console.forms import CsrfToken
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import refuse_unknown
from hive.customers import service as customers
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError, NotFound
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id, InvalidInput, Problem, parse_id

router = APIRouter(include_in_schema=False)
i18n.extend(DISTRIBUTION_TEXTS)

POOLS = "/admin/catalog/distribution"
VISIBILITY = POOLS + "/visibility"
Viewer = Annotated[Actor, viewing(View.DISTRIBUTION)]
CREATE_FIELDS = ("name", "kind", "description")


@router.get(POOLS)
async def pools_page(request: Request, actor: Viewer) -> Response:
    return await _list(request, actor)


@router.get(VISIBILITY)
async def visibility_page(request: Request, actor: Viewer) -> Response:
    """Which pools show a product to a tenant (code or id), and why the others do not."""
    params = dict(request.query_params)
    asked = {name: params.get(name, "").strip()[:64] for name in ("product_id", "tenant")}
    answer, problems, status = None, [], 200
    if all(asked.values()) or (any(asked.values()) and "tenant" in params):
        try:
            refuse_unknown(params, ["product_id", "tenant"])
            async with database_of(request).platform_transaction() as session:
                answer = await _explain(session, actor, asked)
        except HiveError as error:
            problems, status = problem_lines(request, error), error.http_status
    return render(
        request,
        "distribution_visibility.html",
        status_code=status,
        actor=actor,
        asked=asked,
        answer=answer,
        problems=problems,
        trail=[(i18n.translator(language_of(request))("distribution.visibility"), None)],
    )


async def _explain(session: AsyncSession, actor: Actor, asked: dict[str, str]) -> Visibility:
    product_id = parse_id(asked["product_id"], "product_id")
    if product_id is None or not asked["tenant"]:
        raise InvalidInput(
            [Problem(name, "required") for name, value in asked.items() if not value]
            or [Problem("product_id", "required")]
        )
    code = asked["tenant"]
    tenant_id = parse_id(code, "tenant") if code.isascii() and code.isdigit() else None
    if tenant_id is not None:
        tenant = await customers.get_tenant(session, tenant_id)
    else:
        tenant = await customers.find_tenant_by_code(session, code)
    return await explain_visibility(session, actor, product_id, tenant)


async def _list(
    request: Request,
    actor: Actor,
    *,
    error: HiveError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    async with database_of(request).platform_transaction() as session:
        pools = await distribution.list_pools(session)
    errors, problems = field_errors(request, error, CREATE_FIELDS) if error else ({}, [])
    return render(
        request,
        "distribution_pools.html",
        status_code=error.http_status if error else 200,
        actor=actor,
        pools=pools,
        kinds=list(PoolKind),
        errors=errors,
        problems=problems,
        typed=typed or {},
    )


@router.post(POOLS)
async def create_pool(
    request: Request,
    actor: Viewer,
    csrf_token: CsrfToken = "",
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    description: Annotated[str, Form(max_length=600)] = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        data = forms.pool_create(name, kind, description)
        async with database_of(request).platform_transaction() as session:
            pool = await distribution.create_pool(session, actor, data)
    except HiveError as error:
        typed = {"name": name, "kind": kind, "description": description}
        return await _list(request, actor, error=error, typed=typed)
    return redirect_with_flash(f"{POOLS}/{pool.id}", "distribution.done.created")


@router.get(POOLS + "/{pool_id}")
async def pool_page(request: Request, actor: Viewer, pool_id: Id) -> Response:
    return await _detail(request, actor, pool_id)


async def _detail(
    request: Request, actor: Actor, pool_id: int, *, error: HiveError | None = None
) -> Response:
    async with database_of(request).platform_transaction() as session:
        detail = await distribution.pool_detail(session, pool_id)
    return render(
        request,
        "distribution_pool.html",
        status_code=error.http_status if error else 200,
        actor=actor,
        detail=detail,
        pool=detail.pool,
        problems=problem_lines(request, error) if error else [],
        grade_options=[(g.id, g.name) for g in detail.grades],
        tenant_options=[(t.id, f"{t.name} ({t.code})") for t in detail.tenants],
        trail=[(detail.pool.name, None)],
    )


@router.post(POOLS + "/{pool_id}/members/{change}")
async def change_members(
    request: Request,
    actor: Viewer,
    pool_id: Id,
    change: str,
    csrf_token: CsrfToken = "",
    ids: Annotated[str, Form(max_length=forms.MAX_IDS_TEXT + 1)] = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    if change not in ("add", "remove"):
        raise NotFound()
    call = distribution.add_members if change == "add" else distribution.remove_members
    try:
        members = forms.members(ids)
        async with database_of(request).platform_transaction() as session:
            await call(session, actor, pool_id, members)
    except HiveError as error:
        return await _detail(request, actor, pool_id, error=error)
    done = "members_added" if change == "add" else "members_removed"
    return redirect_with_flash(f"{POOLS}/{pool_id}", f"distribution.done.{done}")


@router.post(POOLS + "/{pool_id}/assignments")
async def assign(
    request: Request,
    actor: Viewer,
    pool_id: Id,
    csrf_token: CsrfToken = "",
    grade_id: Annotated[str, Form(max_length=32)] = "",
    tenant_id: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        target = forms.assignment(grade_id, tenant_id)
        async with database_of(request).platform_transaction() as session:
            await distribution.assign_pool(session, actor, pool_id, target)
    except HiveError as error:
        return await _detail(request, actor, pool_id, error=error)
    return redirect_with_flash(f"{POOLS}/{pool_id}", "distribution.done.assigned")


@router.post(POOLS + "/{pool_id}/assignments/{assignment_id}/remove")
async def unassign(
    request: Request, actor: Viewer, pool_id: Id, assignment_id: Id, csrf_token: CsrfToken = ""
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        async with database_of(request).platform_transaction() as session:
            await distribution.unassign_pool(session, actor, pool_id, assignment_id)
    except HiveError as error:
        return await _detail(request, actor, pool_id, error=error)
    return redirect_with_flash(f"{POOLS}/{pool_id}", "distribution.done.unassigned")


@router.post(POOLS + "/{pool_id}/{switch}")
async def switch_pool(
    request: Request, actor: Viewer, pool_id: Id, switch: str, csrf_token: CsrfToken = ""
) -> Response:
    verify_csrf(request.session, csrf_token)
    if switch not in ("activate", "deactivate"):
        raise NotFound()
    try:
        async with database_of(request).platform_transaction() as session:
            active = switch == "activate"
            await distribution.set_pool_active(session, actor, pool_id, active=active)
    except HiveError as error:
        return await _detail(request, actor, pool_id, error=error)
    return redirect_with_flash(f"{POOLS}/{pool_id}", f"distribution.done.{switch}d")
