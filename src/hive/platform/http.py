"""The FastAPI application factory shared by HCM and HAG: errors, health, metrics, middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hive.platform.config import Settings
from hive.platform.context import current_request_id
from hive.platform.db import Database, create_engine
from hive.platform.errors import HiveError
from hive.platform.logging import get_logger
from hive.platform.observability import RequestObservabilityMiddleware, metrics_endpoint
from hive.platform.readiness import readiness_checks, run_checks

log = get_logger("hive.http")

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": current_request_id(), **extra}
    return JSONResponse(body, status_code=status)


async def _hive_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HiveError)
    if exc.http_status >= 500:
        log.error("request failed", code=exc.code, error=exc.message)
    return JSONResponse(exc.to_body(current_request_id()), status_code=exc.http_status)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(part) for part in error["loc"]), "problem": error["msg"]}
        for error in exc.errors()
    ]
    return error_response(
        422, "validation_failed", "请求参数不合法 / Invalid request", details={"fields": fields}
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", error_type=type(exc).__name__)
    return error_response(500, "internal_error", "内部错误 / Internal error")


def create_app(
    *,
    name: str,
    settings: Settings,
    database_url: str,
    routers: Sequence[APIRouter] = (),
    configure: Callable[[FastAPI], None] | None = None,
    resources: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
) -> FastAPI:
    """Build one of Hive's HTTP applications around a database it opens on startup.

    ``resources`` opens whatever else the app needs for its lifetime (after the database).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(create_engine(database_url, settings))
        app.state.database = database
        app.state.settings = settings
        try:
            if resources is None:
                yield
            else:
                async with resources(app):
                    yield
        finally:
            await database.dispose()

    app = FastAPI(title=f"Hive {name.upper()}", lifespan=lifespan)
    app.add_exception_handler(HiveError, _hive_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(_health_router())
    for router in routers:
        app.include_router(router)
    if configure is not None:
        configure(app)
    app.add_middleware(RequestObservabilityMiddleware, app_name=name)
    return app


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: the database (and Redis, RabbitMQ when configured) answer."""
        checks = readiness_checks(request.app.state.settings, request.app.state.database)
        results = await run_checks(checks)
        ready = all(result == "ok" for result in results.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": results},
            status_code=200 if ready else 503,
        )

    router.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    return router


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database
