"""Apps and keys of the Open API: create, rotate the secret, revoke, list. Services never
commit; the caller's transaction does.

An app belongs to one tenant. A tenant admin manages its own tenant's apps (in its tenant
transaction, so row-level security hides the others); the platform admin any tenant's (the
``hive apps`` commands). The AppSecret is returned once, at creation or rotation, and stored
encrypted with the platform's secret box (key ids: see ``hive.platform.crypto``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hive.customers import service as customers
from hive.customers.errors import GradeNotFound
from hive.customers.models import TenantStatus
from hive.openapi import repository
from hive.openapi.errors import AppNotFound, AppRevoked
from hive.openapi.models import AppStatus, OpenApp
from hive.openapi.rate_limit import Limit
from hive.openapi.schemas import AppCreate, RateLimitSet
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.config import IPNetwork, parse_networks
from hive.platform.crypto import SecretBox
from hive.platform.errors import PermissionDenied
from hive.platform.permissions import Action, Role, require
from hive.platform.reencryption import reencrypt_column

APP_KEY_PREFIX = "ak"
# What an AppKey may look like (the ones issued are ``ak`` and 22 hex digits).
APP_KEY_FORMAT = r"[A-Za-z0-9_-]{1,40}"
SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """What the creator of an app (or a rotation) sees once: never stored in the clear."""

    app_id: int
    app_key: str
    app_secret: str


def new_app_key() -> str:
    """``ak`` and 22 hex digits: public, names the app in every request."""
    return APP_KEY_PREFIX + secrets.token_hex(11)


def new_app_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _check_tenant(actor: Actor, tenant_id: int) -> None:
    require(actor, Action.MANAGE_APPS)
    if actor.tenant_id is not None and actor.tenant_id != tenant_id:
        raise PermissionDenied(details={"action": Action.MANAGE_APPS.value})


async def create_app(
    session: AsyncSession,
    actor: Actor,
    tenant_id: int,
    data: AppCreate,
    box: SecretBox,
    *,
    app_key: str | None = None,
    app_secret: str | None = None,
) -> IssuedKey:
    """Create an app of ``tenant_id``; its key and secret (``app_key`` / ``app_secret`` only for
    the demo data, which prints fixed ones). Raises ``tenant_not_found``, ``permission_denied``."""
    _check_tenant(actor, tenant_id)
    await customers.get_tenant(session, tenant_id)
    key, secret = app_key or new_app_key(), app_secret or new_app_secret()
    app = OpenApp(
        tenant_id=tenant_id,
        app_key=key,
        name=data.name,
        scopes=[scope.value for scope in data.scopes],
        ip_allow=data.ip_allow,
        status=AppStatus.ACTIVE.value,
    )
    await repository.add_app(session, app, box.encrypt(secret.encode()))
    await record_audit(
        session,
        actor,
        "openapi.app_create",
        target_type="open_app",
        target_id=app.id,
        tenant_id=tenant_id,
        details={"app_key": key, "name": data.name, "scopes": app.scopes},
    )
    return IssuedKey(app.id, key, secret)


def _own_app(actor: Actor, app: OpenApp | None, ref: object) -> OpenApp:
    if app is None:
        raise AppNotFound(details={"app": str(ref)})
    _check_tenant(actor, app.tenant_id)
    return app


async def rotate_secret(
    session: AsyncSession,
    actor: Actor,
    app_id: int,
    box: SecretBox,
    *,
    now: datetime,
    overlap: timedelta,
) -> IssuedKey:
    """Give the app a new secret; the previous ones keep signing for ``overlap`` (so clients can
    switch without downtime), then stop. Raises ``app_not_found``, ``app_revoked``."""
    require(actor, Action.MANAGE_APPS)
    app = _own_app(actor, await repository.lock_app(session, app_id), app_id)
    if app.status != AppStatus.ACTIVE.value:
        raise AppRevoked(details={"app_key": app.app_key})
    secret = new_app_secret()
    await repository.rotate_secret(session, app, box.encrypt(secret.encode()), now + overlap)
    await record_audit(
        session,
        actor,
        "openapi.secret_rotate",
        target_type="open_app",
        target_id=app.id,
        tenant_id=app.tenant_id,
        details={"app_key": app.app_key, "old_secrets_expire_at": (now + overlap).isoformat()},
    )
    return IssuedKey(app.id, app.app_key, secret)


async def reencrypt_secrets(session: AsyncSession, actor: Actor, box: SecretBox) -> int:
    """Rewrite every app's stored AppSecrets (expired ones too) under the current secret key
    (run in the platform's transaction by ``hive reencrypt-secrets``). Returns how many secrets
    were rewritten.

    Raises :class:`SecretUnreadable` (from the box) when no known key reads one; the caller's
    transaction then rolls back and nothing is rewritten.
    """
    require(actor, Action.REENCRYPT_CREDENTIALS)
    return await reencrypt_column(
        session,
        actor,
        box,
        await repository.lock_all_secrets(session),
        "ciphertext",
        action="openapi.secrets_reencrypt",
        target_type="open_app",
        ids_key="secret_ids",
    )


async def revoke_app(
    session: AsyncSession,
    actor: Actor,
    *,
    now: datetime,
    app_id: int | None = None,
    app_key: str | None = None,
) -> OpenApp:
    """Revoke an app (by id or key) at once: its requests are refused from the next one on.
    Revoking a revoked app changes nothing. Raises ``app_not_found``."""
    require(actor, Action.MANAGE_APPS)
    if app_id is not None:
        found = await repository.lock_app(session, app_id)
    else:
        found = await repository.lock_app_by_key(session, app_key or "")
    app = _own_app(actor, found, app_id if app_id is not None else app_key)
    if app.status == AppStatus.REVOKED.value:
        return app
    app.status, app.revoked_at = AppStatus.REVOKED.value, now
    await record_audit(
        session,
        actor,
        "openapi.app_revoke",
        target_type="open_app",
        target_id=app.id,
        tenant_id=app.tenant_id,
        details={"app_key": app.app_key},
    )
    return app


async def set_app_rate_limit(
    session: AsyncSession, actor: Actor, app_key: str, limit: RateLimitSet | None
) -> OpenApp:
    """Override the app's rate limit (None: back to its grade's). Raises ``app_not_found``."""
    require(actor, Action.SET_API_LIMITS)
    app = _own_app(actor, await repository.lock_app_by_key(session, app_key), app_key)
    app.rate_per_s = limit.rate_per_s if limit else None
    app.burst = limit.burst if limit else None
    await record_audit(
        session,
        actor,
        "openapi.app_rate_limit",
        target_type="open_app",
        target_id=app.id,
        tenant_id=app.tenant_id,
        details={"app_key": app_key, "limit": limit.model_dump() if limit else None},
    )
    return app


async def set_grade_rate_limit(
    session: AsyncSession, actor: Actor, grade_id: int, limit: RateLimitSet
) -> None:
    """The Open API rate limit of every app of the grade's tenants (unless an app overrides
    it). Raises ``grade_not_found``."""
    require(actor, Action.SET_API_LIMITS)
    if await customers.get_grade(session, grade_id) is None:
        raise GradeNotFound(details={"grade_id": grade_id})
    await repository.upsert_grade_limit(session, grade_id, limit.rate_per_s, limit.burst)
    await record_audit(
        session,
        actor,
        "openapi.grade_rate_limit",
        target_type="grade",
        target_id=grade_id,
        details=limit.model_dump(),
    )


async def list_apps(session: AsyncSession, actor: Actor, tenant_id: int) -> Sequence[OpenApp]:
    _check_tenant(actor, tenant_id)
    return await repository.list_apps(session, tenant_id)


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """What the gateway needs to know about an active app to check a request from it."""

    app_id: int
    app_key: str
    tenant_id: int
    grade_id: int
    scopes: frozenset[str]
    ip_allow: tuple[IPNetwork, ...]
    secrets: tuple[str, ...]  # live secrets, newest first
    limit: Limit  # requests per second and burst, per route group


async def app_credentials(
    session: AsyncSession, app_key: str, box: SecretBox, *, now: datetime, default_limit: Limit
) -> AppCredentials | None:
    """The active app with key ``app_key`` of an active tenant, with its live secrets
    decrypted and its rate limit (the app's own, else its grade's, else ``default_limit``);
    None when there is none (unknown, revoked, or its tenant not active)."""
    app = await repository.find_active_app(session, app_key)
    if app is None:
        return None
    tenant = await customers.get_tenant(session, app.tenant_id)
    if tenant.status != TenantStatus.ACTIVE.value:
        return None
    ciphertexts = await repository.live_secrets(session, app.id, now)
    return AppCredentials(
        app_id=app.id,
        app_key=app.app_key,
        tenant_id=app.tenant_id,
        grade_id=tenant.grade_id,
        scopes=frozenset(app.scopes),
        ip_allow=parse_networks(",".join(app.ip_allow)),
        secrets=tuple(box.decrypt(c).decode() for c in ciphertexts),
        limit=await _limit_of(session, app, tenant.grade_id, default_limit),
    )


async def _limit_of(session: AsyncSession, app: OpenApp, grade_id: int, default: Limit) -> Limit:
    grade = await repository.grade_limit(session, grade_id)
    base = Limit(grade.rate_per_s, grade.burst) if grade is not None else default
    return Limit(app.rate_per_s or base.rate_per_s, app.burst or base.burst)


def app_actor(app: AppCredentials) -> Actor:
    """Who an app's calls are in the audit log: ``app:<AppKey>`` acting for its tenant with a
    tenant admin's rights (its scopes already narrowed what it may call)."""
    return Actor(
        user_id=None,
        username=f"app:{app.app_key}",
        role=Role.TENANT_ADMIN.value,
        tenant_id=app.tenant_id,
    )


async def grade_rate_limits(session: AsyncSession) -> dict[int, Limit]:
    """``{grade_id: limit}`` of the grades that have their own Open API rate limit; the others
    use ``HIVE_OPEN_API_RATE_PER_S`` / ``HIVE_OPEN_API_BURST``."""
    return {
        row.grade_id: Limit(row.rate_per_s, row.burst)
        for row in await repository.list_grade_limits(session)
    }
