"""sub-orders remember their submission attempts and an operator hold

``sub_orders.submit_attempts``: how many times the submission saga started to place the
sub-order upstream (committed before each call, so a later attempt knows an earlier one may
have reached the supplier and looks the order up by ``thirdOrder`` first).
``sub_orders.held_reason``: set when the saga stopped on an alarm (the supplier holds an order
under our number with other lines); the sub-order waits for an operator.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "sub_orders",
        sa.Column("submit_attempts", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column("sub_orders", sa.Column("held_reason", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_sub_orders_held",
        "sub_orders",
        ["id"],
        postgresql_where=sa.text("held_reason IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_sub_orders_held", table_name="sub_orders")
    op.drop_column("sub_orders", "held_reason")
    op.drop_column("sub_orders", "submit_attempts")
