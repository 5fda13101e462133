"""Database access: the async engine, the declarative base, and scoped transactions.

Two database roles separate the two kinds of work (both are created by the first migration):

* ``hive_platform``: operator and system work; its row-level-security policies let it see all rows.
* ``hive_tenant``: tenant-facing work; owns nothing, has no BYPASSRLS, and its policies only
  show rows whose ``tenant_id`` equals ``hive.tenant_id`` set for the transaction.

The connecting user (owner of the schema, used by migrations) switches into one of them with
``SET LOCAL ROLE`` (for a tenant, ``set_config('role', …, true)`` beside the tenant setting)
at the start of every transaction, so the switch ends with the transaction
and a pooled connection never carries a role or tenant into the next one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, DateTime, MetaData, func, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

from hive.platform import db_liveness, driver, unit_of_work
from hive.platform.actor import Actor
from hive.platform.config import Settings, async_database_url

PLATFORM_ROLE = "hive_platform"
TENANT_ROLE = "hive_tenant"
TENANT_SETTING = "hive.tenant_id"
# Sent on the driver's connection (psycopg parameters), in the pipeline that opens a transaction.
_SET_TENANT = (
    f"SELECT set_config('role', %(role)s, true), set_config('{TENANT_SETTING}', %(tenant)s, true)"
)
# The driver adds no BEGIN of its own (it would wait for its answer: a round trip); the
# transaction is the explicit BEGIN sent with its first statement. The setting is undone when
# the connection goes back to the pool.
_EXPLICIT_BEGIN = {"isolation_level": "AUTOCOMMIT"}

Opening = Callable[[Any], Awaitable[None]]
"""Statements queued on the driver's connection (psycopg, in pipeline mode) before a
transaction's BEGIN, sent with it in one round trip (e.g. a short transaction of its own)."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        int: BigInteger,
        datetime: DateTime(timezone=True),
    }


class TimestampedMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


def create_engine(url: str, settings: Settings, *, pooled: bool = True) -> AsyncEngine:
    # No ``pool_pre_ping``: :mod:`hive.platform.db_liveness` checks each checkout instead,
    # without a round trip unless the connection has been idle long.
    options: dict[str, Any] = {}
    if pooled:
        options.update(pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    else:
        options["poolclass"] = NullPool
    connect_args = {
        "application_name": "hive",
        "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
    }
    engine = create_async_engine(async_database_url(url), connect_args=connect_args, **options)
    db_liveness.install(engine)
    return engine


class Database:
    """The engine plus the two ways of opening a unit of work."""

    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)

    def platform_transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work as the platform role; commits on success, rolls back on error."""
        return self._unit_of_work(PLATFORM_ROLE, None, None)

    def tenant_transaction(
        self, tenant_id: int, *, first: Opening | None = None
    ) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work that can only see and write rows of ``tenant_id``.

        Row-level security enforces the scope, so a query that forgets its ``tenant_id``
        filter still sees only this tenant's rows. ``first`` queues statements that go out
        before the transaction's BEGIN, in the same round trip (the Open API's admission).
        """
        if isinstance(tenant_id, bool) or not isinstance(tenant_id, int) or tenant_id <= 0:
            raise ValueError(f"tenant_id must be a positive integer, got {tenant_id!r}")
        return self._unit_of_work(TENANT_ROLE, tenant_id, first)

    def actor_transaction(self, actor: Actor) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work over the actor's own rows: a tenant user's under its tenant's
        row-level security, platform staff's (rows without a tenant) as the platform role."""
        if actor.tenant_id is None:
            return self.platform_transaction()
        return self.tenant_transaction(actor.tenant_id)

    @asynccontextmanager
    async def _unit_of_work(
        self, role: str, tenant_id: int | None, first: Opening | None
    ) -> AsyncIterator[AsyncSession]:
        """One transaction with its hooks (:mod:`hive.platform.unit_of_work`): before-commit
        work runs inside it, after-commit work once it has committed and the connection is
        back in the pool; a rollback runs neither."""
        async with self.sessions() as session:
            try:
                async with session.begin():
                    await _begin(session, role, tenant_id, first)
                    yield session
                    after = await unit_of_work.finish(session)
            finally:
                unit_of_work.discard(session)
        await unit_of_work.run_after_commit(after)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _begin(
    session: AsyncSession, role: str, tenant_id: int | None, first: Opening | None
) -> None:
    """BEGIN and the role (and tenant) of the transaction, after ``first``: one pipeline, one
    round trip. The role lasts until the transaction ends (``LOCAL``), so a pooled connection
    never carries a role or tenant into the next one."""
    connection = await session.connection(execution_options=_EXPLICIT_BEGIN)
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None  # a checked-out connection has its driver's
    async with raw.pipeline():
        if first is not None:
            await first(raw)
        await driver.queue(raw, "BEGIN")
        if tenant_id is None:
            await driver.queue(raw, f"SET LOCAL ROLE {role}")  # a constant, not input
        else:
            # ``set_config('role', …, true)`` is ``SET LOCAL ROLE`` (the same membership
            # check), here in one statement with the tenant.
            await driver.queue(raw, _SET_TENANT, {"role": role, "tenant": str(tenant_id)})


async def raw_connection(session: AsyncSession) -> Any:
    """The psycopg connection under ``session``'s current transaction (for procrastinate)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection
