"""grade code backfill: every customer grade made before codes existed gets one

Grades made before 0031 (by demo seeding or the CLI) have no ``code``. Each gets one, in id
order: the demo grades their demo code (普通 standard, 银牌 silver, 金牌 gold, 钻石 diamond),
a grade with a plain ASCII name that name as a code (lower case, other characters as ``-``),
any other ``grade-<id>``; a code another grade already holds gets ``-<id>`` appended. Codes
set here stay on downgrade (they are valid codes, as typed on the grades page).

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-30 19:00:00.000000
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEMO_CODES = {"普通": "standard", "银牌": "silver", "金牌": "gold", "钻石": "diamond"}
GRADE_CODE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


def derived_code(grade_id: int, name: str, taken: set[str]) -> str:
    """The code a grade without one gets (see the module's text)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")[:32]
    wanted = DEMO_CODES.get(name.strip()) or (slug if GRADE_CODE.match(slug) else "")
    wanted = wanted or f"grade-{grade_id}"
    suffix = 0
    code = wanted
    while code in taken:
        suffix += 1
        tail = f"-{grade_id}" if suffix == 1 else f"-{grade_id}-{suffix}"
        code = wanted[: 32 - len(tail)] + tail
    return code


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name, code FROM customer_grades ORDER BY id")).all()
    taken = {code for _, _, code in rows if code is not None}
    for grade_id, name, code in rows:
        if code is None:
            code = derived_code(grade_id, name, taken)
            taken.add(code)
            bind.execute(
                sa.text("UPDATE customer_grades SET code = :code WHERE id = :id"),
                {"code": code, "id": grade_id},
            )


def downgrade() -> None:
    pass
