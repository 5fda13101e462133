"""tenant events and the tenants' product libraries

* ``tenant_events``: what a tenant is told about (price changes of its library's products,
  library items becoming unavailable and available again, later order status), one row per
  event, written in the transaction of the change. ``id`` is the readers' cursor; ``txid``
  (the writing transaction, xid8 as BIGINT) lets a reader hold back rows of transactions
  still in flight (hive.events.repository). ``tenant_event_sequences`` numbers each entity's
  events per tenant.
* ``library_items``: the products a tenant took into its library, its own retail price (fen)
  and whether the item can be sold (with the reason when not).

All three are tenant-owned, under row-level security.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.platform import rls

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CURRENT_TXID = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"
TABLES = ("tenant_events", "tenant_event_sequences", "library_items")


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def upgrade() -> None:
    op.create_table(
        "tenant_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        _timestamp("occurred_at"),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("txid", sa.BigInteger(), server_default=sa.text(CURRENT_TXID), nullable=False),
        _tenant_fk("tenant_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_events")),
    )
    op.create_index(
        "ix_tenant_events_tenant_id_txid_id", "tenant_events", ["tenant_id", "txid", "id"]
    )
    op.create_index("ix_tenant_events_occurred_at", "tenant_events", ["occurred_at"])
    op.create_table(
        "tenant_event_sequences",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        _tenant_fk("tenant_event_sequences"),
        sa.PrimaryKeyConstraint(
            "tenant_id", "entity_type", "entity_id", name=op.f("pk_tenant_event_sequences")
        ),
    )
    _library_items()
    for table in TABLES:
        for statement in rls.tenant_table_sql(table):
            op.execute(statement)
    for statement in rls.sequences_sql():
        op.execute(statement)


def _library_items() -> None:
    op.create_table(
        "library_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("retail_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unavailable_reason", sa.String(length=32), nullable=True),
        _timestamp("added_at"),
        _timestamp("status_changed_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("retail_price_fen >= 0", name=op.f("ck_library_items_retail_price")),
        sa.CheckConstraint(
            "status IN ('available', 'unavailable')", name=op.f("ck_library_items_status")
        ),
        sa.CheckConstraint(
            "unavailable_reason IS NULL OR unavailable_reason IN "
            "('withdrawn', 'not_in_pools', 'off_shelf', 'out_of_stock')",
            name=op.f("ck_library_items_unavailable_reason"),
        ),
        sa.CheckConstraint(
            "(status = 'available') = (unavailable_reason IS NULL)",
            name=op.f("ck_library_items_reason_matches_status"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_library_items_product_id_products")
        ),
        _tenant_fk("library_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_items")),
        sa.UniqueConstraint(
            "tenant_id", "product_id", name=op.f("uq_library_items_tenant_id_product_id")
        ),
    )
    op.create_index("ix_library_items_product_id", "library_items", ["product_id"])
    op.create_index(
        "ix_library_items_tenant_id_added_at", "library_items", ["tenant_id", "added_at"]
    )


def downgrade() -> None:
    op.drop_table("library_items")
    op.drop_table("tenant_event_sequences")
    op.drop_table("tenant_events")
