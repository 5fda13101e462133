"""The FastAPI application factory shared by HCM and HAG: errors, health, metrics, middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hive.platform.api_docs import add_api_docs
from hive.platform.config import Settings
from hive.platform.context import current_request_id
from hive.platform.db import Database, create_engine
from hive.platform.errors import HiveError
from hive.platform.language import localize, negotiate
from hive.platform.logging import get_logger
from hive.platform.observability import RequestObservabilityMiddleware, metrics_endpoint
from hive.platform.readiness import readiness_checks, run_checks
from hive.platform.security_headers import SecurityHeadersMiddleware
from hive.platform.validation import InvalidInput, localize_problems, problems_from_errors
from hive.platform.validation import (
    refuse_control_characters as check_control_characters,
)

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
# The framework's own refusals (a path no route has, a method a route does not take, a body
# that is not JSON …) in both languages, in place of Starlette's English reason phrases.
_STATUS_MESSAGES = {
    400: "请求无效 / Bad request",
    401: "请先登录 / Authentication required",
    403: "没有权限 / Permission denied",
    404: "资源不存在 / Not found",
    405: "不支持此请求方法 / Method not allowed",
    413: "请求体过大 / Payload too large",
    415: "不支持的内容类型 / Unsupported media type",
    429: "请求过于频繁 / Too many requests",
}
_BODY_NOT_PARSED = "There was an error parsing the body"


# A page renderer for errors (HCM renders them in the console's frame); None answers JSON.
ErrorPage = Callable[[Request, int, str, str, dict[str, Any]], Response | None]


def error_response(
    status: int, code: str, message: str, *, language: str | None = None, **extra: Any
) -> JSONResponse:
    """The error answer ``{code, message, request_id[, details]}``; with ``language``, the
    message and each of ``details["problems"]``'s messages in that language only
    (``Content-Language``; ``Vary: Accept-Language``)."""
    if language is not None:
        message = localize(message, language)
        if isinstance(extra.get("details"), dict):
            extra["details"] = localize_problems(extra["details"], language)
    body = {"code": code, "message": message, "request_id": current_request_id(), **extra}
    response = JSONResponse(body, status_code=status)
    if language is not None:
        response.headers["Content-Language"] = language
        response.headers["Vary"] = "Accept-Language"
    return response


def request_language(request: Request) -> str:
    """The language the caller asked for (``Accept-Language``; Chinese by default)."""
    return negotiate(request.headers.get("accept-language"))


def _answer(
    request: Request, status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    page: ErrorPage | None = getattr(request.app.state, "error_page", None)
    if page is not None:
        rendered = page(request, status, code, message, details or {})
        if rendered is not None:
            return rendered
    extra = {"details": details} if details else {}
    return error_response(status, code, message, language=request_language(request), **extra)


async def _hive_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HiveError)
    if exc.http_status >= 500:
        log.error("request failed", code=exc.code, error=exc.message)
    return _answer(request, exc.http_status, exc.code, exc.message, exc.details)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    error = InvalidInput(problems_from_errors(exc.errors()))
    return _answer(request, error.http_status, error.code, error.message, error.details)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code in _STATUS_MESSAGES and (
        message == _BODY_NOT_PARSED or message == HTTPStatus(exc.status_code).phrase
    ):
        message = _STATUS_MESSAGES[exc.status_code]
    response = _answer(request, exc.status_code, code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_control_characters(request: Request) -> None:
    """Every route's path parameters, query string and form text: no NUL or other control
    characters.

    PostgreSQL text cannot hold NUL (the insert fails); the other control characters corrupt
    logs, pages and exports. Refused here, once for every route (an application-wide
    dependency), with the field named; tabs and line breaks are a field's own business.
    """
    pairs = [(name, value) for name, value in request.path_params.items() if isinstance(value, str)]
    pairs += request.query_params.multi_items()
    if request.headers.get("content-type", "").startswith(_FORM_TYPES):
        form = await request.form()
        pairs += [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    check_control_characters(pairs)


class UnexpectedErrorMiddleware:
    """Answers an unexpected exception with a 500 and keeps the connection open.

    Starlette's own last-resort handler re-raises after answering, and the server then closes
    the keep-alive connection; here the error is logged once and answered like any other.
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.exception("unhandled error", error_type=type(exc).__name__)
            if started:
                raise  # too late for an error answer: the server ends this response
            request = Request(scope)
            response = _answer(request, 500, "internal_error", "内部错误 / Internal error")
            await response(scope, receive, send)


def create_app(
    *,
    name: str,
    settings: Settings,
    database_url: str,
    routers: Sequence[APIRouter] = (),
    configure: Callable[[FastAPI], None] | None = None,
    resources: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    content_security_policy: str | None = None,
    no_store: bool = False,
    api_docs: bool = True,
) -> FastAPI:
    """Build one of Hive's HTTP applications around a database it opens on startup.

    ``resources`` opens whatever else the app needs for its lifetime (after the database).
    ``content_security_policy`` and ``no_store`` add those headers (see
    ``security_headers``); ``api_docs=False`` serves no ``/docs`` or ``/openapi.json``.
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

    # The reference page is ours (hive.platform.api_docs): FastAPI's loads Swagger UI from a CDN.
    docs: dict[str, Any] = {"docs_url": None, "redoc_url": None}
    if not api_docs:
        docs["openapi_url"] = None
    app = FastAPI(
        title=f"Hive {name.upper()}",
        lifespan=lifespan,
        dependencies=[Depends(refuse_control_characters)],
        **docs,
    )
    app.add_exception_handler(HiveError, _hive_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.include_router(_health_router())
    if api_docs:
        add_api_docs(app)
    for router in routers:
        app.include_router(router)
    if configure is not None:
        configure(app)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(
        SecurityHeadersMiddleware,
        content_security_policy=content_security_policy,
        no_store=no_store,
    )
    app.add_middleware(RequestObservabilityMiddleware, app_name=name)
    return app


async def public() -> None:
    """Marks a route that anyone may call, signed in or not: ``dependencies=[PUBLIC]``.

    Every other console route names its caller (``hive.console.callers``); a test walks the
    console's routes and fails for one that does neither. A coroutine: FastAPI would run a
    plain function in its thread pool, a thread hop per request for a marker that does
    nothing."""


PUBLIC = Depends(public)


def _health_router() -> APIRouter:
    # Probes and the metrics scrape come from the platform's own infrastructure, unsigned.
    router = APIRouter(tags=["health"], dependencies=[PUBLIC])

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
