"""``Idempotency-Key`` for every POST of the Open API.

The key is scoped to the app and the route (its path template). The request's fingerprint is
SHA-256 of method, path and body hash — never the nonce or timestamp, which change on every
retry. In the route's own transaction:

1. ``pg_try_advisory_xact_lock`` on (app, route, key): taken by a request with this key that is
   still running → 409 ``idempotency_in_progress`` at once (no wait, no second effect).
2. A stored record: the same fingerprint replays the first answer (status and body, with
   ``Idempotent-Replayed: true``); another fingerprint → 409 ``idempotency_key_reused``.
3. Otherwise the route runs in a savepoint and its answer is stored **in the same transaction**
   as its effect, so a crash leaves both or neither. A refusal (4xx) is an answer too: its
   effect is rolled back to the savepoint and the refusal stored. A 5xx or any unexpected
   error rolls everything back and stores nothing: a retry after it is a fresh attempt.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from hive.openapi import gateway_repository
from hive.openapi.errors import (
    IdempotencyInProgress,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
)
from hive.openapi.service import AppCredentials
from hive.openapi.signature import body_hash
from hive.platform.context import current_request_id
from hive.platform.errors import HiveError
from hive.platform.http import request_language
from hive.platform.language import localize

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
_KEY = re.compile(r"[\x21-\x7e]{1,128}", re.ASCII)
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Answered:
    """A handler's answer with a status of its own (``POST /open/v1/orders``: 201 for a new
    order, 200 for the first order given back)."""

    status_code: int
    body: BaseModel


Handler = Callable[[], Awaitable[BaseModel | Answered]]


def _status_and_body(result: BaseModel | Answered, status_code: int) -> tuple[int, bytes]:
    if isinstance(result, Answered):
        return result.status_code, result.body.model_dump_json().encode()
    return status_code, result.model_dump_json().encode()


def _fingerprint(request: Request, body: bytes) -> str:
    text = f"{request.method}\n{request.url.path}\n{body_hash(body)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def lock_id(app_id: int, route: str, key: str) -> int:
    """A signed 64-bit advisory lock id for (app, route, key)."""
    digest = hashlib.sha256(f"{app_id}\n{route}\n{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def answered_before(request: Request, app: AppCredentials, session: AsyncSession) -> bool:
    """Whether this request's ``Idempotency-Key`` already has a stored answer (a route that
    does slow work before its transaction skips it for a replay)."""
    key = request.headers.get(HEADER)
    if key is None or not _KEY.fullmatch(key):
        return False
    found = await gateway_repository.find_idempotency_record(
        session, app.app_id, _route_of(request), key
    )
    return found is not None


async def idempotent(
    request: Request,
    app: AppCredentials,
    session: AsyncSession,
    handler: Handler,
    *,
    status_code: int = 200,
) -> Response:
    """Run ``handler`` (the route's work) once per ``Idempotency-Key``; without the header, just
    run it. Raises ``idempotency_key_invalid``, ``idempotency_key_reused``,
    ``idempotency_in_progress``."""
    key = request.headers.get(HEADER)
    if key is None:
        return _json(*_status_and_body(await handler(), status_code))
    if not _KEY.fullmatch(key):
        raise IdempotencyKeyInvalid()
    route = _route_of(request)
    fingerprint = _fingerprint(request, await request.body())
    if not await gateway_repository.try_lock(session, lock_id(app.app_id, route, key)):
        raise IdempotencyInProgress()
    stored = await gateway_repository.find_idempotency_record(session, app.app_id, route, key)
    if stored is not None:
        if stored.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        return _json(stored.status_code, stored.body, replayed=True)
    status, body = await _first_answer(session, handler, status_code, request_language(request))
    await gateway_repository.add_idempotency_record(
        session, app.app_id, app.tenant_id, route, key, fingerprint, status, body
    )
    return _json(status, body)


async def _first_answer(
    session: AsyncSession, handler: Handler, status_code: int, language: str
) -> tuple[int, bytes]:
    try:
        async with session.begin_nested():
            result = await handler()
    except HiveError as error:
        if error.http_status >= 500:
            raise
        return error.http_status, _error_json(error, language)
    return _status_and_body(result, status_code)


def _error_json(error: HiveError, language: str) -> bytes:
    """A refusal as stored and replayed: in the language of the request that got it first."""
    body = error.to_body(current_request_id()) | {"message": localize(error.message, language)}
    return json.dumps(body, ensure_ascii=False).encode()


def _json(status: int, body: bytes, *, replayed: bool = False) -> Response:
    headers = {REPLAYED: "true"} if replayed else None
    return Response(body, status_code=status, media_type=_JSON, headers=headers)
