"""Row-level security on waybills: a tenant transaction reads only its own sub-orders'
waybills, cannot change another tenant's, and cannot record one for another tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hive.platform.db import Database
from tests.orders.test_orders_isolation import two_tenants

__all__ = ["two_tenants"]
WAYBILL = """
INSERT INTO order_waybills (tenant_id, sub_order_id, carrier, waybill_no)
SELECT :t, id, '京东快递', 'JDV' || :t FROM sub_orders WHERE tenant_id = :t
"""


@pytest.fixture
async def waybills(database: Database, two_tenants: tuple[int, int]) -> tuple[int, int]:
    async with database.platform_transaction() as session:
        for tenant in two_tenants:
            await session.execute(text(WAYBILL), {"t": tenant})
    return two_tenants


async def test_a_tenant_reads_and_changes_only_its_own_waybills(
    database: Database, waybills: tuple[int, int]
) -> None:
    first, second = waybills
    async with database.tenant_transaction(first) as session:
        seen = await session.execute(text("SELECT tenant_id, waybill_no FROM order_waybills"))
        rows = list(seen.all())
        changed = await session.execute(
            text("UPDATE order_waybills SET waybill_no = 'X' WHERE tenant_id = :t"), {"t": second}
        )
        assert changed.rowcount == 0  # type: ignore[attr-defined]
    assert rows == [(first, f"JDV{first}")]
    async with database.platform_transaction() as session:
        every = (await session.execute(text("SELECT waybill_no FROM order_waybills"))).scalars()
        assert sorted(every) == sorted([f"JDV{first}", f"JDV{second}"])


async def test_a_tenant_cannot_record_a_waybill_for_another_tenant(
    database: Database, waybills: tuple[int, int]
) -> None:
    first, second = waybills
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with database.tenant_transaction(first) as session:
            await session.execute(
                text(
                    "INSERT INTO order_waybills (tenant_id, sub_order_id, carrier, waybill_no) "
                    "VALUES (:t, 1, 'x', 'FORGED')"
                ),
                {"t": second},
            )
