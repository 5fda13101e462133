"""Selecting supplier SKUs into the pool, by hand or by rule.

Each SKU is imported whole or not at all: its snapshot is read first; then, in one transaction,
the product row, its history, its domain event and the selection record are written together.
A SKU that cannot be read (unknown, left the supplier's pool, supplier down) is recorded as a
failed selection with the reason, and nothing else is written for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog import reference
from hive.catalog.models import Product, SelectionRecord
from hive.catalog.pool import repository as pool_repo
from hive.catalog.pool import service as pool
from hive.catalog.selection import repository
from hive.catalog.snapshot import ProductSnapshot, SnapshotBatch, fetch_snapshots
from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.db import Database
from hive.platform.permissions import Action, require
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.types import Area

SNAPSHOT_BATCH = 100


@dataclass
class SelectionReport:
    added: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def merge(self, other: SelectionReport) -> None:
        self.added += other.added
        self.restored += other.restored
        self.unchanged += other.unchanged
        self.failed.update(other.failed)


async def select_skus(
    database: Database,
    adapter: SupplierAdapter,
    actor: Actor,
    skus: Sequence[str],
    *,
    stock_areas: Sequence[Area],
    rule_id: int | None = None,
    rule_run_id: int | None = None,
    progress_id: int | None = None,
) -> SelectionReport:
    """Bring ``skus`` of ``adapter``'s supplier into the pool; report what happened to each.

    Each chunk of SKUs commits whole with its selection records (tagged with ``rule_run_id``
    or the bulk action's ``progress_id``), so a run that dies half-way knows exactly which
    SKUs it already handled."""
    require(actor, Action.SELECT_PRODUCTS)
    report = SelectionReport()
    synced = False
    for start in range(0, len(skus), SNAPSHOT_BATCH):
        chunk = list(skus[start : start + SNAPSHOT_BATCH])
        batch = await fetch_snapshots(adapter, chunk, stock_areas)
        if not synced:  # once per call: a category the supplier does not list stays unknown
            synced = await reference.ensure_categories(database, adapter, batch.snapshots.values())
        async with database.platform_transaction() as session:
            report.merge(
                await _store(
                    session, adapter.supplier_id, batch, actor, (rule_id, rule_run_id, progress_id)
                )
            )
    return report


# The rule, the rule run and the bulk action a selection comes from (all None for a selection
# by hand).
RuleOrigin = tuple[int | None, int | None, int | None]


async def _store(
    session: AsyncSession, supplier_id: int, batch: SnapshotBatch, actor: Actor, origin: RuleOrigin
) -> SelectionReport:
    report = SelectionReport(failed=dict(batch.failures))
    existing = await pool_repo.products_by_sku(session, supplier_id, batch.snapshots, lock=True)
    categories = await reference.categories_for(session, supplier_id, batch.snapshots.values())
    records = [
        _record(supplier_id, sku, None, "failed", reason, actor, origin)
        for sku, reason in batch.failures.items()
    ]
    for sku, snapshot in batch.snapshots.items():
        category_id, names = categories.get(sku, (None, []))
        product, outcome = await _store_one(
            session, supplier_id, snapshot, existing.get(sku), category_id, names
        )
        getattr(
            report, {"added": "added", "restored": "restored"}.get(outcome, "unchanged")
        ).append(sku)
        records.append(
            _record(
                supplier_id,
                sku,
                product.id,
                "unchanged" if outcome == "unchanged" else "added",
                outcome,
                actor,
                origin,
            )
        )
    await repository.add_selection_records(session, records)
    await record_audit(
        session,
        actor,
        "pool.select",
        target_type="supplier",
        target_id=supplier_id,
        details={
            "added": len(report.added),
            "restored": len(report.restored),
            "failed": len(report.failed),
            "rule_id": origin[0],
        },
    )
    return report


async def _store_one(
    session: AsyncSession,
    supplier_id: int,
    snapshot: ProductSnapshot,
    product: Product | None,
    category_id: int | None,
    category_names: list[str],
) -> tuple[Product, str]:
    if product is None:
        return await pool.add_product(
            session, supplier_id, snapshot, category_id, category_names
        ), "added"
    values = pool.snapshot_values(snapshot, category_id)
    outcome = "unchanged"
    if product.status == pool.REMOVED:
        values["status"] = pool.ACTIVE
        outcome = "restored"
    await pool.apply_changes(
        session,
        product,
        values,
        source="selection",
        category_names=category_names,
        as_of=snapshot.read_at,
    )
    return product, outcome


async def deselect_products(
    database: Database,
    actor: Actor,
    supplier_id: int,
    products: Sequence[Product],
    *,
    reason: str,
    rule_id: int | None = None,
    rule_run_id: int | None = None,
) -> list[str]:
    """Remove products from the pool (status ``removed``; history and orders keep them).

    Products already removed are skipped, so removing the same products again does nothing."""
    require(actor, Action.SELECT_PRODUCTS)
    removed: list[str] = []
    async with database.platform_transaction() as session:
        locked = await pool_repo.products_by_sku(
            session, supplier_id, [p.supplier_sku for p in products], lock=True
        )
        records = []
        for sku, product in locked.items():
            if product.status == pool.REMOVED:
                continue
            await pool.apply_changes(session, product, {"status": pool.REMOVED}, source="selection")
            removed.append(sku)
            records.append(
                _record(
                    supplier_id,
                    sku,
                    product.id,
                    "removed",
                    reason,
                    actor,
                    (rule_id, rule_run_id, None),
                    action="remove",
                )
            )
        await repository.add_selection_records(session, records)
    return removed


def _record(
    supplier_id: int,
    sku: str,
    product_id: int | None,
    outcome: str,
    reason: str,
    actor: Actor,
    origin: RuleOrigin,
    *,
    action: str = "add",
) -> SelectionRecord:
    return SelectionRecord(
        supplier_id=supplier_id,
        supplier_sku=sku,
        product_id=product_id,
        action=action,
        outcome=outcome,
        reason=reason[:255],
        actor_user_id=actor.user_id,
        actor_name=actor.username,
        rule_id=origin[0],
        rule_run_id=origin[1],
        progress_id=origin[2],
    )
