"""Row-level security checks: what a tenant's transaction sees of a table."""

from __future__ import annotations

from sqlalchemy import text

from hive.platform.db import Database


async def owners_seen(database: Database, table: str, tenant_id: int | None) -> set[int]:
    """The tenant ids of the rows of ``table`` that ``tenant_id``'s transaction reads (with a
    query that forgets the tenant filter); ``None``: the platform's transaction."""
    query = text(f"SELECT tenant_id FROM {table}")
    if tenant_id is None:
        async with database.platform_transaction() as session:
            return set((await session.execute(query)).scalars())
    async with database.tenant_transaction(tenant_id) as session:
        return set((await session.execute(query)).scalars())
