"""open api: apps, secrets, nonces, idempotency records, rate-limit buckets

Apps belong to a tenant and carry its ``tenant_id`` (row-level security: a tenant admin's
workbench sees its own apps only); the gateway looks an app up by key as the platform role,
which is how it learns the tenant. Secrets are stored encrypted (``hive.platform.crypto``).
Nonces, idempotency records and buckets are the gateway's own bookkeeping.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hive.migrations.helpers import isolate_tenant_table, share_platform_table

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.text("now()")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def _app_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["app_id"], ["open_apps.id"], name=op.f(f"fk_{table}_app_id_open_apps"), ondelete="CASCADE"
    )


def _apps() -> None:
    op.create_table(
        "open_apps",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("app_key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("ip_allow", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rate_per_s", sa.Double(), nullable=True),
        sa.Column("burst", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.CheckConstraint("status IN ('active', 'revoked')", name=op.f("ck_open_apps_status")),
        sa.CheckConstraint("rate_per_s IS NULL OR rate_per_s > 0", name=op.f("ck_open_apps_rate")),
        sa.CheckConstraint("burst IS NULL OR burst >= 1", name=op.f("ck_open_apps_burst")),
        _tenant_fk("open_apps"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_apps")),
        sa.UniqueConstraint("app_key", name=op.f("uq_open_apps_app_key")),
    )
    op.create_index("ix_open_apps_tenant_id", "open_apps", ["tenant_id"])
    op.create_table(
        "open_app_secrets",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        _app_fk("open_app_secrets"),
        _tenant_fk("open_app_secrets"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_app_secrets")),
    )
    op.create_index("ix_open_app_secrets_app_id", "open_app_secrets", ["app_id"])


def _gateway_bookkeeping() -> None:
    op.create_table(
        "open_nonces",
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        _app_fk("open_nonces"),
        _tenant_fk("open_nonces"),
        sa.PrimaryKeyConstraint("app_id", "nonce", name=op.f("pk_open_nonces")),
    )
    op.create_index("ix_open_nonces_expires_at", "open_nonces", ["expires_at"])
    op.create_table(
        "open_idempotency_records",
        sa.Column("app_id", sa.BigInteger(), nullable=False),
        sa.Column("route", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        _app_fk("open_idempotency_records"),
        _tenant_fk("open_idempotency_records"),
        sa.PrimaryKeyConstraint("app_id", "route", "key", name=op.f("pk_open_idempotency_records")),
    )
    op.create_index(
        "ix_open_idempotency_records_created_at", "open_idempotency_records", ["created_at"]
    )


def _rate_limits() -> None:
    op.create_table(
        "open_rate_buckets",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("taken", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_open_rate_buckets")),
    )
    op.create_table(
        "open_grade_rate_limits",
        sa.Column("grade_id", sa.BigInteger(), nullable=False),
        sa.Column("rate_per_s", sa.Double(), nullable=False),
        sa.Column("burst", sa.Integer(), nullable=False),
        sa.CheckConstraint("rate_per_s > 0", name=op.f("ck_open_grade_rate_limits_rate")),
        sa.CheckConstraint("burst >= 1", name=op.f("ck_open_grade_rate_limits_burst")),
        sa.ForeignKeyConstraint(
            ["grade_id"],
            ["customer_grades.id"],
            name=op.f("fk_open_grade_rate_limits_grade_id_customer_grades"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("grade_id", name=op.f("pk_open_grade_rate_limits")),
    )


def upgrade() -> None:
    _apps()
    _gateway_bookkeeping()
    _rate_limits()
    for table in ("open_apps", "open_app_secrets", "open_nonces", "open_idempotency_records"):
        isolate_tenant_table(table)
    for table in ("open_rate_buckets", "open_grade_rate_limits"):
        share_platform_table(table, tenant_can_read=False)


def downgrade() -> None:
    for table in (
        "open_grade_rate_limits",
        "open_rate_buckets",
        "open_idempotency_records",
        "open_nonces",
        "open_app_secrets",
        "open_apps",
    ):
        op.drop_table(table)
