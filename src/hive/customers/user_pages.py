"""The accounts pages: 员工账号 (/admin/staff, platform admin: the staff's logins) and 团队成员
(/workbench/team, tenant admin: its own tenant's logins). One page in two scopes: list, create
(an initial password generated and shown once, or set by the admin under the password rules),
change role, suspend (asked first; ends the sessions) and reactivate, unlock the sign-in lock,
sign out everywhere (asked first). The rules are the service's (``customers.users``).

The team page reads and changes users in the tenant's transaction (row-level security: another
tenant's users are not there to be found); only the sign-in lock, kept in a platform table, is
read and lifted in a platform transaction, for users already found in the tenant's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.callers import viewing
from hive.console.error_pages import field_errors, message_in, problem_lines
from hive.console.i18n import translator
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import read_table, refuse_unknown
from hive.customers import signin, users
from hive.customers.models import UserStatus
from hive.customers.texts import USER_TEXTS
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import Role, View
from hive.platform.validation import Id, InvalidInput, Problem

router = APIRouter(include_in_schema=False)
i18n.extend(USER_TEXTS)
STAFF_PATH = "/admin/staff"
TEAM_PATH = "/workbench/team"
FIELDS = ("username", "display_name", "role", "password")
PAGE_SIZE = 50
StaffAdmin = Annotated[Actor, viewing(View.STAFF)]
TeamAdmin = Annotated[Actor, viewing(View.TEAM)]
Csrf = Annotated[str, Form(max_length=128)]
Choice = Annotated[str, Form(max_length=32)]


def _path(actor: Actor) -> str:
    return STAFF_PATH if actor.tenant_id is None else TEAM_PATH


@asynccontextmanager
async def _scope(request: Request, actor: Actor) -> AsyncIterator[AsyncSession]:
    """The actor's scope's transaction: the platform's for staff, the tenant's (row-level
    security) for a tenant admin."""
    database = database_of(request)
    if actor.tenant_id is None:
        async with database.platform_transaction() as session:
            yield session
    else:
        async with database.tenant_transaction(actor.tenant_id) as session:
            yield session


async def _page(
    request: Request, actor: Actor, *, status_code: int = 200, **extra: Any
) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ["page"])
    path = _path(actor)
    table = read_table(params, path=path, page_size=PAGE_SIZE)
    async with _scope(request, actor) as session:
        _rows, total = await users.list_members(session, actor, limit=1, offset=0)
        table = table.with_total(total)
        rows, _ = await users.list_members(session, actor, limit=PAGE_SIZE, offset=table.offset)
    async with database_of(request).platform_transaction() as session:
        locked = await signin.locked_usernames(session, [row.username for row in rows])
    scope = users.scope_of(actor)
    extra.setdefault("values", {"role": users.roles_of(scope)[-1].value})
    return render(
        request,
        "users.html",
        status_code=status_code,
        actor=actor,
        path=path,
        title="users.staff_title" if scope is None else "users.team_title",
        note="users.staff_note" if scope is None else "users.team_note",
        table=table,
        rows=rows,
        locked=locked,
        roles=[
            (role.value, translator(language_of(request))(f"role.{role.value}"))
            for role in users.roles_of(scope)
        ],
        **extra,
    )


async def _create(request: Request, actor: Actor) -> Response:
    form = await request.form()
    verify_csrf(request.session, str(form.get("csrf_token", ""))[:128])
    values = {k: str(form.get(k, ""))[:256] for k in FIELDS}
    try:
        if values["role"] not in {r.value for r in users.roles_of(users.scope_of(actor))}:
            raise InvalidInput([users.role_problem(users.scope_of(actor))])
        data = users.NewMember.model_validate(values)
        async with _scope(request, actor) as session:
            created = await users.create_member(session, actor, data)
    except (ValidationError, HiveError) as error:
        status = error.http_status if isinstance(error, HiveError) else 422
        by_field, others = field_errors(request, error, FIELDS)
        if isinstance(error, HiveError) and error.code == "username_taken":
            by_field, others = {"username": problem_lines(request, error)}, []
        values["password"] = ""  # never echoed back
        return await _page(
            request, actor, status_code=status, values=values, errors=by_field, problems=others
        )
    return render(
        request,
        "user_created.html",
        actor=actor,
        path=_path(actor),
        username=created.user.username,
        password=created.generated_password,
        trail=[(translator(language_of(request))("users.created_title"), None)],
    )


async def _refused(request: Request, actor: Actor, error: HiveError) -> Response:
    """The list again with the refusal above it (the service changed nothing)."""
    t = translator(language_of(request))
    text = t(f"error.{error.code}")
    if text == f"error.{error.code}":
        text = message_in(language_of(request), error.message)
    lines = problem_lines(request, error) if isinstance(error, InvalidInput) else [text]
    return await _page(request, actor, status_code=error.http_status, problems=lines)


async def _change_role(request: Request, actor: Actor, user_id: int, role: str) -> Response:
    try:
        if role not in {r.value for r in users.roles_of(users.scope_of(actor))}:
            raise InvalidInput([users.role_problem(users.scope_of(actor))])
        async with _scope(request, actor) as session:
            user = await users.change_role(session, actor, user_id, Role(role))
    except HiveError as error:
        return await _refused(request, actor, error)
    role_name = translator(language_of(request))(f"role.{role}")
    return redirect_with_flash(_path(actor), "users.done.role", name=user.username, role=role_name)


async def _change_status(request: Request, actor: Actor, user_id: int, status: str) -> Response:
    try:
        if status not in (UserStatus.ACTIVE.value, UserStatus.DISABLED.value):
            choices = f"{UserStatus.ACTIVE.value}, {UserStatus.DISABLED.value}"
            raise InvalidInput([Problem("status", "not_a_choice", {"choices": choices})])
        async with _scope(request, actor) as session:
            user, ended = await users.change_status(session, actor, user_id, UserStatus(status))
    except HiveError as error:
        return await _refused(request, actor, error)
    return redirect_with_flash(_path(actor), f"users.done.{status}", name=user.username, n=ended)


async def _unlock(request: Request, actor: Actor, user_id: int) -> Response:
    try:
        async with _scope(request, actor) as session:
            username = (await users.get_member(session, actor, user_id)).username
        async with database_of(request).platform_transaction() as session:
            was_locked = await signin.unlock_account(session, actor, username)
    except HiveError as error:
        return await _refused(request, actor, error)
    guard: signin.SignInGuard | None = getattr(request.app.state, "sign_in_guard", None)
    if guard is not None:
        guard.forget(username)
    key = "users.done.unlocked" if was_locked else "users.done.not_locked"
    return redirect_with_flash(_path(actor), key, name=username)


async def _sign_out(request: Request, actor: Actor, user_id: int) -> Response:
    try:
        async with _scope(request, actor) as session:
            user, ended = await users.sign_out_member(session, actor, user_id)
    except HiveError as error:
        return await _refused(request, actor, error)
    return redirect_with_flash(_path(actor), "users.done.signed_out", name=user.username, n=ended)


def _register(path: str, view: View) -> None:
    """The page's routes at ``path`` for the role(s) that may open ``view``."""
    admin = viewing(view)

    @router.get(path, name=f"{view.name.lower()}_page")
    async def page(request: Request, actor: Actor = admin) -> Response:
        return await _page(request, actor)

    @router.post(path, name=f"{view.name.lower()}_create")
    async def create(request: Request, actor: Actor = admin) -> Response:
        return await _create(request, actor)

    @router.post(path + "/{user_id}/role", name=f"{view.name.lower()}_role")
    async def role(
        request: Request,
        user_id: Id,
        actor: Actor = admin,
        csrf_token: Csrf = "",
        role: Choice = "",
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        return await _change_role(request, actor, user_id, role)

    @router.post(path + "/{user_id}/status", name=f"{view.name.lower()}_status")
    async def status(
        request: Request,
        user_id: Id,
        actor: Actor = admin,
        csrf_token: Csrf = "",
        status: Choice = "",
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        return await _change_status(request, actor, user_id, status)

    @router.post(path + "/{user_id}/unlock", name=f"{view.name.lower()}_unlock")
    async def unlock(
        request: Request, user_id: Id, actor: Actor = admin, csrf_token: Csrf = ""
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        return await _unlock(request, actor, user_id)

    @router.post(path + "/{user_id}/sign-out", name=f"{view.name.lower()}_sign_out")
    async def sign_out(
        request: Request, user_id: Id, actor: Actor = admin, csrf_token: Csrf = ""
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        return await _sign_out(request, actor, user_id)


_register(STAFF_PATH, View.STAFF)
_register(TEAM_PATH, View.TEAM)
