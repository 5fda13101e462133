"""Open API test helpers: apps made through the real service, a HAG served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from hive.apps.hag import create_hag_app
from hive.openapi import service as openapi
from hive.openapi.client import OpenApiClient
from hive.openapi.schemas import AppCreate
from hive.openapi.scopes import ALL_SCOPES, Scope
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.secret_key import load_secret_box
from tests.support.factories import ADMIN
from tests.support.servers import running_server

SECRET_KEY = "open-api-tests-secret-key-0123456789abcdef"


def gateway_settings(settings: Settings, **changes: object) -> Settings:
    """The test settings with a fixed secret key and no app cache (revocations act at once)."""
    values: dict[str, object] = {"secret_key": SecretStr(SECRET_KEY), "open_api_app_cache_s": 0}
    return settings.model_copy(update=values | changes)


@dataclass(frozen=True)
class IssuedApp:
    app_id: int
    app_key: str
    app_secret: str
    tenant_id: int


async def make_app(
    database: Database,
    settings: Settings,
    tenant_id: int,
    *,
    scopes: Sequence[Scope] = ALL_SCOPES,
    ip_allow: Sequence[str] = (),
    name: str = "集成测试",
) -> IssuedApp:
    data = AppCreate(name=name, scopes=list(scopes), ip_allow=list(ip_allow))
    async with database.platform_transaction() as session:
        issued = await openapi.create_app(
            session, ADMIN, tenant_id, data, load_secret_box(settings)
        )
    return IssuedApp(issued.app_id, issued.app_key, issued.app_secret, tenant_id)


@contextmanager
def running_gateway(settings: Settings) -> Iterator[str]:
    """HAG with every domain, served on a free loopback port."""
    with running_server(create_hag_app(settings, settings.database_url)) as url:
        yield url


def client_for(url: str, app: IssuedApp, **options: object) -> OpenApiClient:
    return OpenApiClient(url, app.app_key, app.app_secret, **options)  # type: ignore[arg-type]
