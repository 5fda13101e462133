"""order items keep the purchase price they were accepted at

``order_items.purchase_price_fen``: what the supplier charges for one unit when the order was
accepted; completion makes ``quantity × purchase_price_fen`` payable to the supplier.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "order_items",
        sa.Column("purchase_price_fen", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_order_items_purchase_price"), "order_items", "purchase_price_fen >= 0"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_order_items_purchase_price"), "order_items", type_="check")
    op.drop_column("order_items", "purchase_price_fen")
