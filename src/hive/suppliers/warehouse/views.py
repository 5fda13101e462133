"""Turning warehouse rows into the supplier domain types."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hive.suppliers.types import (
    MessageType,
    OrderLine,
    OrderTrack,
    ProductDetail,
    SupplierMessage,
    TrackEvent,
    UpstreamOrder,
    UpstreamOrderStatus,
    Waybill,
)
from hive.suppliers.warehouse import order_repository as orepo
from hive.suppliers.warehouse.models import WarehouseMessage, WarehouseOrder, WarehouseProduct
from hive.suppliers.warehouse.orders import format_order_id

MOVEMENT_TEXT = {
    "reserve": "预占 / reserved",
    "release": "释放 / released",
    "deduct": "出库 / picked",
    "return": "退回入库 / returned to stock",
    "receive": "入库 / received",
    "adjust": "调整 / adjusted",
}


def detail(p: WarehouseProduct) -> ProductDetail:
    return ProductDetail(
        sku=p.sku,
        name=p.name,
        brand=p.brand,
        category_ids=(p.category_id,),
        image_url=p.image_url,
        on_shelf=p.on_shelf,
    )


async def upstream_order(session: AsyncSession, order: WarehouseOrder) -> UpstreamOrder:
    lines = await orepo.order_lines(session, order.id)
    return UpstreamOrder(
        supplier_order_id=format_order_id(order.id),
        order_no=order.order_no,
        status=UpstreamOrderStatus(order.status),
        total_fen=order.total_fen,
        freight_fen=order.freight_fen,
        lines=tuple(OrderLine(x.sku, x.quantity, x.unit_price_fen) for x in lines),
    )


async def track(session: AsyncSession, order: WarehouseOrder) -> OrderTrack:
    """Status changes and stock movements of the order, in time order."""
    events = [
        (e.occurred_at, 1, e.id, TrackEvent(e.occurred_at, e.content, e.operator))
        for e in await orepo.events(session, order.id)
    ]
    for m, warehouse, sku in await orepo.movements_for_order(
        session, order.supplier_id, order.order_no
    ):
        text = f"{warehouse} {sku} × {abs(m.quantity)} {MOVEMENT_TEXT[m.kind]}"
        events.append((m.occurred_at, 0, m.id, TrackEvent(m.occurred_at, text, warehouse)))
    # One transaction stamps its movements and its status event alike: movements first.
    events.sort(key=lambda item: item[:3])
    supplier_order_id = format_order_id(order.id)
    waybills = (
        (Waybill(order.carrier, order.waybill_no, supplier_order_id),) if order.waybill_no else ()
    )
    return OrderTrack(supplier_order_id, tuple(item[3] for item in events), waybills)


def message(row: WarehouseMessage) -> SupplierMessage:
    return SupplierMessage(
        message_id=str(row.id),
        type=MessageType(row.type),
        occurred_at=row.occurred_at,
        payload=dict(row.payload),
        raw={"id": row.id, "type": row.type, "payload": row.payload},
    )
