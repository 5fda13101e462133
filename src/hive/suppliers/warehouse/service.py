"""Operators' warehouse work: set up warehouses and products, receive batches, adjust stock,
set low-stock thresholds, read alerts. Validated first (nothing is written on a refusal),
audited, and run inside the caller's transaction (never committed here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.permissions import Action, require
from hive.suppliers.errors import InvalidSupplierConfig, SupplierNotFound
from hive.suppliers.types import MessageType
from hive.suppliers.warehouse import order_repository as orepo
from hive.suppliers.warehouse import repository as repo
from hive.suppliers.warehouse import stock
from hive.suppliers.warehouse.errors import (
    AdjustmentBelowReserved,
    BatchNotFound,
    DuplicateBatch,
    DuplicateSku,
    DuplicateWarehouseCode,
    InvalidBatch,
    InvalidProduct,
    InvalidQuantity,
    InvalidWarehouse,
    ReasonRequired,
    WarehouseNotFound,
    WarehouseSkuNotFound,
)
from hive.suppliers.warehouse.models import Warehouse, WarehouseBatch, WarehouseProduct
from hive.suppliers.warehouse.repository import AlertRow, StockKey
from hive.suppliers.warehouse.rules import business_date


@dataclass(frozen=True, slots=True)
class ProductInput:
    sku: str
    name: str
    brand: str
    category_id: int
    unit_price_fen: int
    retail_fen: int
    on_shelf: bool = True
    image_url: str = ""


@dataclass(frozen=True, slots=True)
class BatchReceipt:
    warehouse_code: str
    sku: str
    batch_no: str
    quantity: int
    cost_fen: int
    expires_on: date


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def _check_supplier(session: AsyncSession, supplier_id: int) -> None:
    kind = await repo.supplier_kind(session, supplier_id)
    if kind is None:
        raise SupplierNotFound(details={"supplier_id": supplier_id})
    if kind != "warehouse":
        raise InvalidSupplierConfig(f"supplier {supplier_id} is a {kind}, not a warehouse")


async def create_warehouse(
    session: AsyncSession,
    actor: Actor,
    supplier_id: int,
    *,
    code: str,
    name: str,
    province_ids: list[int],
) -> int:
    """Add a stock location serving ``province_ids``; returns its id."""
    require(actor, Action.MANAGE_WAREHOUSE)
    code, name = code.strip(), name.strip()
    if not code or len(code) > 32 or not name or len(name) > 64:
        raise InvalidWarehouse("编码或名称不合法 / Bad code or name")
    if not province_ids or not all(_is_count(p) and p > 0 for p in province_ids):
        raise InvalidWarehouse("服务省份不合法 / Bad province list")
    await _check_supplier(session, supplier_id)
    if await repo.find_warehouse(session, supplier_id, code) is not None:
        raise DuplicateWarehouseCode(details={"code": code})
    warehouse = Warehouse(
        supplier_id=supplier_id, code=code, name=name, province_ids=sorted(set(province_ids))
    )
    await repo.add(session, warehouse)
    await record_audit(
        session,
        actor,
        "warehouse.create",
        target_type="warehouse",
        target_id=warehouse.id,
        details={"code": code, "provinces": warehouse.province_ids},
    )
    return warehouse.id


async def create_product(
    session: AsyncSession, actor: Actor, supplier_id: int, data: ProductInput
) -> int:
    """Add a product the warehouse stocks; returns its id."""
    require(actor, Action.MANAGE_WAREHOUSE)
    sku = data.sku.strip()
    if not sku or len(sku) > 64 or not data.name.strip() or len(data.name) > 200:
        raise InvalidProduct("编码或名称不合法 / Bad SKU or name")
    if len(data.brand) > 64 or len(data.image_url) > 500:
        raise InvalidProduct("品牌或图片地址过长 / Brand or image URL too long")
    prices = (data.unit_price_fen, data.retail_fen, data.category_id)
    if not all(_is_count(v) and v >= 0 for v in prices):
        raise InvalidProduct("价格或分类不合法 / Bad price or category")
    await _check_supplier(session, supplier_id)
    if await repo.find_product(session, supplier_id, sku) is not None:
        raise DuplicateSku(details={"sku": sku})
    product = WarehouseProduct(
        supplier_id=supplier_id,
        sku=sku,
        name=data.name.strip(),
        brand=data.brand.strip(),
        category_id=data.category_id,
        unit_price_fen=data.unit_price_fen,
        retail_fen=data.retail_fen,
        on_shelf=data.on_shelf,
        image_url=data.image_url,
    )
    await repo.add(session, product)
    await record_audit(
        session,
        actor,
        "warehouse.product_create",
        target_type="warehouse_product",
        target_id=sku,
        details={"unit_price_fen": data.unit_price_fen},
    )
    return product.id


async def set_shelf(
    session: AsyncSession, actor: Actor, supplier_id: int, sku: str, on_shelf: bool
) -> None:
    """Put a product on or off shelf; a change is announced on the change feed."""
    require(actor, Action.MANAGE_WAREHOUSE)
    product = await _product(session, supplier_id, sku)
    if product.on_shelf == on_shelf:
        return
    product.on_shelf = on_shelf
    await orepo.add_message(
        session, supplier_id, int(MessageType.SHELF_CHANGED), {"sku": sku, "on_shelf": on_shelf}
    )
    await record_audit(
        session,
        actor,
        "warehouse.set_shelf",
        target_type="warehouse_product",
        target_id=sku,
        details={"on_shelf": on_shelf},
    )


async def set_price(
    session: AsyncSession,
    actor: Actor,
    supplier_id: int,
    sku: str,
    unit_price_fen: int,
    retail_fen: int,
) -> None:
    """Change a product's prices; announced on the change feed."""
    require(actor, Action.MANAGE_WAREHOUSE)
    if not all(_is_count(v) and v >= 0 for v in (unit_price_fen, retail_fen)):
        raise InvalidProduct("价格不合法 / Bad price")
    product = await _product(session, supplier_id, sku)
    before = product.unit_price_fen
    product.unit_price_fen, product.retail_fen = unit_price_fen, retail_fen
    await orepo.add_message(session, supplier_id, int(MessageType.PRICE_CHANGED), {"sku": sku})
    await record_audit(
        session,
        actor,
        "warehouse.set_price",
        target_type="warehouse_product",
        target_id=sku,
        details={"from_fen": before, "to_fen": unit_price_fen, "retail_fen": retail_fen},
    )


async def _product(session: AsyncSession, supplier_id: int, sku: str) -> WarehouseProduct:
    product = await repo.find_product(session, supplier_id, sku)
    if product is None:
        raise WarehouseSkuNotFound(details={"sku": sku})
    return product


async def _stock_key(
    session: AsyncSession, supplier_id: int, warehouse_code: str, sku: str
) -> StockKey:
    warehouse = await repo.find_warehouse(session, supplier_id, warehouse_code)
    if warehouse is None:
        raise WarehouseNotFound(details={"code": warehouse_code})
    product = await _product(session, supplier_id, sku)
    return (warehouse.id, product.id)


def _checked_batch_no(receipt: BatchReceipt, now: datetime) -> str:
    """Validate a receipt before anything is written; returns the clean batch number."""
    if not _is_count(receipt.quantity) or receipt.quantity <= 0:
        raise InvalidQuantity(details={"quantity": receipt.quantity})
    if not _is_count(receipt.cost_fen) or receipt.cost_fen < 0:
        raise InvalidBatch("成本不合法 / Bad cost", details={"cost_fen": receipt.cost_fen})
    batch_no = receipt.batch_no.strip()
    if not batch_no or len(batch_no) > 64:
        raise InvalidBatch("批次号不合法 / Bad batch number")
    if receipt.expires_on <= business_date(now):
        raise InvalidBatch("批次已过期 / Batch already expired")
    return batch_no


async def receive_batch(
    session: AsyncSession, actor: Actor, supplier_id: int, receipt: BatchReceipt, now: datetime
) -> int:
    """Put a received batch on stock; returns the batch id. Refuses expired goods."""
    require(actor, Action.MANAGE_WAREHOUSE)
    batch_no = _checked_batch_no(receipt, now)
    key = await _stock_key(session, supplier_id, receipt.warehouse_code, receipt.sku)
    await repo.ensure_stock_row(session, *key)
    await repo.lock_stock(session, [key])
    if await repo.find_batch(session, key, batch_no) is not None:
        raise DuplicateBatch(details={"batch_no": batch_no})
    batch = WarehouseBatch(
        warehouse_id=key[0],
        product_id=key[1],
        batch_no=batch_no,
        cost_fen=receipt.cost_fen,
        expires_on=receipt.expires_on,
        quantity_received=receipt.quantity,
        quantity_remaining=receipt.quantity,
        quantity_reserved=0,
    )
    await repo.add(session, batch)
    await repo.change_stock(session, key, on_hand=receipt.quantity)
    await repo.add_movement(session, key, "receive", receipt.quantity, batch_id=batch.id)
    await stock.refresh_alerts(session, [key], business_date(now))
    await record_audit(
        session,
        actor,
        "warehouse.receive",
        target_type="warehouse_batch",
        target_id=batch.id,
        details={
            "warehouse": receipt.warehouse_code,
            "sku": receipt.sku,
            "batch_no": batch_no,
            "quantity": receipt.quantity,
            "cost_fen": receipt.cost_fen,
        },
    )
    return batch.id


async def adjust_stock(
    session: AsyncSession,
    actor: Actor,
    supplier_id: int,
    *,
    warehouse_code: str,
    sku: str,
    batch_no: str,
    delta: int,
    reason: str,
    now: datetime,
) -> None:
    """Correct a batch's count by ``delta`` units (stocktake, damage), with a reason."""
    require(actor, Action.MANAGE_WAREHOUSE)
    if not _is_count(delta) or delta == 0:
        raise InvalidQuantity(details={"delta": delta})
    if not reason.strip() or len(reason) > 200:
        raise ReasonRequired()
    key = await _stock_key(session, supplier_id, warehouse_code, sku)
    await repo.lock_stock(session, [key])
    batch = await repo.find_batch(session, key, batch_no)
    if batch is None:
        raise BatchNotFound(details={"batch_no": batch_no})
    if batch.quantity_remaining + delta < batch.quantity_reserved:
        raise AdjustmentBelowReserved(
            details={"remaining": batch.quantity_remaining, "reserved": batch.quantity_reserved}
        )
    await repo.change_batch(session, batch.id, remaining=delta)
    await repo.change_stock(session, key, on_hand=delta)
    await repo.add_movement(session, key, "adjust", delta, batch_id=batch.id, reason=reason)
    await stock.refresh_alerts(session, [key], business_date(now))
    await record_audit(
        session,
        actor,
        "warehouse.adjust",
        target_type="warehouse_batch",
        target_id=batch.id,
        details={"warehouse": warehouse_code, "sku": sku, "delta": delta, "reason": reason},
    )


async def set_threshold(
    session: AsyncSession,
    actor: Actor,
    supplier_id: int,
    *,
    warehouse_code: str,
    sku: str,
    threshold: int,
    now: datetime,
) -> None:
    """Alert when sellable units of ``sku`` in the warehouse fall below ``threshold`` (0: never)."""
    require(actor, Action.MANAGE_WAREHOUSE)
    if not _is_count(threshold) or threshold < 0:
        raise InvalidQuantity(details={"threshold": threshold})
    key = await _stock_key(session, supplier_id, warehouse_code, sku)
    await repo.ensure_stock_row(session, *key)
    await repo.lock_stock(session, [key])
    await repo.set_threshold(session, key, threshold)
    await stock.refresh_alerts(session, [key], business_date(now))
    await record_audit(
        session,
        actor,
        "warehouse.set_threshold",
        target_type="warehouse_stock",
        target_id=f"{warehouse_code}/{sku}",
        details={"threshold": threshold},
    )


async def list_alerts(
    session: AsyncSession, supplier_id: int, *, open_only: bool = True
) -> list[AlertRow]:
    """Low-stock alerts of the supplier's warehouses, oldest first."""
    return await repo.list_alerts(session, supplier_id, open_only=open_only)
