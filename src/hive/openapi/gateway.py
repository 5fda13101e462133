"""Who is calling the Open API: the signed-request checks, as FastAPI dependencies.

A route names what it needs and gets the verified app::

    @router.get("/open/v1/categories")
    async def categories(caller: CatalogReader, session: OpenSession) -> ...

Checks, in this order, each refused with its own code (docs/open-api.md): the four headers are
present and well formed (``signature_headers_invalid``), the AppKey names an active app
(``app_key_invalid``), the client address is on the app's allow-list (``address_not_allowed``),
the signature matches one of the app's live secrets (``signature_invalid``), the timestamp is
within the window either way (``timestamp_out_of_window``); then the route's scope
(``scope_missing``, 403); then, in one step (``hive.openapi.admission``), the nonce is new
(``nonce_reused``) and the app's bucket for the route group has a token (``rate_limited``,
429). The signature is checked before the timestamp and nonce so those codes only ever answer
an authentic request.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Annotated, Any

import redis.asyncio as redis_asyncio
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Send
from starlette.types import Scope as Scope_

from hive.openapi import admission, service
from hive.openapi.errors import (
    AddressNotAllowed,
    AppKeyInvalid,
    NonceReused,
    OpenRateLimited,
    ScopeMissing,
    SignatureHeadersInvalid,
    SignatureInvalid,
    TimestampOutOfWindow,
)
from hive.openapi.images import ImageKeys
from hive.openapi.rate_limit import Limit, Outcome
from hive.openapi.scopes import Scope
from hive.openapi.service import AppCredentials
from hive.openapi.signature import (
    HEADER_APP_KEY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    sign,
    signatures_match,
)
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.http import database_of
from hive.platform.secret_key import load_secret_box, load_secret_key, previous_secret_keys
from hive.platform.validation import InvalidInput, unknown_parameters

_APP_KEY = re.compile(service.APP_KEY_FORMAT, re.ASCII)
_TIMESTAMP = re.compile(r"[0-9]{1,12}", re.ASCII)
_NONCE = re.compile(r"[\x21-\x7e]{16,64}", re.ASCII)
_SIGNATURE = re.compile(r"[0-9a-f]{64}", re.ASCII)


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    app_key: str
    timestamp: int
    nonce: str
    signature: str


def signed_headers(request: Request) -> SignedHeaders:
    """The four signature headers, or ``signature_headers_invalid`` naming the bad ones."""
    values = {
        name: request.headers.get(name, "")
        for name in (HEADER_APP_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
    }
    patterns = {
        HEADER_APP_KEY: _APP_KEY,
        HEADER_TIMESTAMP: _TIMESTAMP,
        HEADER_NONCE: _NONCE,
        HEADER_SIGNATURE: _SIGNATURE,
    }
    bad = [name for name, pattern in patterns.items() if not pattern.fullmatch(values[name])]
    if bad:
        raise SignatureHeadersInvalid(details={"headers": bad})
    return SignedHeaders(
        values[HEADER_APP_KEY],
        int(values[HEADER_TIMESTAMP]),
        values[HEADER_NONCE],
        values[HEADER_SIGNATURE],
    )


class AppDirectory:
    """Apps by key, each kept for ``ttl_s`` seconds in this process (0: always read).

    When an entry is missing or stale, one read fetches it and every request for the same key
    that arrives meanwhile waits for that read (not one read each: when 32 requests in flight
    found the entry expired together they used to read it 32 times)."""

    def __init__(self, database: Database, settings: Settings, *, clock: Callable[[], float]):
        self._database = database
        self._box = load_secret_box(settings)
        self._ttl_s = settings.open_api_app_cache_s
        self._clock = clock
        self._cache: dict[str, tuple[float, AppCredentials | None]] = {}
        self._reading: dict[str, asyncio.Future[AppCredentials | None]] = {}
        self._default_limit = Limit(settings.open_api_rate_per_s, settings.open_api_burst)

    async def find(self, app_key: str) -> AppCredentials | None:
        now = self._clock()
        cached = self._cache.get(app_key)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        if self._ttl_s <= 0:
            return await self._read(app_key, now)  # strict: no read begun before this request
        reading = self._reading.get(app_key)
        if reading is None:
            reading = asyncio.ensure_future(self._read(app_key, now))
            self._reading[app_key] = reading
            reading.add_done_callback(lambda _: self._reading.pop(app_key, None))
        # A caller that goes away (its client hung up) does not cancel the others' read.
        return await asyncio.shield(reading)

    async def _read(self, app_key: str, now: float) -> AppCredentials | None:
        async with self._database.platform_transaction() as session:
            found = await service.app_credentials(
                session,
                app_key,
                self._box,
                now=datetime.fromtimestamp(now, UTC),
                default_limit=self._default_limit,
            )
        if self._ttl_s > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()  # bounded: unknown keys must not grow it forever
            self._cache[app_key] = (now, found)
        return found


class Gateway:
    """What the Open API dependencies share in one HAG process (``app.state.open_gateway``)."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        redis: redis_asyncio.Redis | None,
        *,
        clock: Callable[[], float] = time.time,
    ):
        self.settings = settings
        self.apps = AppDirectory(database, settings, clock=clock)
        # Encrypts what routes store at rest (an order's receiver).
        self.secret_box = load_secret_box(settings)
        self.image_keys = ImageKeys.from_secrets(
            load_secret_key(settings), previous_secret_keys(settings)
        )
        self.admitter = admission.admitter(database, redis)
        self.clock = clock


@asynccontextmanager
async def open_gateway(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """HAG resource: the gateway's app directory and admission (nonces and rate limits, in
    Redis when ``HIVE_REDIS_URL`` is set, else PostgreSQL)."""
    database: Database = app.state.database
    redis = redis_asyncio.from_url(settings.redis_url) if settings.redis_url else None
    try:
        app.state.open_gateway = Gateway(database, settings, redis)
        yield
    finally:
        if redis is not None:
            await redis.aclose()


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.open_gateway
    return gateway


def image_base_url(request: Request) -> str:
    """Where the Open API's product pictures are served: ``HIVE_OPEN_API_IMAGE_BASE_URL`` (a CDN
    or the gateway's public address), else this gateway's address as the caller reached it."""
    configured = gateway_of(request).settings.open_api_image_base_url
    return configured or f"{str(request.base_url).rstrip('/')}/open/v1/images"


def _check_address(request: Request, app: AppCredentials) -> None:
    if not app.ip_allow:
        return
    host = request.client.host if request.client else ""
    try:
        address = ip_address(host)
    except ValueError:
        raise AddressNotAllowed(details={"address": host}) from None
    if not any(address in network for network in app.ip_allow):
        raise AddressNotAllowed(details={"address": host})


def _raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else request.url.path


async def _check_signature(request: Request, app: AppCredentials, headers: SignedHeaders) -> None:
    body = await request.body()
    query = request.scope.get("query_string", b"").decode("utf-8", "surrogateescape")
    stamp = request.headers[HEADER_TIMESTAMP]
    for secret in app.secrets:
        expected = sign(
            secret, request.method, _raw_path(request), query, stamp, headers.nonce, body
        )
        if signatures_match(expected, headers.signature):
            return
    raise SignatureInvalid()


async def signed_app(request: Request) -> AppCredentials:
    """The app that signed this request, every check but scope and rate limit done."""
    gateway = gateway_of(request)
    headers = signed_headers(request)
    app = await gateway.apps.find(headers.app_key)
    if app is None:
        raise AppKeyInvalid()
    _check_address(request, app)
    await _check_signature(request, app, headers)
    window = gateway.settings.open_api_timestamp_window_s
    now = gateway.clock()
    if abs(now - headers.timestamp) > window:
        raise TimestampOutOfWindow(details={"server_time": int(now), "window_s": window})
    request.state.open_app = app
    request.state.open_nonce = (headers.nonce, headers.timestamp + window)
    return app


_KNOWN_QUERY = "_hive_known_query"  # the names, kept on the route once worked out


def refuse_unknown_query(request: Request) -> None:
    """Refuse (422 ``invalid_input``, a ``not_allowed`` problem per name) a query parameter the
    route does not declare: a mistyped filter (``stauts=``) must not answer as if unfiltered."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known: frozenset[str] | None = getattr(route, _KNOWN_QUERY, None)
    if known is None:
        known = frozenset(_query_names(route.dependant))
        setattr(route, _KNOWN_QUERY, known)
    problems = unknown_parameters(request.query_params.keys(), known)
    if problems:
        raise InvalidInput(problems)


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route and its dependencies declare (by the name sent)."""
    names = {param.alias for param in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


def caller_with(scope: Scope) -> Callable[..., Coroutine[Any, Any, AppCredentials]]:
    """A dependency: the signed app, refused with ``scope_missing`` unless it holds ``scope``,
    then with ``nonce_reused`` or ``rate_limited`` by its admission — sent with the route's
    transaction when :func:`open_session` comes right after this dependency (one round trip
    for both, see :mod:`hive.openapi.admission`), else here on a connection of its own."""

    async def caller(
        request: Request, app: Annotated[AppCredentials, Depends(signed_app)]
    ) -> AppCredentials:
        if scope.value not in app.scopes:
            raise ScopeMissing(details={"scope": scope.value})
        nonce, until = request.state.open_nonce
        ticket = admission.Ticket(app, nonce, until, f"{app.app_key}:{scope.value}", app.limit)
        admitter = gateway_of(request).admitter
        pending = admitter.pending(ticket) if _session_follows(request, caller) else None
        if pending is None:
            settle_admission(request, await admitter.admit(ticket))
        else:
            request.state.open_admission = pending
        return app

    return caller


def settle_admission(request: Request, admitted: admission.Admission) -> None:
    """The rate headers' figures; ``nonce_reused`` or ``rate_limited`` for a refused request,
    then ``invalid_input`` for a query parameter the route does not take (after the admission,
    so that refusal carries the rate headers and uses its token like any other answer)."""
    request.state.open_rate = admitted.rate
    if not admitted.nonce_is_new:
        raise NonceReused()
    if not admitted.rate.allowed:
        raise OpenRateLimited(details={"retry_after_s": admitted.rate.retry_after_s})
    refuse_unknown_query(request)


_SESSION_FOLLOWS = "_hive_session_follows"  # per route and caller, once worked out


def _session_follows(request: Request, caller: Callable[..., Any]) -> bool:
    """True when the route's next dependency after ``caller`` is :func:`open_session`, which
    then sends the admission: nothing can run (or refuse the request) between the two."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return False
    known: dict[Callable[..., Any], bool] = route.__dict__.setdefault(_SESSION_FOLLOWS, {})
    follows = known.get(caller)
    if follows is None:
        calls = [dependency.call for dependency in route.dependant.dependencies]
        follows = any(
            calls[i] is caller and calls[i + 1] is open_session for i in range(len(calls) - 1)
        )
        known[caller] = follows
    return follows


class RateLimitHeaders:
    """ASGI middleware: every answer to a rate-limited request carries ``X-RateLimit-Limit``
    (the bucket's size), ``X-RateLimit-Remaining`` (whole tokens left) and
    ``X-RateLimit-Reset`` (whole seconds until the bucket is full again: a delta, not a
    time), and a refusal ``Retry-After`` (whole seconds)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope_, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            outcome = scope.get("state", {}).get("open_rate")
            if message["type"] == "http.response.start" and isinstance(outcome, Outcome):
                headers = MutableHeaders(scope=message)
                headers["X-RateLimit-Limit"] = str(outcome.limit)
                headers["X-RateLimit-Remaining"] = str(outcome.remaining)
                headers["X-RateLimit-Reset"] = str(outcome.reset_s)
                if not outcome.allowed:
                    headers["Retry-After"] = str(outcome.retry_after_s)
            await send(message)

        await self.app(scope, receive, send_with_headers)


CatalogReader = Annotated[AppCredentials, Depends(caller_with(Scope.CATALOG_READ))]
LibraryWriter = Annotated[AppCredentials, Depends(caller_with(Scope.LIBRARY_WRITE))]
MessagesReader = Annotated[AppCredentials, Depends(caller_with(Scope.MESSAGES_READ))]
WebhooksManager = Annotated[AppCredentials, Depends(caller_with(Scope.WEBHOOKS_MANAGE))]
AccountReader = Annotated[AppCredentials, Depends(caller_with(Scope.ACCOUNT_READ))]
OrdersReader = Annotated[AppCredentials, Depends(caller_with(Scope.ORDERS_READ))]
OrdersWriter = Annotated[AppCredentials, Depends(caller_with(Scope.ORDERS_WRITE))]


async def open_session(
    request: Request, app: Annotated[AppCredentials, Depends(signed_app)]
) -> AsyncIterator[AsyncSession]:
    """A transaction as the calling app's tenant (row-level security), committed when the route
    returns and rolled back when it raises. The caller's admission, when it left it here, goes
    out first in the same round trip and commits on its own before this transaction begins."""
    pending: admission.PendingAdmission | None = getattr(request.state, "open_admission", None)
    first = pending.queue if pending is not None else None
    async with database_of(request).tenant_transaction(app.tenant_id, first=first) as session:
        if pending is not None:
            request.state.open_admission = None
            settle_admission(request, await pending.result())
        yield session


OpenSession = Annotated[AsyncSession, Depends(open_session, scope="function")]
