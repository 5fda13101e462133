"""supplier messages: failed attempts as a column, given-up messages as their own status

Until now the attempt count was the prefix of the failed row's error text ("attempt 3: …",
"gave up after 5 attempts: …"). The count moves into ``attempts`` and a message that will not
be retried gets status ``gave_up``; the prefix is taken off the error text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PREFIX = r"^(attempt (\d+)|gave up after (\d+) attempts): "


def upgrade() -> None:
    op.add_column(
        "supplier_messages",
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.drop_constraint(op.f("ck_supplier_messages_status"), "supplier_messages", type_="check")
    op.create_check_constraint(
        op.f("ck_supplier_messages_status"),
        "supplier_messages",
        "status IN ('processed', 'failed', 'gave_up', 'ignored')",
    )
    op.create_check_constraint(
        op.f("ck_supplier_messages_attempts"), "supplier_messages", "attempts >= 0"
    )
    op.execute(
        f"""
        UPDATE supplier_messages SET
            attempts = coalesce((regexp_match(error, '{_PREFIX}'))[2],
                                (regexp_match(error, '{_PREFIX}'))[3])::smallint,
            status = CASE WHEN error LIKE 'gave up after %' THEN 'gave_up' ELSE status END,
            error = regexp_replace(error, '{_PREFIX}', '')
        WHERE status = 'failed' AND error ~ '{_PREFIX}'
        """  # noqa: S608  (a constant pattern)
    )


def downgrade() -> None:
    op.execute(
        """
        UPDATE supplier_messages SET
            error = left(CASE WHEN status = 'gave_up'
                              THEN 'gave up after ' || attempts || ' attempts: '
                              ELSE 'attempt ' || attempts || ': ' END || error, 500),
            status = 'failed'
        WHERE status IN ('failed', 'gave_up') AND attempts > 0
        """
    )
    op.drop_constraint(op.f("ck_supplier_messages_attempts"), "supplier_messages", type_="check")
    op.drop_constraint(op.f("ck_supplier_messages_status"), "supplier_messages", type_="check")
    op.create_check_constraint(
        op.f("ck_supplier_messages_status"),
        "supplier_messages",
        "status IN ('processed', 'failed', 'ignored')",
    )
    op.drop_column("supplier_messages", "attempts")
