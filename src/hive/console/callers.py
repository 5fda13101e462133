"""Who is calling a console page, as FastAPI dependencies.

A route names its caller in its signature instead of checking the sign-in by hand::

    @router.get("/admin/catalog/pool")
    async def pool_page(request: Request, actor: StaffActor) -> Response: ...

    @router.get("/workbench/pool")
    async def pool_page(request: Request, actor: TenantActor, session: TenantSession): ...

A page for one action of the permission matrix names it, so the role check is the matrix's::

    @router.get("/admin/accounts")
    async def accounts_page(request: Request, actor: Annotated[Actor, may(Action.UNLOCK_ACCOUNT)]):

A page that anyone may open (the login page, the language switch) says so with
``dependencies=[PUBLIC]``; ``tests/console/test_callers.py`` fails for a console route that
names neither a caller nor ``PUBLIC``.

A page that only some roles may open (reading, not changing) names its view; the same table
(``permissions.VIEWS``) decides whether the menu shows it::

    PoolViewer = Annotated[Actor, viewing(View.POOL)]

    @router.get("/admin/catalog/pool")
    async def pool_page(request: Request, actor: PoolViewer) -> Response: ...

Nobody signed in: the browser is sent to ``/login`` (303). Signed in as the other kind of user
(a tenant user on an operator page, staff on the workbench), or as a role the matrix does not
allow: the 403 page. Both are raised as exceptions and answered by the handlers :func:`install`
adds to the application.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from hive.console.pages import render, session_actor
from hive.platform.actor import Actor
from hive.platform.http import PUBLIC, database_of
from hive.platform.permissions import Action, View, allowed, may_view

LOGIN = "/login"


class SignInRequired(Exception):
    """No live session: the page is answered with a redirect to the login page."""


class WrongAudience(Exception):
    """A signed-in user on a page for the other kind of user, or whose role may not take the
    page's action: answered with the 403 page."""

    def __init__(self, actor: Actor):
        super().__init__(actor.username)
        self.actor = actor


async def _signed_in(request: Request) -> Actor:
    actor = await session_actor(request)
    if actor is None:
        raise SignInRequired()
    return actor


async def staff(request: Request) -> Actor:
    """The signed-in platform staff member."""
    actor = await _signed_in(request)
    if not actor.is_platform:
        raise WrongAudience(actor)
    return actor


async def tenant(request: Request) -> Actor:
    """The signed-in user of a tenant (``tenant_id`` is set); platform staff get the 403 page
    (the workbench shows what a tenant may see)."""
    actor = await _signed_in(request)
    if actor.is_platform:
        raise WrongAudience(actor)
    return actor


SignedInActor = Annotated[Actor, Depends(_signed_in)]
StaffActor = Annotated[Actor, Depends(staff)]
TenantActor = Annotated[Actor, Depends(tenant)]


def may(action: Action) -> Any:
    """A dependency: the signed-in user, whose role may take ``action`` (the permission
    matrix); any other signed-in user gets the 403 page."""

    async def caller(actor: SignedInActor) -> Actor:
        if not allowed(actor.role, action):
            raise WrongAudience(actor)
        return actor

    caller.__name__ = f"may_{action.name.lower()}"
    return Depends(caller)


def viewing(view: View) -> Any:
    """A dependency: the signed-in user, whose role may open ``view`` (``permissions.VIEWS``,
    which also decides the menu); any other signed-in user gets the 403 page."""

    async def caller(actor: SignedInActor) -> Actor:
        if not may_view(actor.role, view):
            raise WrongAudience(actor)
        return actor

    caller.__name__ = f"viewing_{view.name.lower()}"
    return Depends(caller)


def tenant_id_of(actor: Actor) -> int:
    if actor.tenant_id is None:  # the tenant dependency lets only tenant users through
        raise WrongAudience(actor)
    return actor.tenant_id


async def tenant_session(request: Request, actor: TenantActor) -> AsyncIterator[AsyncSession]:
    """A transaction as the caller's tenant (role ``hive_tenant``, row-level security), committed
    when the route returns and rolled back when it raises."""
    async with database_of(request).tenant_transaction(tenant_id_of(actor)) as session:
        yield session


# Scope "function": the transaction ends before the response is sent, so a failed commit is
# the answer rather than a page already shown.
TenantSession = Annotated[AsyncSession, Depends(tenant_session, scope="function")]


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    return RedirectResponse(LOGIN, status_code=303)


async def _wrong_audience(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WrongAudience)
    return render(request, "forbidden.html", status_code=403, actor=exc.actor)


__all__ = [
    "PUBLIC",
    "SignedInActor",
    "StaffActor",
    "TenantActor",
    "TenantSession",
    "install",
    "may",
    "staff",
    "tenant",
    "viewing",
]


def install(app: FastAPI) -> None:
    """Answer the callers' exceptions: the login redirect and the 403 page."""
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(WrongAudience, _wrong_audience)
