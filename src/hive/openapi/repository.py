"""All SQL of the Open API's apps and secrets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hive.openapi.models import AppStatus, GradeRateLimit, OpenApp, OpenAppSecret


async def add_app(session: AsyncSession, app: OpenApp, ciphertext: bytes) -> None:
    session.add(app)
    await session.flush()
    session.add(OpenAppSecret(app_id=app.id, tenant_id=app.tenant_id, ciphertext=ciphertext))
    await session.flush()


async def list_apps(session: AsyncSession, tenant_id: int) -> Sequence[OpenApp]:
    query = select(OpenApp).where(OpenApp.tenant_id == tenant_id).order_by(OpenApp.id)
    return (await session.scalars(query)).all()


async def lock_app(session: AsyncSession, app_id: int) -> OpenApp | None:
    return await session.scalar(select(OpenApp).where(OpenApp.id == app_id).with_for_update())


async def lock_app_by_key(session: AsyncSession, app_key: str) -> OpenApp | None:
    query = select(OpenApp).where(OpenApp.app_key == app_key).with_for_update()
    return await session.scalar(query)


async def find_active_app(session: AsyncSession, app_key: str) -> OpenApp | None:
    query = select(OpenApp).where(
        OpenApp.app_key == app_key, OpenApp.status == AppStatus.ACTIVE.value
    )
    return await session.scalar(query)


async def live_secrets(session: AsyncSession, app_id: int, now: datetime) -> Sequence[bytes]:
    """Ciphertexts of the app's secrets that still sign, newest first."""
    query = (
        select(OpenAppSecret.ciphertext)
        .where(
            OpenAppSecret.app_id == app_id,
            or_(OpenAppSecret.expires_at.is_(None), OpenAppSecret.expires_at > now),
        )
        .order_by(OpenAppSecret.id.desc())
    )
    return (await session.scalars(query)).all()


async def rotate_secret(
    session: AsyncSession, app: OpenApp, ciphertext: bytes, old_expire_at: datetime
) -> None:
    """Older secrets expire at ``old_expire_at`` (sooner if they already expire sooner); the new
    one signs from now on."""
    await session.execute(
        update(OpenAppSecret)
        .where(
            OpenAppSecret.app_id == app.id,
            or_(OpenAppSecret.expires_at.is_(None), OpenAppSecret.expires_at > old_expire_at),
        )
        .values(expires_at=old_expire_at)
    )
    session.add(OpenAppSecret(app_id=app.id, tenant_id=app.tenant_id, ciphertext=ciphertext))
    await session.flush()


async def lock_all_secrets(session: AsyncSession) -> Sequence[OpenAppSecret]:
    """Every app's stored secret (expired ones too), locked for rewriting, by id."""
    query = select(OpenAppSecret).order_by(OpenAppSecret.id).with_for_update()
    return (await session.scalars(query)).all()


async def grade_limit(session: AsyncSession, grade_id: int) -> GradeRateLimit | None:
    return await session.get(GradeRateLimit, grade_id)


async def upsert_grade_limit(
    session: AsyncSession, grade_id: int, rate_per_s: float, burst: int
) -> None:
    values = {"rate_per_s": rate_per_s, "burst": burst}
    statement = insert(GradeRateLimit).values(grade_id=grade_id, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["grade_id"], set_=values))


async def list_grade_limits(session: AsyncSession) -> Sequence[GradeRateLimit]:
    """Every grade's own rate limit (grades without a row use the settings' defaults)."""
    rows: Sequence[GradeRateLimit] = (
        await session.scalars(select(GradeRateLimit).order_by(GradeRateLimit.grade_id))
    ).all()
    return rows
