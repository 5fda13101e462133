"""Reference data synced from suppliers: categories (mapped onto our own tree) and areas."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import repository
from hive.catalog.models import Area, Category, SupplierCategory
from hive.catalog.snapshot import ProductSnapshot
from hive.platform.db import Database
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import CategoryNode

# Towns (level 4) are fetched per county: thousands of calls, so only when asked for.
DEFAULT_AREA_DEPTH = 3


@dataclass(frozen=True)
class SyncReport:
    categories: int = 0
    newly_mapped: int = 0
    areas: int = 0


async def sync_categories(database: Database, adapter: SupplierAdapter) -> SyncReport:
    """Store the supplier's category tree; a category not yet mapped onto ours gets a mirror
    category of the same name under its parent's mapping (operators may remap it later).
    Concurrent syncs of one supplier run one after the other, so each category is mirrored
    once."""
    nodes = sorted(await adapter.categories(), key=lambda n: (n.level, n.category_id))
    newly_mapped = 0
    async with database.platform_transaction() as session:
        await repository.lock_category_sync(session, adapter.supplier_id)
        known = await repository.supplier_categories(session, adapter.supplier_id)
        for node in nodes:
            mapped = (
                known[node.category_id].mapped_category_id if node.category_id in known else None
            )
            if mapped is None:
                mapped = await _mirror(session, node, known)
                newly_mapped += 1
            row = SupplierCategory(
                supplier_id=adapter.supplier_id,
                category_id=node.category_id,
                parent_id=node.parent_id,
                name=node.name,
                level=node.level,
                mapped_category_id=mapped,
            )
            await repository.upsert_supplier_category(session, row)
            known[node.category_id] = row
    return SyncReport(categories=len(nodes), newly_mapped=newly_mapped)


async def _mirror(
    session: AsyncSession, node: CategoryNode, known: dict[int, SupplierCategory]
) -> int:
    parent = known.get(node.parent_id) if node.parent_id else None
    our_parent = parent.mapped_category_id if parent else None
    category = await repository.find_category(session, our_parent, node.name)
    if category is None:
        category = Category(parent_id=our_parent, name=node.name, level=node.level)
        await repository.add_category(session, category)
    return category.id


async def sync_areas(
    database: Database, adapter: SupplierAdapter, *, depth: int = DEFAULT_AREA_DEPTH
) -> SyncReport:
    """Store the supplier's areas down to ``depth`` (1 provinces … 4 towns)."""
    if not 1 <= depth <= 4:
        raise ValueError("depth must be 1 to 4")
    parents: list[int | None] = [None]
    total = 0
    for level in range(1, depth + 1):
        rows: list[Area] = []
        for parent in parents:
            nodes = await adapter.child_areas(parent, level)
            rows += [
                Area(id=n.area_id, parent_id=n.parent_id, name=n.name, level=level) for n in nodes
            ]
        async with database.platform_transaction() as session:
            await repository.upsert_areas(session, rows)
        total += len(rows)
        parents = [row.id for row in rows]
    return SyncReport(areas=total)


async def categories_for(
    session: AsyncSession, supplier_id: int, snapshots: Iterable[ProductSnapshot]
) -> dict[str, tuple[int | None, list[str]]]:
    """Our category and the category names (for search) of each snapshot's product."""
    known = await repository.supplier_categories(session, supplier_id)
    result: dict[str, tuple[int | None, list[str]]] = {}
    for snapshot in snapshots:
        path = snapshot.detail.category_ids
        leaf = known.get(path[-1]) if path else None
        names = [known[c].name for c in path if c in known]
        result[snapshot.sku] = (leaf.mapped_category_id if leaf else None, names)
    return result


async def ensure_categories(
    database: Database, adapter: SupplierAdapter, snapshots: Iterable[ProductSnapshot]
) -> bool:
    """Sync the supplier's category tree (and its provinces, when no area is stored yet) if a
    snapshot's category is not known yet, so a selected product gets its category and the pool
    its category facet. Returns whether it synced."""
    async with database.platform_transaction() as session:
        known = await repository.supplier_categories(session, adapter.supplier_id)
        has_areas = bool(await repository.areas_at_level(session, 1))
    leaves = {s.detail.category_ids[-1] for s in snapshots if s.detail.category_ids}
    if leaves <= set(known):
        return False
    await sync_categories(database, adapter)
    if not has_areas:
        await sync_areas(database, adapter, depth=1)
    return True


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    """Hive's active category tree, parents first (for the workbench and the Open API)."""
    return await repository.active_categories(session)


async def category_choices(session: AsyncSession) -> list[tuple[int, int | None, str]]:
    """Hive's active categories as ``(id, parent id, name)``, for pickers."""
    return [(c.id, c.parent_id, c.name) for c in await repository.active_categories(session)]


async def supplier_category_choices(
    session: AsyncSession, supplier_id: int
) -> list[tuple[int, int | None, str]]:
    """A supplier's categories as ``(id, parent id, name)`` (its own ids), for pickers."""
    known = await repository.supplier_categories(session, supplier_id)
    return [(c.category_id, c.parent_id, c.name) for c in known.values()]


async def province_choices(session: AsyncSession) -> list[tuple[int, str]]:
    """The provinces as ``(id, name)``, for pickers."""
    return [(a.id, a.name) for a in await repository.areas_at_level(session, 1)]


async def category_name(session: AsyncSession, category_id: int) -> str | None:
    """A category's name (None: no such category)."""
    return (await repository.category_names(session, [category_id])).get(category_id)


async def province_name(session: AsyncSession, province_id: int) -> str | None:
    """A province's name (None: no such province)."""
    return dict(await province_choices(session)).get(province_id)
