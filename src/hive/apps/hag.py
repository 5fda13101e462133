"""HAG: the high-concurrency gateway (Open API, supplier adapters, change feed, webhooks)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import APIRouter, FastAPI

from hive import __version__
from hive.domains import DOMAINS
from hive.platform.config import Settings
from hive.platform.domains import Domain, hag_middleware, hag_resources, routers
from hive.platform.http import create_app

_info = APIRouter(tags=["gateway"])


@_info.get("/")
async def gateway_info() -> dict[str, str]:
    """What this service is; the Open API lives under ``/open/v1``."""
    return {"service": "hive-hag", "version": __version__}


def create_hag_app(
    settings: Settings, database_url: str, domains: Sequence[Domain] = DOMAINS
) -> FastAPI:
    """The gateway application: its own information route and every domain's HAG routers,
    resources and middleware."""

    def configure(app: FastAPI) -> None:
        for middleware in hag_middleware(domains):
            app.add_middleware(middleware)

    @asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for open_resource in hag_resources(domains):
                await stack.enter_async_context(open_resource(app, settings))
            yield

    return create_app(
        name="hag",
        settings=settings,
        database_url=database_url,
        routers=[_info, *routers(domains, "hag")],
        configure=configure,
        resources=resources,
    )
