"""billing: credit lines, the double-entry ledger, freezes

* ``accounts.credit_limit_fen``: a ``credit`` account is the tenant's credit line; its
  available plus frozen never exceed the limit.
* ``ledger_entries`` / ``ledger_postings``: append-only (both roles may insert and read,
  never update or delete); a deferred constraint trigger refuses, at commit, any entry whose
  postings do not sum to zero.
* ``freezes``: money held per order reference; captured + released + open = amount.
All three tenant tables are under row-level security.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from hive.platform import rls
from hive.platform.db import PLATFORM_ROLE, TENANT_ROLE

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("ledger_entries", "ledger_postings")

BALANCED_FUNCTION = """
CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT sum(amount_fen) FROM ledger_postings WHERE entry_id = NEW.entry_id) <> 0 THEN
        RAISE EXCEPTION 'ledger entry % does not balance', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""
BALANCED_TRIGGER = """
CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()
"""


def _timestamps() -> list[sa.Column[datetime]]:
    return [
        sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)
        for name in ("created_at", "updated_at")
    ]


def upgrade() -> None:
    _accounts()
    _ledger()
    _freezes()
    for table in ("ledger_entries", "ledger_postings", "freezes"):
        for statement in rls.tenant_table_sql(table):
            op.execute(statement)
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE ON {table} FROM {PLATFORM_ROLE}, {TENANT_ROLE}")
    op.execute(BALANCED_FUNCTION)
    op.execute(BALANCED_TRIGGER)
    for statement in rls.sequences_sql():
        op.execute(statement)


def _accounts() -> None:
    op.add_column(
        "accounts",
        sa.Column("credit_limit_fen", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_accounts_credit_limit"),
        "accounts",
        "credit_limit_fen >= 0 AND (kind = 'credit' OR credit_limit_fen = 0)",
    )
    op.create_check_constraint(
        op.f("ck_accounts_credit_within_limit"),
        "accounts",
        "kind <> 'credit' OR available_fen + frozen_fen <= credit_limit_fen",
    )


def _ledger() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("operation_key", sa.String(length=128), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_entries_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint(
            "tenant_id", "operation_key", name=op.f("uq_ledger_entries_tenant_id_operation_key")
        ),
    )
    op.create_index("ix_ledger_entries_tenant_id_id", "ledger_entries", ["tenant_id", "id"])
    op.create_index("ix_ledger_entries_reference", "ledger_entries", ["tenant_id", "reference"])
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_after_fen", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("amount_fen <> 0", name=op.f("ck_ledger_postings_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_postings_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_postings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    op.create_index("ix_ledger_postings_entry_id", "ledger_postings", ["entry_id"])
    op.create_index(
        "ix_ledger_postings_tenant_id_account_id",
        "ledger_postings",
        ["tenant_id", "account", "id"],
    )


def _freezes() -> None:
    op.create_table(
        "freezes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("open_balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("open_credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("captured_fen", sa.BigInteger(), nullable=False),
        sa.Column("released_fen", sa.BigInteger(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_freezes_amount_positive")),
        sa.CheckConstraint(
            "open_balance_fen >= 0 AND open_credit_fen >= 0 AND captured_fen >= 0 "
            "AND released_fen >= 0",
            name=op.f("ck_freezes_parts_not_negative"),
        ),
        sa.CheckConstraint(
            "captured_fen + released_fen + open_balance_fen + open_credit_fen = amount_fen",
            name=op.f("ck_freezes_parts_add_up"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_freezes_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freezes")),
        sa.UniqueConstraint("tenant_id", "reference", name=op.f("uq_freezes_tenant_id_reference")),
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings")
    op.execute("DROP FUNCTION IF EXISTS ledger_entry_balanced()")
    op.drop_table("freezes")
    op.drop_index("ix_ledger_postings_tenant_id_account_id", table_name="ledger_postings")
    op.drop_index("ix_ledger_postings_entry_id", table_name="ledger_postings")
    op.drop_table("ledger_postings")
    op.drop_index("ix_ledger_entries_reference", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_tenant_id_id", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_constraint(op.f("ck_accounts_credit_within_limit"), "accounts", type_="check")
    op.drop_constraint(op.f("ck_accounts_credit_limit"), "accounts", type_="check")
    op.drop_column("accounts", "credit_limit_fen")
