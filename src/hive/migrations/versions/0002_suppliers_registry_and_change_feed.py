"""suppliers registry and change feed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:27:10.676867
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.platform import rls

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PLATFORM_TABLES = ["suppliers", "supplier_tokens", "rate_limit_buckets", "supplier_messages"]


def upgrade() -> None:
    op.create_table(
        "rate_limit_buckets",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_buckets")),
    )
    op.create_table(
        "suppliers",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("credentials_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("rate_limits", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('vop', 'warehouse')", name=op.f("ck_suppliers_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("name", name=op.f("uq_suppliers_name")),
    )
    op.create_table(
        "supplier_messages",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.CheckConstraint(
            "status IN ('processed', 'failed', 'ignored')", name=op.f("ck_supplier_messages_status")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.id"],
            name=op.f("fk_supplier_messages_supplier_id_suppliers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_messages")),
    )
    op.create_index(
        "ix_supplier_messages_received_at", "supplier_messages", ["received_at"], unique=False
    )
    op.create_index(
        "uq_supplier_messages_supplier_message",
        "supplier_messages",
        ["supplier_id", "message_id"],
        unique=True,
    )
    op.create_table(
        "supplier_tokens",
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("access_token", sa.String(length=512), nullable=False),
        sa.Column("refresh_token", sa.String(length=512), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_tokens_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("supplier_id", name=op.f("pk_supplier_tokens")),
    )
    for table in PLATFORM_TABLES:
        for statement in rls.shared_table_sql(table, tenant_can_read=False):
            op.execute(statement)
    for statement in rls.sequences_sql():
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("supplier_tokens")
    op.drop_index("uq_supplier_messages_supplier_message", table_name="supplier_messages")
    op.drop_index("ix_supplier_messages_received_at", table_name="supplier_messages")
    op.drop_table("supplier_messages")
    op.drop_table("suppliers")
    op.drop_table("rate_limit_buckets")
