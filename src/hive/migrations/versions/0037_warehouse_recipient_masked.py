"""warehouse recipient masked: the self-run warehouse keeps no whole receiver

A receiver's name, mobile and street address are personal data kept once, encrypted, on the
order (``orders.receiver_cipher``, migration 0019). The self-run warehouse's orders stored a
plaintext copy in ``warehouse_orders.recipient``; from now on it stores masked values only
(``hive.orders.personal``: ``张*``, ``138****0000``, the first six characters of the address)
and the area, and this migration masks the rows written before, the same way. The e-mail is
dropped. Not reversible: the downgrade leaves the masked values.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-01 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The masks of hive.orders.personal in SQL (mask_name, mask_mobile, mask_address).
_MASK = """
UPDATE warehouse_orders w SET recipient = (w.recipient - 'email') || jsonb_build_object(
    'name', left(m.name, 1) || repeat('*', greatest(length(m.name) - 1, 0)),
    'mobile', CASE WHEN length(m.mobile) <= 7 THEN repeat('*', length(m.mobile))
                   ELSE left(m.mobile, 3) || repeat('*', length(m.mobile) - 7)
                        || right(m.mobile, 4) END,
    'address', left(m.address, 6) || CASE WHEN length(m.address) > 6 THEN '****' ELSE '' END)
FROM (SELECT id, coalesce(recipient ->> 'name', '') AS name,
             coalesce(recipient ->> 'mobile', '') AS mobile,
             coalesce(recipient ->> 'address', '') AS address
      FROM warehouse_orders) m
WHERE m.id = w.id AND w.recipient ? 'mobile'
"""


def upgrade() -> None:
    op.execute(_MASK)


def downgrade() -> None:
    pass  # masked values cannot be unmasked
