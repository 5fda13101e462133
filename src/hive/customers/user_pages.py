"""The accounts pages: 员工账号 (/admin/staff, platform admin: the staff's logins), 团队成员
(/workbench/team, tenant admin: its own tenant's logins) and a tenant's users in the admin
console (/admin/tenants/{id}/users, platform admin: any tenant's logins, opened from the
tenants page). One page in three places: list, create (an initial password generated and shown
once, or set by the admin under the password rules), change role, suspend (asked first; ends
the sessions) and reactivate, unlock the sign-in lock, sign out everywhere (asked first), reset
the password (a form of its own: generated and shown once, or set; ends the sessions). The
rules are the service's (``customers.users``); on the tenant's address the service finds only
that tenant's users, so an action sent to another tenant's address changes nothing (404).

The team page reads and changes users in the tenant's transaction (row-level security: another
tenant's users are not there to be found); only the sign-in lock, kept in a platform table, is
read and lifted in a platform transaction, for users already found in the tenant's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.callers import viewing
from hive.console.error_pages import field_errors, message_in, problem_lines
from hive.console.forms import CsrfToken, posted_form, refusal
from hive.console.i18n import translator
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import read_table, refuse_unknown
from hive.customers import service as customers
from hive.customers import signin, users
from hive.customers.models import UserStatus
from hive.customers.texts import USER_TEXTS
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import Role, View
from hive.platform.validation import Id, InvalidInput, Problem, parse_id

router = APIRouter(include_in_schema=False)
i18n.extend(USER_TEXTS)
STAFF_PATH = "/admin/staff"
TEAM_PATH = "/workbench/team"
TENANT_PATH = "/admin/tenants/{tenant_id}/users"
FIELDS = ("username", "display_name", "role", "password")
PAGE_SIZE = 50
StaffAdmin = Annotated[Actor, viewing(View.STAFF)]
TeamAdmin = Annotated[Actor, viewing(View.TEAM)]
Choice = Annotated[str, Form(max_length=32)]
Password = Annotated[str, Form(max_length=256)]


@dataclass(frozen=True, slots=True)
class _Place:
    """Where the page is: its address and whose users it manages (``tenant``: the tenant a
    platform admin named in the address; None: the actor's own scope)."""

    path: str
    tenant: int | None = None
    tenant_name: str = ""


def _own(actor: Actor) -> _Place:
    return _Place(STAFF_PATH if actor.tenant_id is None else TEAM_PATH)


async def _tenant_place(request: Request, tenant_id: int) -> _Place:
    """The tenant's users page; ``tenant_not_found`` (404) for a tenant that does not exist."""
    async with database_of(request).platform_transaction() as session:
        tenant = await customers.get_tenant(session, tenant_id)
    return _Place(TENANT_PATH.format(tenant_id=tenant.id), tenant.id, tenant.name)


def _scope_of(actor: Actor, place: _Place) -> int | None:
    return users.scope_of(actor, place.tenant)


@asynccontextmanager
async def _scope(request: Request, actor: Actor) -> AsyncIterator[AsyncSession]:
    """The actor's scope's transaction: the platform's for staff (its own users or a named
    tenant's), the tenant's (row-level security) for a tenant admin."""
    database = database_of(request)
    if actor.tenant_id is None:
        async with database.platform_transaction() as session:
            yield session
    else:
        async with database.tenant_transaction(actor.tenant_id) as session:
            yield session


def _heading(request: Request, actor: Actor, place: _Place) -> dict[str, Any]:
    """The page's title, note and breadcrumbs for its place."""
    if place.tenant is not None:
        t = translator(language_of(request))
        title = t("users.tenant_title").format(name=place.tenant_name)
        return {
            "heading": title,
            "note": "users.tenant_note",
            "trail": [(title, place.path)],
        }
    own = actor.tenant_id is None
    return {
        "title": "users.staff_title" if own else "users.team_title",
        "note": "users.staff_note" if own else "users.team_note",
    }


async def _page(
    request: Request, actor: Actor, place: _Place, *, status_code: int = 200, **extra: Any
) -> Response:
    params = dict(request.query_params)
    refuse_unknown(params, ["page"])
    table = read_table(params, path=place.path, page_size=PAGE_SIZE)
    tenant = place.tenant
    async with _scope(request, actor) as session:
        _rows, total = await users.list_members(session, actor, limit=1, offset=0, tenant=tenant)
        table = table.with_total(total)
        rows, _ = await users.list_members(
            session, actor, limit=PAGE_SIZE, offset=table.offset, tenant=tenant
        )
    async with database_of(request).platform_transaction() as session:
        locked = await signin.locked_usernames(session, [row.username for row in rows])
    scope = _scope_of(actor, place)
    extra.setdefault("values", {"role": users.roles_of(scope)[-1].value})
    heading = _heading(request, actor, place)
    extra.setdefault("trail", heading.pop("trail", ()))
    return render(
        request,
        "users.html",
        status_code=status_code,
        actor=actor,
        path=place.path,
        table=table,
        rows=rows,
        locked=locked,
        roles=[
            (role.value, translator(language_of(request))(f"role.{role.value}"))
            for role in users.roles_of(scope)
        ],
        **heading,
        **extra,
    )


async def _create(request: Request, actor: Actor, place: _Place) -> Response:
    form = await posted_form(request)
    values = {k: str(form.get(k, ""))[:256] for k in FIELDS}
    scope = _scope_of(actor, place)
    try:
        if values["role"] not in {r.value for r in users.roles_of(scope)}:
            raise InvalidInput([users.role_problem(scope)])
        data = users.NewMember.model_validate(values)
        async with _scope(request, actor) as session:
            created = await users.create_member(session, actor, data, tenant=place.tenant)
    except (ValidationError, HiveError) as error:
        shown = refusal(request, error, FIELDS)
        if isinstance(error, HiveError) and error.code == "username_taken":
            shown.update(errors={"username": problem_lines(request, error)}, problems=[])
        values["password"] = ""  # never echoed back
        return await _page(request, actor, place, values=values, **shown)
    return _password_shown(
        request, actor, place, created.user.username, created.generated_password, "created"
    )


def _password_shown(
    request: Request,
    actor: Actor,
    place: _Place,
    username: str,
    password: str | None,
    what: str,
) -> Response:
    """The page after a login was created or its password reset: a generated password shown
    this once (the page is never cached: ``no-store`` on every console page)."""
    t = translator(language_of(request))
    return render(
        request,
        "user_created.html",
        actor=actor,
        path=place.path,
        what=what,
        username=username,
        password=password,
        trail=[*_heading(request, actor, place).get("trail", ()), (t(f"users.{what}_title"), None)],
    )


async def _refused(request: Request, actor: Actor, place: _Place, error: HiveError) -> Response:
    """The list again with the refusal above it (the service changed nothing)."""
    t = translator(language_of(request))
    text = t(f"error.{error.code}")
    if text == f"error.{error.code}":
        text = message_in(language_of(request), error.message)
    lines = problem_lines(request, error) if isinstance(error, InvalidInput) else [text]
    return await _page(request, actor, place, status_code=error.http_status, problems=lines)


async def _change_role(
    request: Request, actor: Actor, place: _Place, user_id: int, role: str
) -> Response:
    scope = _scope_of(actor, place)
    try:
        if role not in {r.value for r in users.roles_of(scope)}:
            raise InvalidInput([users.role_problem(scope)])
        async with _scope(request, actor) as session:
            user = await users.change_role(session, actor, user_id, Role(role), tenant=place.tenant)
    except HiveError as error:
        return await _refused(request, actor, place, error)
    role_name = translator(language_of(request))(f"role.{role}")
    return redirect_with_flash(place.path, "users.done.role", name=user.username, role=role_name)


async def _change_status(
    request: Request, actor: Actor, place: _Place, user_id: int, status: str
) -> Response:
    try:
        if status not in (UserStatus.ACTIVE.value, UserStatus.DISABLED.value):
            choices = f"{UserStatus.ACTIVE.value}, {UserStatus.DISABLED.value}"
            raise InvalidInput([Problem("status", "not_a_choice", {"choices": choices})])
        async with _scope(request, actor) as session:
            user, ended = await users.change_status(
                session, actor, user_id, UserStatus(status), tenant=place.tenant
            )
    except HiveError as error:
        return await _refused(request, actor, place, error)
    return redirect_with_flash(place.path, f"users.done.{status}", name=user.username, n=ended)


async def _unlock(request: Request, actor: Actor, place: _Place, user_id: int) -> Response:
    try:
        async with _scope(request, actor) as session:
            member = await users.get_member(session, actor, user_id, tenant=place.tenant)
            username = member.username
        async with database_of(request).platform_transaction() as session:
            was_locked = await signin.unlock_account(session, actor, username)
    except HiveError as error:
        return await _refused(request, actor, place, error)
    guard: signin.SignInGuard | None = getattr(request.app.state, "sign_in_guard", None)
    if guard is not None:
        guard.forget(username)
    key = "users.done.unlocked" if was_locked else "users.done.not_locked"
    return redirect_with_flash(place.path, key, name=username)


async def _sign_out(request: Request, actor: Actor, place: _Place, user_id: int) -> Response:
    try:
        async with _scope(request, actor) as session:
            user, ended = await users.sign_out_member(session, actor, user_id, tenant=place.tenant)
    except HiveError as error:
        return await _refused(request, actor, place, error)
    return redirect_with_flash(place.path, "users.done.signed_out", name=user.username, n=ended)


async def _password_form(
    request: Request,
    actor: Actor,
    place: _Place,
    user_id: int,
    *,
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    """The reset-password form of one user (the service's scope check finds the user)."""
    async with _scope(request, actor) as session:
        user = await users.get_member(session, actor, user_id, tenant=place.tenant)
    t = translator(language_of(request))
    title = t("users.reset_title").format(name=user.username)
    return render(
        request,
        "user_password.html",
        status_code=status_code,
        actor=actor,
        path=place.path,
        user=user,
        heading=title,
        errors=errors or {},
        trail=[*_heading(request, actor, place).get("trail", ()), (title, None)],
    )


async def _reset_password(
    request: Request, actor: Actor, place: _Place, user_id: int, password: str
) -> Response:
    try:
        async with _scope(request, actor) as session:
            user, generated, _ended = await users.reset_password(
                session, actor, user_id, password, tenant=place.tenant
            )
    except InvalidInput as error:
        by_field, _others = field_errors(request, error, ("password",))
        return await _password_form(
            request, actor, place, user_id, status_code=error.http_status, errors=by_field
        )
    except HiveError as error:
        return await _refused(request, actor, place, error)
    return _password_shown(request, actor, place, user.username, generated, "reset_done")


def _register(path: str, view: View, *, tenant_page: bool = False) -> None:
    """The page's routes at ``path`` for the role(s) that may open ``view``; ``tenant_page``:
    the address names the tenant (``{tenant_id}``) whose users a platform admin manages."""
    admin = viewing(view)
    name = view.name.lower()

    async def place_of(request: Request, actor: Actor) -> _Place:
        if not tenant_page:
            return _own(actor)
        raw = request.path_params.get("tenant_id", "")
        return await _tenant_place(request, _tenant_id(raw))

    @router.get(path, name=f"{name}_page")
    async def page(request: Request, actor: Actor = admin) -> Response:
        return await _page(request, actor, await place_of(request, actor))

    @router.post(path, name=f"{name}_create")
    async def create(request: Request, actor: Actor = admin) -> Response:
        return await _create(request, actor, await place_of(request, actor))

    @router.post(path + "/{user_id}/role", name=f"{name}_role")
    async def role(
        request: Request,
        user_id: Id,
        actor: Actor = admin,
        csrf_token: CsrfToken = "",
        role: Choice = "",
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        return await _change_role(request, actor, await place_of(request, actor), user_id, role)

    @router.post(path + "/{user_id}/status", name=f"{name}_status")
    async def status(
        request: Request,
        user_id: Id,
        actor: Actor = admin,
        csrf_token: CsrfToken = "",
        status: Choice = "",
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        place = await place_of(request, actor)
        return await _change_status(request, actor, place, user_id, status)

    @router.post(path + "/{user_id}/unlock", name=f"{name}_unlock")
    async def unlock(
        request: Request, user_id: Id, actor: Actor = admin, csrf_token: CsrfToken = ""
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        return await _unlock(request, actor, await place_of(request, actor), user_id)

    @router.post(path + "/{user_id}/sign-out", name=f"{name}_sign_out")
    async def sign_out(
        request: Request, user_id: Id, actor: Actor = admin, csrf_token: CsrfToken = ""
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        return await _sign_out(request, actor, await place_of(request, actor), user_id)

    @router.get(path + "/{user_id}/password", name=f"{name}_password_form")
    async def password_form(request: Request, user_id: Id, actor: Actor = admin) -> Response:
        return await _password_form(request, actor, await place_of(request, actor), user_id)

    @router.post(path + "/{user_id}/password", name=f"{name}_password")
    async def password(
        request: Request,
        user_id: Id,
        actor: Actor = admin,
        csrf_token: CsrfToken = "",
        password: Password = "",
    ) -> Response:
        verify_csrf(request.session, csrf_token)
        place = await place_of(request, actor)
        return await _reset_password(request, actor, place, user_id, password)


def _tenant_id(raw: str) -> int:
    """The tenant id of the address; a malformed one is refused like any bad id (422)."""
    tenant_id = parse_id(raw, "tenant_id")
    if tenant_id is None:
        raise InvalidInput([Problem("tenant_id", "required")])
    return tenant_id


_register(STAFF_PATH, View.STAFF)
_register(TEAM_PATH, View.TEAM)
_register(TENANT_PATH, View.TENANT_USERS, tenant_page=True)
