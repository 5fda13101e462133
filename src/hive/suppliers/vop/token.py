"""The VOP access token: fetched once, shared by every process through the database,
refreshed before it expires and after the supplier says it is no longer valid.

The token row is encrypted at rest with the platform's secret box (the same keys as the
supplier credentials); a row no known key can read (a key dropped too early) counts as no token,
and a new one is fetched with the credentials.

Single flight: within a process one refresh task that every caller joins, across processes a
PostgreSQL advisory lock, so a fleet of workers never storms the token endpoint.

Callers wait for the refresh task through ``asyncio.shield``: a caller that gives up (a
console deadline) leaves, the refresh goes on and stores its token, and the next caller uses
it. Cancelling the refresh midway would waste a token the supplier has already issued (and
may have invalidated the previous one for); the task's own cancellation (shutdown) rolls its
transaction back, which releases the advisory lock and the connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from hive.platform.crypto import SecretBox, SecretUnreadable
from hive.platform.db import Database
from hive.platform.logging import get_logger
from hive.suppliers import repository
from hive.suppliers.errors import (
    InvalidSupplierAnswer,
    SupplierAuthFailed,
    SupplierCredentialsRefused,
)
from hive.suppliers.models import SupplierToken
from hive.suppliers.schemas import VopCredentials
from hive.suppliers.vop.codes import SUCCESS_CODES, error_for
from hive.suppliers.vop.signing import md5_hex, token_request_sign, vop_timestamp
from hive.suppliers.vop.transport import VopTransport

Clock = Callable[[], datetime]
log = get_logger("hive.suppliers.vop.token")


def utc_now() -> datetime:
    return datetime.now(UTC)


class _TokenResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    access_token: str
    refresh_token: str = ""
    time: int | None = None  # ms epoch when issued
    expires_in: int
    refresh_token_expires: int | None = None  # ms epoch


@dataclass(frozen=True, slots=True)
class Token:
    access_token: str
    refresh_token: str
    expires_at: datetime
    refresh_expires_at: datetime | None


class TokenManager:
    def __init__(
        self,
        *,
        database: Database,
        supplier_id: int,
        credentials: VopCredentials,
        secrets: SecretBox,
        transport: VopTransport,
        refresh_margin_s: float,
        clock: Clock = utc_now,
    ):
        self._database = database
        self._supplier_id = supplier_id
        self._credentials = credentials
        self._secrets = secrets
        self._transport = transport
        self._margin = timedelta(seconds=refresh_margin_s)
        self._clock = clock
        self._token: Token | None = None
        self._refresh: asyncio.Task[Token] | None = None
        self.fetches = 0  # token endpoint calls made by this process (observability, tests)

    async def access_token(self) -> str:
        token = self._token
        if token is not None and self._fresh(token):
            return token.access_token
        return (await self._refreshed(stale=None)).access_token

    async def replace(self, rejected: str) -> str:
        """The supplier refused ``rejected`` (expired/invalid): get another one, once."""
        if self._token is not None and self._token.access_token != rejected:
            return self._token.access_token  # another caller already replaced it
        return (await self._refreshed(stale=rejected)).access_token

    async def settled(self) -> None:
        """Wait until no refresh is on its way (tests, shutdown)."""
        if self._refresh is not None:
            await asyncio.wait([self._refresh])

    async def _refreshed(self, *, stale: str | None) -> Token:
        """Join the refresh on its way, or start one. A refresh started before ``stale`` was
        refused may bring that very token back: then one more refresh is made."""
        for _ in range(2):
            refresh = self._refresh
            if refresh is None or refresh.done():
                refresh = asyncio.create_task(self._refresh_token(stale=stale))
                refresh.add_done_callback(_retrieve_outcome)
                self._refresh = refresh
            token = await asyncio.shield(refresh)
            if stale is None or token.access_token != stale:
                return token
        return token

    async def _refresh_token(self, *, stale: str | None) -> Token:
        token = await self._shared_or_new_token(stale=stale)
        self._token = token  # kept even when every caller has given up meanwhile
        return token

    def _fresh(self, token: Token) -> bool:
        return token.expires_at - self._margin > self._clock()

    async def _shared_or_new_token(self, *, stale: str | None) -> Token:
        async with self._database.platform_transaction() as session:
            await repository.lock_token_refresh(session, self._supplier_id)
            shared = self._readable(await repository.get_token(session, self._supplier_id))
            if shared is not None and shared.access_token != stale and self._fresh(shared):
                return shared
            token = await self._fetch(shared)
            await repository.save_token(
                session,
                self._supplier_id,
                access_token_encrypted=self._secrets.encrypt(token.access_token.encode()),
                refresh_token_encrypted=(
                    self._secrets.encrypt(token.refresh_token.encode())
                    if token.refresh_token
                    else b""
                ),
                expires_at=token.expires_at,
                refresh_expires_at=token.refresh_expires_at,
            )
            return token

    def _readable(self, row: SupplierToken | None) -> Token | None:
        """The stored token in clear; None when there is none or no known key reads it."""
        if row is None:
            return None
        try:
            access = self._secrets.decrypt(row.access_token_encrypted).decode()
            refresh = (
                self._secrets.decrypt(row.refresh_token_encrypted).decode()
                if row.refresh_token_encrypted
                else ""
            )
        except SecretUnreadable:
            log.warning(
                "stored supplier token unreadable, fetching a new one",
                supplier_id=self._supplier_id,
            )
            return None
        return Token(access, refresh, row.expires_at, row.refresh_expires_at)

    async def _fetch(self, shared: Token | None) -> Token:
        refresh_token = shared.refresh_token if shared else ""
        refresh_expires = shared.refresh_expires_at if shared else None
        if refresh_token and refresh_expires is not None and refresh_expires > self._clock():
            try:
                return await self._request(
                    "oauth2/refreshToken", self._refresh_fields(refresh_token)
                )
            except SupplierAuthFailed:
                pass  # refresh token refused: fall back to a new token
        return await self._request("oauth2/accessToken", self._token_fields())

    def _token_fields(self) -> dict[str, str]:
        c = self._credentials
        timestamp = vop_timestamp(self._clock())
        password_md5 = md5_hex(c.password)
        sign = token_request_sign(
            client_secret=c.client_secret,
            timestamp=timestamp,
            client_id=c.client_id,
            username=c.username,
            password_md5=password_md5,
            grant_type="access_token",
            scope="",
        )
        return {
            "grant_type": "access_token",
            "client_id": c.client_id,
            "username": c.username,
            "password": password_md5,
            "timestamp": timestamp,
            "scope": "",
            "sign": sign,
        }

    def _refresh_fields(self, refresh_token: str) -> dict[str, str]:
        c = self._credentials
        return {
            "refresh_token": refresh_token,
            "client_id": c.client_id,
            "client_secret": c.client_secret,
        }

    async def _request(self, path: str, fields: dict[str, str]) -> Token:
        self.fetches += 1
        envelope = await self._transport.post(path, fields)
        if not envelope.success or envelope.code not in SUCCESS_CODES:
            error = error_for(envelope.code, envelope.message)
            if error.retryable:
                raise error
            raise SupplierCredentialsRefused(
                f"{SupplierCredentialsRefused.default_message} ({envelope.message})"
                if envelope.message
                else None,
                details={**error.details, "supplier_message": envelope.message, "path": path},
            )
        try:
            result = _TokenResult.model_validate(envelope.result)
        except ValidationError:
            raise InvalidSupplierAnswer(details={"path": path}) from None
        now = self._clock()
        refresh_expires = (
            datetime.fromtimestamp(result.refresh_token_expires / 1000, UTC)
            if result.refresh_token_expires
            else None
        )
        return Token(
            result.access_token,
            result.refresh_token,
            now + timedelta(seconds=result.expires_in),
            refresh_expires,
        )


def _retrieve_outcome(refresh: asyncio.Task[Token]) -> None:
    """Mark the outcome seen: if every caller gave up, its failure is no one's to log."""
    if not refresh.cancelled():
        refresh.exception()
