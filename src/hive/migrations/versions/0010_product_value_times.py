"""products: the supplier time of each applied value

An older supplier value must never overwrite a newer one: a shelf-off message with a later
supplier time, then a shelf-on message with an earlier time in a later batch, left the product
on shelf. Each product now keeps, per field, the time its value held (a message's supplier
time, or when a refresh, calibration or selection started reading); the apply statements skip
older values. Existing rows start empty: their next value is taken whatever its time.

Adding a column with a constant default does not rewrite the table.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE products ADD COLUMN value_times jsonb NOT NULL DEFAULT '{}'::jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE products DROP COLUMN value_times")
