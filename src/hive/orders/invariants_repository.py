"""SQL of the order invariants: sub-orders whose freeze disagrees with their status, and the
sub-orders whose upstream order is to be asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hive.orders.status import FINAL, SubOrderStatus

_OPEN = tuple(s.value for s in SubOrderStatus if s not in FINAL)
_FINAL = tuple(s.value for s in FINAL if s is not SubOrderStatus.SPLIT)

# A sub-order not in a final state holds its whole total; a failed, cancelled or completed one
# holds nothing. Split families are left out (the change-feed sync moves their money).
FREEZE_MISMATCHES = """
SELECT s.sub_order_no, s.status, s.total_fen,
       coalesce(f.open_balance_fen + f.open_credit_fen, 0) AS held
FROM sub_orders s
LEFT JOIN freezes f ON f.tenant_id = s.tenant_id AND f.reference = s.sub_order_no
WHERE s.parent_id IS NULL AND s.status <> 'split'
  AND NOT EXISTS (SELECT 1 FROM sub_orders c WHERE c.parent_id = s.id)
  AND coalesce(f.open_balance_fen + f.open_credit_fen, 0)
      <> CASE WHEN s.status = ANY(:open) THEN s.total_fen ELSE 0 END
ORDER BY s.id
"""


async def freeze_mismatches(session: AsyncSession) -> list[tuple[str, str, int, int]]:
    """``(sub_order_no, status, total_fen, held_fen)`` of every sub-order whose open freeze
    is not its total while it is open, or not zero once final."""
    rows = await session.execute(text(FREEZE_MISMATCHES), {"open": list(_OPEN)})
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]


UPSTREAM_CANDIDATES = """
SELECT s.sub_order_no, s.supplier_id, s.status, s.upstream_order_id, s.submit_attempts,
       s.held_reason
FROM sub_orders s
WHERE s.parent_id IS NULL AND (CAST(:since AS timestamptz) IS NULL OR s.created_at >= :since)
ORDER BY s.id
"""


async def root_sub_orders(
    session: AsyncSession, since: datetime | None
) -> Sequence[tuple[str, int, str, str | None, int, str | None]]:
    """Every sub-order placed by us (not a split's child), created since ``since`` (all
    when None): ``(number, supplier, status, upstream id, attempts, held reason)``."""
    rows = await session.execute(text(UPSTREAM_CANDIDATES), {"since": since})
    return [(str(r[0]), int(r[1]), str(r[2]), r[3], int(r[4]), r[5]) for r in rows]
