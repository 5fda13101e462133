"""HCM: business logic and the web console (admin console and tenant workbench)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from hive.console import callers, menu
from hive.console.error_pages import error_page
from hive.customers.signin import SignInGuard
from hive.domains import DOMAINS
from hive.platform.browser_session import COOKIE_NAME, BrowserSessionMiddleware
from hive.platform.config import Settings
from hive.platform.domains import Domain, hcm_resources, routers
from hive.platform.http import create_app
from hive.platform.passwords import configure_hashing
from hive.platform.secret_key import load_secret_box, load_secret_key
from hive.platform.security_headers import CONSOLE_CSP

STATIC_DIR = Path(__file__).resolve().parent.parent / "console" / "static"
SESSION_COOKIE = COOKIE_NAME


def create_hcm_app(
    settings: Settings, database_url: str, domains: Sequence[Domain] = DOMAINS
) -> FastAPI:
    """The console application: every domain's HCM routers and resources."""
    secret_key = load_secret_key(settings)
    secrets = load_secret_box(settings)
    configure_hashing(settings.password_hash_concurrency, settings.password_hash_nice)

    def configure(app: FastAPI) -> None:
        app.state.secrets = secrets
        app.state.error_page = error_page
        callers.install(app)
        app.state.menu = menu.collect(domains)
        app.state.sign_in_guard = SignInGuard(
            settings.login_concurrency,
            refusals_per_s=settings.login_refusals_per_s,
            refusal_burst=settings.login_refusal_burst,
        )
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
        app.add_middleware(
            BrowserSessionMiddleware,
            secret_key=secret_key,
            max_age_s=settings.session_max_age_s,
            https_only=settings.secure_cookies,
        )

    @asynccontextmanager
    async def resources(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for open_resource in hcm_resources(domains):
                await stack.enter_async_context(open_resource(app, settings))
            yield

    return create_app(
        name="hcm",
        settings=settings,
        database_url=database_url,
        routers=routers(domains, "hcm"),
        configure=configure,
        resources=resources,
        content_security_policy=CONSOLE_CSP,
        no_store=True,
        api_docs=False,
    )
