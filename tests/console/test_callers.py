"""Every console route gets its caller from a dependency, or says that it is public.

The routes are read from the HCM application itself (every domain's routers), so a route a new
domain adds is checked without editing this test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response

from hive.apps.hcm import create_hcm_app
from hive.console import callers
from hive.platform import http
from hive.platform.config import Settings
from tests.support.console import app_routes

# The dependencies that name who is calling: a signed-in user (any, staff, tenant, or one
# whose role may take an action, which goes through ``_signed_in``) or nobody in particular.
CALLER_DEPENDENCIES: frozenset[Callable[..., Any]] = frozenset(
    {callers._signed_in, callers.staff, callers.tenant, http.public}
)


def _calls(dependant: Dependant) -> set[Callable[..., Any]]:
    found: set[Callable[..., Any]] = set()
    stack = [dependant]
    while stack:
        current = stack.pop()
        if current.call is not None:
            found.add(current.call)
        stack.extend(current.dependencies)
    return found


def routes_without_caller(app: FastAPI) -> list[str]:
    """``METHOD path`` of every route naming neither a caller dependency nor ``PUBLIC``."""
    return sorted(
        f"{','.join(sorted(route.methods))} {route.path}"
        for route in app_routes(app)
        if not _calls(route.dependant) & CALLER_DEPENDENCIES
    )


def test_every_console_route_names_its_caller_or_is_public(settings: Settings) -> None:
    app = create_hcm_app(settings, settings.database_url)
    checked = list(app_routes(app))
    assert len(checked) >= 20  # the walk reaches every domain's routers
    assert routes_without_caller(app) == []


def test_a_route_that_reads_the_sign_in_by_hand_is_found(settings: Settings) -> None:
    router = APIRouter()

    @router.get("/admin/by-hand")
    async def by_hand(request: Request) -> Response:
        return Response()

    @router.get("/admin/named")
    async def named(request: Request, actor: callers.StaffActor) -> Response:
        return Response()

    app = create_hcm_app(settings, settings.database_url)
    app.include_router(router)
    assert routes_without_caller(app) == ["GET /admin/by-hand"]


def test_the_account_pages_take_their_caller_from_the_permission_matrix(
    settings: Settings,
) -> None:
    app = create_hcm_app(settings, settings.database_url)
    by_path = {route.path: route for route in app_routes(app)}
    for path in ("/admin/accounts", "/admin/accounts/unlock", "/admin/accounts/sign-out"):
        names = {getattr(call, "__name__", "") for call in _calls(by_path[path].dependant)}
        assert {"may_unlock_account", "may_end_user_sessions"} & names, path
    for path in ("/account/sessions", "/account/sessions/end", "/account/password", "/"):
        assert callers._signed_in in _calls(by_path[path].dependant), path
