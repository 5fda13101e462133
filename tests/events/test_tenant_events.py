"""Tenant events: numbering per entity, the set-based insert, a reader that never skips a row of
a transaction still in flight, and row-level security."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from hive.events.errors import InvalidTenantEvent, UnknownEventCursor
from hive.events.service import EventType, raise_tenant_event, raise_tenant_events
from hive.platform.db import Database
from tests.support.events import events_of
from tests.support.factories import make_tenant

PRICE = EventType.PRICE_CHANGED


@pytest.fixture
async def tenants(database: Database) -> tuple[int, int]:
    return await make_tenant(database, "alpha"), await make_tenant(database, "beta")


async def _read(
    database: Database, tenant: int, after: int = 0, *, count: int = 1
) -> list[tuple[int, str, int]]:
    """The tenant's events once ``count`` are readable (tests running beside this one may hold
    the reading horizon back for a moment)."""
    events = await events_of(database, tenant, count=count, after=after)
    return [(e.id, e.type, e.sequence) for e in events]


async def test_events_of_one_entity_are_numbered_one_two_three(
    database: Database, tenants: tuple[int, int]
) -> None:
    alpha, beta = tenants
    for tenant in (alpha, alpha, beta, alpha):
        async with database.platform_transaction() as session:
            await raise_tenant_event(
                session, tenant, PRICE, entity_type="product", entity_id=7, payload={"fen": 1}
            )
    async with database.platform_transaction() as session:
        await raise_tenant_event(session, alpha, PRICE, entity_type="product", entity_id=8)
    assert [seq for _, _, seq in await _read(database, alpha, count=4)] == [1, 2, 3, 1]
    assert [seq for _, _, seq in await _read(database, beta)] == [1]


async def test_one_statement_raises_events_for_many_tenants_numbered_consecutively(
    database: Database, tenants: tuple[int, int]
) -> None:
    alpha, beta = tenants
    async with database.platform_transaction() as session:
        await raise_tenant_event(session, alpha, PRICE, entity_type="product", entity_id=5)
        raised = await raise_tenant_events(
            session,
            "SELECT t.id, :type, 'product', p.id, jsonb_build_object('n', p.id) "
            "FROM unnest(CAST(:tenants AS bigint[])) AS t(id) "
            "CROSS JOIN unnest(CAST(:products AS bigint[])) AS p(id)",
            {"type": PRICE.value, "tenants": [alpha, beta, alpha], "products": [5, 6]},
        )
    assert raised == 6
    events = await events_of(database, alpha, count=5)
    by_product: dict[int, list[int]] = {}
    for event in events:
        by_product.setdefault(event.entity_id, []).append(event.sequence)
    assert by_product == {5: [1, 2, 3], 6: [1, 2]}
    assert [e.payload for e in events if e.entity_id == 6] == [{"n": 6}, {"n": 6}]
    assert [seq for _, _, seq in await _read(database, beta, count=2)] == [1, 1]


async def test_reading_after_a_cursor_continues_where_it_stopped(
    database: Database, tenants: tuple[int, int]
) -> None:
    alpha, _ = tenants
    for product in (1, 2, 3):
        async with database.platform_transaction() as session:
            await raise_tenant_event(
                session, alpha, PRICE, entity_type="product", entity_id=product
            )
    first = await _read(database, alpha, count=3)
    assert len(first) == 3
    assert await _read(database, alpha, after=first[0][0], count=2) == first[1:]
    assert await _read(database, alpha, after=first[-1][0], count=0) == []


async def test_an_event_of_a_transaction_in_flight_is_not_skipped(
    database: Database, tenants: tuple[int, int]
) -> None:
    """Transaction A has its id before B, B draws the lower event id, A commits first: a reader
    ordered by event id alone would return A's event, move its cursor past B's and never see
    B's once B commits."""
    alpha, _ = tenants
    async with database.platform_transaction() as a:
        await a.execute(text("SELECT pg_current_xact_id()"))
        async with database.platform_transaction() as b:
            await raise_tenant_event(b, alpha, PRICE, entity_type="product", entity_id=1)
            await raise_tenant_event(a, alpha, PRICE, entity_type="product", entity_id=2)
            await a.commit()
            seen = await _read(database, alpha)
            # A's event is older than the oldest transaction in flight (B): it may be read.
            assert [event_id for event_id, _, _ in seen] == [2]
        later = await _read(database, alpha, after=seen[-1][0])
    assert [event_id for event_id, _, _ in later] == [1]


async def test_an_event_of_a_running_transaction_waits_for_it(
    database: Database, tenants: tuple[int, int]
) -> None:
    alpha, _ = tenants
    async with database.platform_transaction() as running:
        await raise_tenant_event(running, alpha, PRICE, entity_type="product", entity_id=1)
        async with database.platform_transaction() as committed:
            await raise_tenant_event(committed, alpha, PRICE, entity_type="product", entity_id=2)
        assert await _read(database, alpha, count=0) == []
    assert [seq for _, _, seq in await _read(database, alpha, count=2)] == [1, 1]


async def test_a_cursor_that_is_not_the_tenants_event_is_refused(
    database: Database, tenants: tuple[int, int]
) -> None:
    alpha, beta = tenants
    async with database.platform_transaction() as session:
        await raise_tenant_event(session, beta, PRICE, entity_type="product", entity_id=1)
    [(beta_event, _, _)] = await _read(database, beta)
    with pytest.raises(UnknownEventCursor):
        await _read(database, alpha, after=beta_event)
    with pytest.raises(InvalidTenantEvent):
        await _read(database, alpha, after=-1)


async def test_an_unknown_event_type_is_refused_and_nothing_written(
    database: Database, tenants: tuple[int, int]
) -> None:
    alpha, _ = tenants
    with pytest.raises(InvalidTenantEvent) as refused:
        async with database.platform_transaction() as session:
            await raise_tenant_event(session, alpha, "price.guess", entity_type="p", entity_id=1)
    assert refused.value.problems[0].code == "not_a_choice"
    async with database.platform_transaction() as session:
        assert await session.scalar(text("SELECT count(*) FROM tenant_events")) == 0


@pytest.mark.parametrize("table", ["tenant_events", "tenant_event_sequences", "library_items"])
async def test_a_tenant_sees_only_its_own_rows(
    database: Database, tenants: tuple[int, int], table: str
) -> None:
    alpha, beta = tenants
    async with database.platform_transaction() as session:
        for tenant in (alpha, beta):
            await raise_tenant_event(session, tenant, PRICE, entity_type="product", entity_id=1)
    async with database.tenant_transaction(alpha) as session:
        owners = set((await session.execute(text(f"SELECT tenant_id FROM {table}"))).scalars())
        assert beta not in owners
        deleted = await session.execute(
            text(f"DELETE FROM {table} WHERE tenant_id = :t"), {"t": beta}
        )
        assert deleted.rowcount == 0  # type: ignore[attr-defined]
    if table == "tenant_events":
        assert owners == {alpha}


async def test_a_tenant_cannot_raise_an_event_for_another(
    database: Database, tenants: tuple[int, int]
) -> None:
    alpha, beta = tenants
    with pytest.raises(ProgrammingError, match="row-level security"):
        async with database.tenant_transaction(alpha) as session:
            await raise_tenant_event(session, beta, PRICE, entity_type="product", entity_id=1)
    async with database.tenant_transaction(alpha) as session:
        await raise_tenant_event(session, alpha, PRICE, entity_type="product", entity_id=1)
    assert len(await _read(database, alpha, count=1)) == 1
