"""The one query of exports that is not a list's own: how many rows a list's statement has."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def count_rows(session: AsyncSession, statement: object) -> int:
    """The number of rows ``statement`` (a list's export statement, a SELECT) returns."""
    if not isinstance(statement, Select):
        raise TypeError(f"not a SELECT: {type(statement).__name__}")
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)
