"""customer grade code: a short unique code of a grade (lower-case letters, digits and -),
typed on the grades page; grades made before it (demo, CLI) have none until edited

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customer_grades", sa.Column("code", sa.String(length=32), nullable=True))
    op.create_unique_constraint(op.f("uq_customer_grades_code"), "customer_grades", ["code"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_customer_grades_code"), "customer_grades", type_="unique")
    op.drop_column("customer_grades", "code")
