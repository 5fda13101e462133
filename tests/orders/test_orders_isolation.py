"""Row-level security on order rows: a tenant transaction neither reads nor changes another
tenant's orders, sub-orders or timeline, even with queries that forget the tenant filter; the
database refuses a status outside the state machine."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError

from hive.platform.crypto import SecretBox
from hive.platform.db import Database
from hive.suppliers import service as suppliers
from hive.suppliers.schemas import SupplierCreate
from hive.suppliers.types import SupplierKind
from tests.support.factories import ADMIN, make_tenant
from tests.support.tenancy import owners_seen

ORDER = """
INSERT INTO orders (tenant_id, order_no, status, items_fen, freight_fen, total_fen,
    province_id, city_id, county_id, receiver_cipher, receiver_name_masked,
    receiver_mobile_masked, remark, request_hash)
VALUES (:t, 'PO-1', 'accepted', 100, 0, 100, 1, 2, 3, '\\x00', '张*', '138****0000', '', 'h')
RETURNING id
"""
SUB_ORDER = """
INSERT INTO sub_orders (tenant_id, order_id, sub_order_no, supplier_id, status, items_fen,
    freight_fen, total_fen) VALUES (:t, :o, :no, :s, 'pending', 100, 0, 100) RETURNING id
"""
EVENT = """
INSERT INTO order_events (tenant_id, order_id, sub_order_id, event, from_status, to_status,
    outcome, source, details) VALUES (:t, :o, :so, 'accepted', '', 'accepted', 'moved',
    'tenant', '{}')
"""
TABLES = ["orders", "sub_orders", "order_events"]


@pytest.fixture
async def two_tenants(database: Database) -> tuple[int, int]:
    first, second = await make_tenant(database, "alpha"), await make_tenant(database, "beta")
    async with database.platform_transaction() as session:
        data = SupplierCreate(name="自营仓", kind=SupplierKind.WAREHOUSE)
        supplier = await suppliers.create_supplier(session, ADMIN, data, SecretBox("k" * 32))
        for tenant in (first, second):
            order = await session.scalar(text(ORDER), {"t": tenant})
            params = {"t": tenant, "o": order, "no": f"S{tenant}", "s": supplier.id}
            sub = await session.scalar(text(SUB_ORDER), params)
            await session.execute(text(EVENT), {"t": tenant, "o": order, "so": sub})
    return first, second


@pytest.mark.parametrize("table", TABLES)
async def test_a_tenant_sees_only_its_own_order_rows(
    database: Database, two_tenants: tuple[int, int], table: str
) -> None:
    first, second = two_tenants
    assert await owners_seen(database, table, first) == {first}
    assert await owners_seen(database, table, None) == {first, second}


async def test_a_tenant_cannot_change_or_forge_another_tenants_orders(
    database: Database, two_tenants: tuple[int, int]
) -> None:
    first, second = two_tenants
    async with database.tenant_transaction(first) as session:
        changed = await session.execute(
            text("UPDATE sub_orders SET status = 'cancelled' WHERE tenant_id = :t"), {"t": second}
        )
        found = await session.scalar(
            text("SELECT count(*) FROM orders WHERE order_no = 'PO-1' AND tenant_id = :t"),
            {"t": second},
        )
        assert changed.rowcount == 0  # type: ignore[attr-defined]
        assert found == 0
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with database.tenant_transaction(first) as session:
            await session.execute(text(ORDER.replace("PO-1", "PO-2")), {"t": second})


async def test_the_database_refuses_a_status_outside_the_state_machine(
    database: Database, two_tenants: tuple[int, int]
) -> None:
    with pytest.raises(IntegrityError, match="ck_sub_orders_status"):
        async with database.platform_transaction() as session:
            await session.execute(text("UPDATE sub_orders SET status = 'teleported'"))
