"""HAG: the high-concurrency gateway (Open API, supplier adapters, change feed, webhooks)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from hive import __version__
from hive.domains import DOMAINS
from hive.platform.config import Settings
from hive.platform.domains import Domain, routers
from hive.platform.http import create_app

_info = APIRouter(tags=["gateway"])


@_info.get("/")
async def gateway_info() -> dict[str, str]:
    """What this service is; the Open API lives under ``/open/v1``."""
    return {"service": "hive-hag", "version": __version__}


def create_hag_app(
    settings: Settings, database_url: str, domains: Sequence[Domain] = DOMAINS
) -> FastAPI:
    """The gateway application: its own information route and every domain's HAG routers."""
    return create_app(
        name="hag",
        settings=settings,
        database_url=database_url,
        routers=[_info, *routers(domains, "hag")],
    )
