"""Demo orders for ``hive up``: acme's first orders, one resting in each state an order can
rest in, placed and moved on through the real services only.

The goods come from the self-run warehouse (自营仓), which is fully ours, so every state is
reached deterministically: a Beijing warehouse is stocked with a few groceries and gifts
(:data:`DEMO_STOCK`, through the warehouse service), they are selected into the pool like any
supplier's SKUs (:func:`hive.catalog.selection.service.select_skus`, which prices them for
every grade) and added to acme's library. Then each order of :data:`DEMO_ORDERS`, under its
fixed number, is

1. quoted (:func:`hive.orders.quotation.quote_order`) — every missing order before any is
   placed, as orders arriving together are;
2. accepted (:func:`hive.orders.acceptance.accept_order`: its total frozen on acme's account)
   and placed by the submission saga (:func:`hive.orders.submission.place_sub_order`, what the
   ``submit_sub_order`` job runs). The job the acceptance deferred usually runs alongside in
   the worker: the saga is safe to run twice (the warehouse takes one order per number), so
   both end in the same state and the later one's steps are timeline lines ``ignored``;
3. moved on to its demo state: shipped, delivered and completed by the warehouse
   (``advance_order``) and read back by the order sync (money captured on completion); one
   cancelled by acme (``cancel_order``, the upstream cancel, money released). The limited
   moon-cake box has two units: DEMO-0004 takes both, so DEMO-0006, quoted while they were
   still there, is refused by the warehouse when placed (``out_of_stock``: failed, money
   released).

``pending``/``submitted`` (the order ``accepted``/``submitted``) are passing states the saga
leaves within seconds; every demo order's timeline shows them. Split and partially failed
orders need a supplier that splits or a second supplier and are not seeded.

Idempotent: an order already there is not placed again, and each step is taken only while the
order has not reached its demo state (moves are forward only, so an order someone moved on
since is left alone); a second run changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.library import service as library
from hive.catalog.pool import repository as pool_products
from hive.catalog.selection.service import select_skus
from hive.catalog.snapshot import parse_areas
from hive.customers.service import find_tenant_by_code
from hive.demo import DEMO_FUNDED_TENANT, DEMO_WAREHOUSE_SUPPLIER, SEED_ACTOR
from hive.orders import cancellation_tasks, repository
from hive.orders.acceptance import accept_order
from hive.orders.cancellation import cancel_order
from hive.orders.quotation import Quote, quote_order
from hive.orders.schemas import AddressIn, OrderItemIn, OrderRequest
from hive.orders.service import get_order
from hive.orders.status import OrderStatus, SubOrderStatus
from hive.orders.submission import place_sub_order
from hive.orders.sync import sync_sub_order
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.permissions import Role
from hive.platform.secret_key import load_secret_box
from hive.suppliers import service as suppliers
from hive.suppliers.protocol import SupplierAdapter
from hive.suppliers.warehouse import orders as warehouse_orders
from hive.suppliers.warehouse import service as warehouse
from hive.suppliers.warehouse.errors import DuplicateSku, DuplicateWarehouseCode
from hive.suppliers.warehouse.service import BatchReceipt, ProductInput

AdapterFor = Callable[[int], Awaitable[SupplierAdapter]]

DEMO_TENANT = DEMO_FUNDED_TENANT  # acme
STAFF = SEED_ACTOR  # the warehouse keeper and the buyer (selection) of the demo
WAREHOUSE_CODE, WAREHOUSE_NAME = "BJ", "北京仓"
BEIJING, SHANGHAI, TIANJIN = 1, 2, 3
# Beijing is where the pool keeps stock (HIVE_POOL_STOCK_AREAS' default) and where acme is.
DEMO_ADDRESS = AddressIn(
    province_id=BEIJING,
    city_id=72,
    county_id=2799,
    detail="建国路 88 号 示例科技 5 层",
    receiver="张经理",
    mobile="13800000001",
)


@dataclass(frozen=True, slots=True)
class DemoStock:
    sku: str
    name: str
    brand: str
    purchase_fen: int  # the warehouse's unit price (our purchase price)
    retail_fen: int
    units: int  # one batch, received once


DEMO_STOCK = (
    DemoStock("DW-TEA-250", "西湖龙井 特级 250g 礼盒装", "狮峰", 12_800, 19_800, 120),
    DemoStock("DW-RICE-5KG", "五常稻花香大米 5kg 真空装", "五常", 6_900, 9_900, 300),
    DemoStock("DW-OIL-5L", "一级压榨花生油 5L", "鲁香坊", 11_500, 15_900, 150),
    DemoStock("DW-NUTS-30", "每日坚果 30 袋 750g 礼盒", "果仁铺", 8_900, 12_900, 200),
    DemoStock("DW-TOWEL-3", "纯棉毛巾 三条装", "洁柔家", 2_900, 4_900, 400),
    DemoStock("DW-MOON-LTD", "中秋月饼礼盒 限量款 8 枚装", "京华斋", 16_800, 25_800, 2),
)


@dataclass(frozen=True, slots=True)
class DemoOrder:
    order_no: str
    lines: tuple[tuple[str, int], ...]  # (SKU, quantity)
    state: OrderStatus  # the state it is left in
    remark: str


DEMO_ORDERS = (
    DemoOrder(
        "DEMO-0001", (("DW-TEA-250", 2), ("DW-RICE-5KG", 4)), OrderStatus.COMPLETED, "端午福利"
    ),
    DemoOrder("DEMO-0002", (("DW-OIL-5L", 3),), OrderStatus.DELIVERED, "食堂用油"),
    DemoOrder("DEMO-0003", (("DW-NUTS-30", 10),), OrderStatus.SHIPPED, "客户拜访伴手礼"),
    DemoOrder("DEMO-0004", (("DW-MOON-LTD", 2),), OrderStatus.CONFIRMED, "中秋礼盒"),
    DemoOrder("DEMO-0005", (("DW-TOWEL-3", 2),), OrderStatus.CANCELLED, "办公室用品"),
    DemoOrder("DEMO-0006", (("DW-MOON-LTD", 1),), OrderStatus.FAILED, "中秋礼盒（补订）"),
)
CANCEL_REASON = "买错了规格"
CARRIER = "顺丰速运"
# The warehouse's steps after confirmation, and the demo states they lead to.
_STEPS = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def waybill_no(order_no: str) -> str:
    """The demo waybill of an order: fixed, so a second run has nothing new to record."""
    return f"SF1{order_no.removeprefix('DEMO-').rjust(11, '0')}"


async def seed_demo_orders(database: Database, adapter_for: AdapterFor, settings: Settings) -> bool:
    """Place and move on acme's demo orders (module docstring). Holds no transaction while a
    supplier is asked. False (nothing done) when the warehouse supplier is missing. Raises
    ``tenant_not_found`` without acme, and what the order services raise (e.g. a quote's
    ``out_of_stock`` when someone bought the demo stock before the orders were placed)."""
    async with database.platform_transaction() as session:
        tenant = await find_tenant_by_code(session, DEMO_TENANT)
        found = [
            s for s in await suppliers.list_suppliers(session) if s.name == DEMO_WAREHOUSE_SUPPLIER
        ]
        missing = [
            o
            for o in DEMO_ORDERS
            if not await repository.order_taken(session, tenant.id, o.order_no)
        ]
    if not found:
        return False
    supplier_id, buyer = found[0].id, _buyer(tenant.id)
    if missing:
        product_ids = await _stock_demo_products(database, adapter_for, settings, supplier_id)
        await _place(database, adapter_for, settings, buyer, missing, product_ids)
    for order in DEMO_ORDERS:
        await _move_on(database, adapter_for, settings, buyer, order)
    return True


def _buyer(tenant_id: int) -> Actor:
    return Actor(user_id=None, username="seed", role=Role.TENANT_ADMIN.value, tenant_id=tenant_id)


async def _stock_demo_products(
    database: Database, adapter_for: AdapterFor, settings: Settings, supplier_id: int
) -> dict[str, int]:
    """The demo warehouse and its products, stocked once; selected into the pool and added to
    acme's library. Returns the pool product id of each demo SKU."""
    now = datetime.now(UTC)
    async with database.platform_transaction() as session:
        # Stocked by an earlier run: refused before anything was written.
        with contextlib.suppress(DuplicateWarehouseCode):
            await warehouse.create_warehouse(
                session,
                STAFF,
                supplier_id,
                code=WAREHOUSE_CODE,
                name=WAREHOUSE_NAME,
                province_ids=[BEIJING, SHANGHAI, TIANJIN],
            )
    for item in DEMO_STOCK:
        async with database.platform_transaction() as session:
            await _stock_one(session, supplier_id, item, now)
    skus = [item.sku for item in DEMO_STOCK]
    adapter = await adapter_for(supplier_id)
    await select_skus(
        database, adapter, STAFF, skus, stock_areas=parse_areas(settings.pool_stock_areas)
    )
    async with database.platform_transaction() as session:
        products = await pool_products.products_by_sku(session, supplier_id, skus)
        ids = {sku: product.id for sku, product in products.items()}
        tenant = await find_tenant_by_code(session, DEMO_TENANT)
        await library.add_products(session, _buyer(tenant.id), list(ids.values()))
    return ids


async def _stock_one(
    session: AsyncSession, supplier_id: int, item: DemoStock, now: datetime
) -> None:
    # Category 0: the warehouse keeps no category tree (its products' category stays empty).
    data = ProductInput(item.sku, item.name, item.brand, 0, item.purchase_fen, item.retail_fen)
    try:
        await warehouse.create_product(session, STAFF, supplier_id, data)
    except DuplicateSku:
        return  # created and stocked by an earlier run
    expires = now.date() + timedelta(days=180)
    receipt = BatchReceipt(
        WAREHOUSE_CODE, item.sku, f"DEMO-{item.sku}", item.units, item.purchase_fen, expires
    )
    await warehouse.receive_batch(session, STAFF, supplier_id, receipt, now)


async def _place(
    database: Database,
    adapter_for: AdapterFor,
    settings: Settings,
    buyer: Actor,
    missing: list[DemoOrder],
    product_ids: dict[str, int],
) -> None:
    """Quote every missing order, then accept and place them one by one in number order."""
    tenant_id, secrets = _tenant(buyer), load_secret_box(settings)
    requests = [await _request(database, tenant_id, order, product_ids) for order in missing]
    quotes: list[Quote] = [
        await quote_order(database, adapter_for, tenant_id, request) for request in requests
    ]
    for request, quote in zip(requests, quotes, strict=True):
        async with database.platform_transaction() as session:
            await accept_order(session, buyer, tenant_id, request, secrets, quote=quote)
        for sub_order_no in await _sub_orders(
            database, buyer, request.order_no, SubOrderStatus.PENDING
        ):
            await place_sub_order(database, adapter_for, secrets, sub_order_no)


def _tenant(buyer: Actor) -> int:
    assert buyer.tenant_id is not None  # _buyer's
    return buyer.tenant_id


async def _request(
    database: Database, tenant_id: int, order: DemoOrder, product_ids: dict[str, int]
) -> OrderRequest:
    """The order at acme's current prices (its library's)."""
    ids = [product_ids[sku] for sku, _ in order.lines]
    async with database.platform_transaction() as session:
        prices = {
            i: p.price_fen for i, p in (await library.orderable(session, tenant_id, ids)).items()
        }
    items = [
        OrderItemIn(
            product_id=product_ids[sku], quantity=quantity, unit_price=prices[product_ids[sku]]
        )
        for sku, quantity in order.lines
    ]
    return OrderRequest(
        order_no=order.order_no, items=items, address=DEMO_ADDRESS, remark=order.remark
    )


async def _sub_orders(
    database: Database, buyer: Actor, order_no: str, *statuses: SubOrderStatus
) -> list[str]:
    """The order's sub-order numbers in one of ``statuses``."""
    async with database.platform_transaction() as session:
        view = await get_order(session, buyer, _tenant(buyer), order_no)
    wanted = {status.value for status in statuses}
    return [sub.sub_order_no for sub in view.sub_orders if sub.status in wanted]


async def _move_on(
    database: Database, adapter_for: AdapterFor, settings: Settings, buyer: Actor, order: DemoOrder
) -> None:
    """Take ``order`` forward to its demo state, as far as it has not got there yet."""
    pending = await _sub_orders(database, buyer, order.order_no, SubOrderStatus.PENDING)
    for sub_order_no in pending:  # accepted by an earlier run that stopped there
        await place_sub_order(database, adapter_for, load_secret_box(settings), sub_order_no)
    if order.state is OrderStatus.CANCELLED:
        await _cancel(database, adapter_for, buyer, order)
    elif order.state in _STEPS:
        await _advance(database, adapter_for, buyer, order)


async def _cancel(
    database: Database, adapter_for: AdapterFor, buyer: Actor, order: DemoOrder
) -> None:
    """acme cancels the order while it waits for shipment; the warehouse cancels it upstream."""
    live = (SubOrderStatus.SUBMITTED, SubOrderStatus.CONFIRMED)
    if not await _sub_orders(database, buyer, order.order_no, *live):
        return
    async with database.platform_transaction() as session:
        done = await cancel_order(session, buyer, _tenant(buyer), order.order_no, CANCEL_REASON)
    for sub_order_no in done.cancelling:  # what the cancel_upstream job does
        await cancellation_tasks.cancel_upstream(database, adapter_for, sub_order_no)


async def _advance(
    database: Database, adapter_for: AdapterFor, buyer: Actor, order: DemoOrder
) -> None:
    """The warehouse ships, delivers, completes the order up to its demo state; the order sync
    reads each step back (as the change feed would), so the timeline has a line for each."""
    target = _STEPS.index(order.state)
    moving = (SubOrderStatus.CONFIRMED, SubOrderStatus.SHIPPED, SubOrderStatus.DELIVERED)
    for sub_order_no in await _sub_orders(database, buyer, order.order_no, *moving):
        async with database.platform_transaction() as session:
            sub = await repository.find_sub_order(session, sub_order_no)
        assert sub is not None  # listed just now
        assert sub.upstream_order_id is not None  # placed and confirmed
        adapter = await adapter_for(sub.supplier_id)
        upstream = await adapter.order_detail(sub.upstream_order_id)
        steps = _STEPS[_index(upstream.status.value) + 1 : target + 1]
        for step in steps:
            async with database.platform_transaction() as session:
                await warehouse_orders.advance_order(
                    session,
                    STAFF,
                    sub.supplier_id,
                    sub.upstream_order_id,
                    step.value,
                    carrier=CARRIER,
                    waybill_no=waybill_no(order.order_no),
                )
            await sync_sub_order(database, adapter_for, sub_order_no, via="demo")
        if not steps:  # moved upstream by an earlier run that stopped before reading it back
            await sync_sub_order(database, adapter_for, sub_order_no, via="demo")


def _index(status: str) -> int:
    """Where an upstream order stands among the steps: -1 before shipment, 0 shipped …"""
    values = [step.value for step in _STEPS]
    return values.index(status) if status in values else -1
