"""customer grades: a tenant reads its own grade only

Until now every tenant could read every customer grade, price coefficients included — how
much other customers pay relative to it. Row-level security now shows the tenant role only the
grade of the current tenant; the platform role still sees them all.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from hive.platform.db import PLATFORM_ROLE, TENANT_ROLE
from hive.platform.rls import CURRENT_TENANT

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE customer_grades ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE customer_grades FORCE ROW LEVEL SECURITY")
    # The subquery reads tenants as the tenant role: its own row only, by that table's policy.
    # Role and setting names are constants, not input.
    own_grade = f"SELECT t.grade_id FROM tenants t WHERE t.id = {CURRENT_TENANT}"  # noqa: S608
    op.execute(
        f"CREATE POLICY customer_grades_own_grade ON customer_grades TO {TENANT_ROLE} "
        f"USING (id IN ({own_grade}))"
    )
    op.execute(
        f"CREATE POLICY customer_grades_platform_access ON customer_grades TO {PLATFORM_ROLE} "
        "USING (true) WITH CHECK (true)"
    )


def downgrade() -> None:
    op.execute("DROP POLICY customer_grades_platform_access ON customer_grades")
    op.execute("DROP POLICY customer_grades_own_grade ON customer_grades")
    op.execute("ALTER TABLE customer_grades NO FORCE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE customer_grades DISABLE ROW LEVEL SECURITY")
