"""submitOrder, confirmOrder and cancel: the checks VOP makes and the state they change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hive.platform.money import InvalidAmount, yuan_to_fen_lenient
from hive.simulators.vop.area_data import REMOTE_PROVINCES
from hive.simulators.vop.areas import Address
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import Form, as_int, int_field, json_objects, require
from hive.simulators.vop.order_views import submit_result
from hive.simulators.vop.orders import CANCELLABLE, Order, OrderLine
from hive.simulators.vop.product_views import require_in_pool

if TYPE_CHECKING:
    from hive.simulators.vop.simulator import Simulator

# Freight: orders under this many fen pay the base freight; remote provinces pay a surcharge.
FREE_FREIGHT_FROM_FEN = 9_900
BASE_FREIGHT_FEN = 800
REMOTE_FREIGHT_FEN = 1_500


@dataclass(frozen=True)
class Freight:
    base: int
    remote: int

    @property
    def total(self) -> int:
        return self.base + self.remote


def freight_for(goods_fen: int, province: int) -> Freight:
    base = BASE_FREIGHT_FEN if goods_fen < FREE_FREIGHT_FROM_FEN else 0
    return Freight(base, REMOTE_FREIGHT_FEN if province in REMOTE_PROVINCES else 0)


def address_of(sim: Simulator, form: Form) -> Address:
    return sim.areas.check(
        int_field(form, "province"),
        int_field(form, "city"),
        int_field(form, "county"),
        int_field(form, "town", 0),
    )


def sku_quantities(form: Form, name: str = "sku") -> list[tuple[int, int]]:
    lines = []
    for entry in json_objects(form, name):
        sku = as_int(entry.get("skuId"), "skuId")
        num = as_int(entry.get("num", 1), "num")
        if not 1 <= num <= 9999:
            raise VopError(Code.BAD_PARAMETER, f"num of {sku} must be 1..9999")
        lines.append((sku, num))
    return lines


def order_lines(sim: Simulator, wanted: list[tuple[int, int]], address: Address) -> list[OrderLine]:
    """Lines at today's price; refuses unsellable lines (2004, 3010, 3009, 3008)."""
    lines = []
    for sku, num in wanted:
        require_in_pool(sim.overlays, sku)
        if not sim.overlays.on_shelf(sku):
            raise VopError(Code.SKU_OFF_SHELF, str(sku))
        if sim.area_restricted(sku, address.province):
            raise VopError(Code.AREA_RESTRICTED, str(sku))
        stock = sim.overlays.stock(sku, address.province)
        if stock.state_id in (34, 99) or 0 <= stock.remain < num:
            raise VopError(Code.OUT_OF_STOCK, str(sku))
        price = sim.overlays.price(sku)
        lines.append(
            OrderLine(
                sku_id=sku,
                num=num,
                price=price.price,
                jd_price=price.jd_price,
                tax_rate=price.tax_rate,
                name=sim.catalog.name(sku),
                category=sim.catalog.category_path(sku).split(";")[-1],
                warehouse=sim.catalog.warehouse(sku),
            )
        )
    return lines


def check_price_snapshot(form: Form, lines: list[OrderLine]) -> None:
    """``doOrderPriceMode=1``: every line's price must still equal the caller's snapshot."""
    if form.get("doOrderPriceMode", "0").strip() != "1":
        return
    snapshot = {}
    for entry in json_objects(form, "orderPriceSnap"):
        try:
            snapshot[as_int(entry.get("skuId"), "skuId")] = yuan_to_fen_lenient(
                str(entry.get("price"))
            )
        except InvalidAmount:
            raise VopError(Code.BAD_PARAMETER, "orderPriceSnap price") from None
    for line in lines:
        if line.sku_id not in snapshot:
            raise VopError(Code.BAD_PARAMETER, f"orderPriceSnap lacks {line.sku_id}")
        if snapshot[line.sku_id] != line.price:
            raise VopError(Code.PRICE_CHANGED, str(line.sku_id))


def submit(sim: Simulator, form: Form) -> Order:
    """Place an order; a repeated ``thirdOrder`` raises 0008 carrying the first order."""
    third_order = require(form, "thirdOrder")
    existing = sim.order_repo.by_third_order(third_order)
    if existing is not None:
        raise VopError(Code.DUPLICATE_THIRD_ORDER, third_order, submit_result(existing))
    for name in ("name", "address", "mobile"):
        require(form, name)
    submit_state = int_field(form, "submitState", 0)
    payment_type = int_field(form, "paymentType", 4)
    if submit_state not in (0, 1) or payment_type not in (1, 4, 5, 101):
        raise VopError(Code.BAD_PARAMETER, "submitState 0/1, paymentType 1/4/5/101")
    address = address_of(sim, form)
    lines = order_lines(sim, sku_quantities(form), address)
    check_price_snapshot(form, lines)
    order = _new_order(sim, form, third_order, lines, address, submit_state, payment_type)
    with sim.store.transaction():
        sim.balance.pay(order.jd_order_id, order.total)
        sim.order_progress.note(order, order.created_at, "您提交了订单，请等待系统确认")
        sim.order_progress.save(order)
        sim.feed.emit(25, {"orderId": order.jd_order_id, "pin": sim.config.username})
    return order


def _new_order(
    sim: Simulator,
    form: Form,
    third_order: str,
    lines: list[OrderLine],
    address: Address,
    submit_state: int,
    payment_type: int,
) -> Order:
    now = sim.clock.now()
    contact = {name: form[name] for name in ("name", "mobile", "address")}
    return Order(
        jd_order_id=sim.order_repo.new_id(),
        third_order=third_order,
        parent_id=0,
        lines=lines,
        freight=freight_for(sum(line.amount for line in lines), address.province).total,
        address={"area": address.area_string, **contact},
        status="confirmed" if submit_state == 1 else "submitted",
        submit_state=submit_state,
        payment_type=payment_type,
        created_at=now,
        confirmed_at=now if submit_state == 1 else None,
    )


def confirm(sim: Simulator, jd_order_id: int) -> None:
    order = sim.order_repo.get(jd_order_id)
    if order.parent_id:
        raise VopError(Code.CHILD_ORDER_CONFIRM)
    if order.status == "cancelled":
        raise VopError(Code.ORDER_CANCELLED)
    if order.status != "submitted":
        raise VopError(Code.ALREADY_CONFIRMED)
    now = sim.clock.now()
    order.move("confirmed")
    order.submit_state = 1
    order.confirmed_at = now
    sim.order_progress.note(order, now, "订单已确认，等待出库")
    sim.order_progress.save(order)


def cancel(sim: Simulator, jd_order_id: int) -> None:
    """Cancel an order (a split parent cancels all its children) unless production started."""
    order = sim.order_repo.get(jd_order_id)
    if order.status == "cancelled":
        raise VopError(Code.ORDER_CANCELLED)
    children = [sim.order_repo.get(c) for c in order.children]
    if any(o.status not in CANCELLABLE for o in children or [order]):
        raise VopError(Code.IN_PRODUCTION)
    now = sim.clock.now()
    with sim.store.transaction():
        for target in [*children, order]:
            if target.status != "split":
                sim.balance.refund(target.jd_order_id, target.total)
            target.move("cancelled")
            target.finished_at = now
            sim.order_progress.note(target, now, "订单已取消")
            sim.order_progress.save(target)
            sim.feed.emit(10, {"orderId": target.jd_order_id})
        if order.parent_id:
            _settle_parent(sim, order.parent_id, now)


def _settle_parent(sim: Simulator, parent_id: int, now: float) -> None:
    """A split parent whose children are all cancelled is cancelled too."""
    parent = sim.order_repo.get(parent_id)
    if parent.status == "split" and all(
        sim.order_repo.get(c).status == "cancelled" for c in parent.children
    ):
        parent.move("cancelled")
        parent.finished_at = now
        sim.order_progress.save(parent)
