"""HCM: business logic and the web console (admin console and tenant workbench)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hive.catalog.selection.upstream import UpstreamSearch
from hive.console.account import router as account_router
from hive.console.catalog import router as catalog_router
from hive.console.error_pages import error_page
from hive.console.language import router as language_router
from hive.console.pool import router as pool_router
from hive.console.routes import router as console_router
from hive.console.supplier_messages import router as supplier_messages_router
from hive.console.suppliers import router as suppliers_router
from hive.console.workbench import router as workbench_router
from hive.platform.browser_session import COOKIE_NAME, BrowserSessionMiddleware
from hive.platform.config import Settings
from hive.platform.crypto import SecretBox
from hive.platform.http import create_app
from hive.platform.passwords import configure_hashing
from hive.platform.secret_key import load_secret_key
from hive.platform.security_headers import CONSOLE_CSP
from hive.suppliers.runtime import supplier_runtime

STATIC_DIR = Path(__file__).resolve().parent.parent / "console" / "static"
SESSION_COOKIE = COOKIE_NAME


def create_hcm_app(settings: Settings, database_url: str) -> FastAPI:
    secret_key = load_secret_key(settings)
    configure_hashing(settings.password_hash_concurrency)

    def configure(app: FastAPI) -> None:
        app.state.secrets = SecretBox(secret_key)
        app.state.error_page = error_page
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
        app.add_middleware(
            BrowserSessionMiddleware,
            secret_key=secret_key,
            max_age_s=settings.session_max_age_s,
            https_only=settings.secure_cookies,
        )

    @asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        async with supplier_runtime(app.state.database, settings) as adapters:
            app.state.adapters = adapters
            app.state.upstream_search = UpstreamSearch(
                app.state.database,
                timeout_s=settings.upstream_search_timeout_s,
                cache_ttl_s=settings.upstream_search_cache_ttl_s,
            )
            yield

    return create_app(
        name="hcm",
        settings=settings,
        database_url=database_url,
        routers=[
            console_router,
            language_router,
            account_router,
            suppliers_router,
            supplier_messages_router,
            catalog_router,
            pool_router,
            workbench_router,
        ],
        configure=configure,
        resources=resources,
        content_security_policy=CONSOLE_CSP,
        no_store=True,
        api_docs=False,
    )
