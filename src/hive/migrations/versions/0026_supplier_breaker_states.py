"""supplier breaker states: each supplier method's circuit breaker as last reported

``supplier_breaker_states`` holds, per supplier and method, the breaker state a process last
reported (``closed``, ``open``, ``half_open``), when it changed, and the failure that last
opened it. Written by every process on each transition (the latest by time wins); read by the
admin dashboard. Platform-owned; tenants have no access.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 12:15:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.migrations.helpers import share_platform_table

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supplier_breaker_states",
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_code", sa.String(length=64), nullable=False),
        sa.Column("last_failure_message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_breaker_states_supplier_id_suppliers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("supplier_id", "method", name=op.f("pk_supplier_breaker_states")),
    )
    share_platform_table("supplier_breaker_states", tenant_can_read=False)


def downgrade() -> None:
    op.drop_table("supplier_breaker_states")
