"""Areas for the checkout pickers, fetched from a supplier the first time a level is needed.

The area reference data holds the provinces after the first category sync; the cities,
counties and towns under a province are asked of the first enabled VOP supplier (JD's area
ids are what VOP orders need) when a picker first needs them, and stored for everyone after.
A supplier that does not answer leaves the level empty (the page says so); nothing fails.
"""

from __future__ import annotations

import structlog
from fastapi import Request

from hive.catalog import repository as catalog_repository
from hive.catalog.models import Area
from hive.orders.checkout_form import AREA_FIELDS, AreaPickers
from hive.platform.http import database_of
from hive.suppliers import service as suppliers
from hive.suppliers.types import SupplierKind

log = structlog.get_logger(__name__)


def missing_level(pickers: AreaPickers) -> tuple[int | None, int] | None:
    """``(parent id, level)`` of the first level with no options under its chosen parent."""
    parent: int | None = None
    for level, name in enumerate(AREA_FIELDS, start=1):
        if level > 1 and parent is None:
            return None
        if not pickers.options.get(name):
            return parent, level
        parent = pickers.chosen.get(name)
    return None


async def fill_level(request: Request, parent_id: int | None, level: int) -> bool:
    """Ask a VOP supplier for the areas at ``level`` under ``parent_id`` and store them;
    whether any were stored."""
    database = database_of(request)
    async with database.platform_transaction() as session:
        vop = [
            s
            for s in await suppliers.list_suppliers(session)
            if s.enabled and s.kind == SupplierKind.VOP.value
        ]
    if not vop:
        return False
    try:
        adapter = await request.app.state.adapters.for_supplier_id(vop[0].id)
        nodes = await adapter.child_areas(parent_id, level)
    except Exception as error:  # any supplier failure: the picker stays empty
        log.warning("areas not fetched", parent_id=parent_id, level=level, error=repr(error))
        return False
    rows = [Area(id=n.area_id, parent_id=n.parent_id, name=n.name, level=level) for n in nodes]
    async with database.platform_transaction() as session:
        await catalog_repository.upsert_areas(session, rows)
    return bool(rows)
