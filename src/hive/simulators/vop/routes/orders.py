"""``order/*``: submit, confirm, cancel, lookups, track, freight and reconciliation lists."""

from __future__ import annotations

from datetime import datetime

from hive.simulators.vop import order_flow
from hive.simulators.vop.clock import SHANGHAI, format_wire_time
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import Form, Reply, id_list, int_field, require, yuan
from hive.simulators.vop.order_views import select_result, submit_result, track_result
from hive.simulators.vop.orders import CANCELLABLE, Order
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator

RECONCILIATION_PAGE = 100


def submit_order(sim: Simulator, form: Form) -> Reply:
    order = order_flow.submit(sim, form)
    return Reply(submit_result(order), code=Code.ORDER_SUBMITTED)


def confirm_order(sim: Simulator, form: Form) -> Reply:
    order_flow.confirm(sim, int_field(form, "jdOrderId"))
    return Reply(True, code=Code.ORDER_CONFIRMED)


def cancel(sim: Simulator, form: Form) -> Reply:
    order_flow.cancel(sim, int_field(form, "jdOrderId"))
    return Reply(True)


def batch_check_cancel(sim: Simulator, form: Form) -> Reply:
    rows = []
    for jd_order_id in id_list(form, "jdOrderIds"):
        order = sim.order_repo.get(jd_order_id)
        children = [sim.order_repo.get(c) for c in order.children]
        can = all(o.status in CANCELLABLE for o in children or [order])
        rows.append({"jdOrderId": jd_order_id, "canCancel": can})
    return Reply(rows)


def select_by_third_order(sim: Simulator, form: Form) -> Reply:
    order = sim.order_repo.by_third_order(require(form, "thirdOrder"))
    if order is None:
        raise VopError(Code.NOT_FOUND, "thirdOrder")
    return Reply(str(order.jd_order_id))


def select_jd_order(sim: Simulator, form: Form) -> Reply:
    order = sim.order_repo.get(int_field(form, "jdOrderId"))
    children = [sim.order_repo.get(c) for c in order.children]
    return Reply(select_result(order, children))


def order_track(sim: Simulator, form: Form) -> Reply:
    order = sim.order_repo.get(int_field(form, "jdOrderId"))
    children = [sim.order_repo.get(c) for c in order.children]
    return Reply(track_result(order, children, int_field(form, "waybillCode", 0) == 1))


def get_freight(sim: Simulator, form: Form) -> Reply:
    address = order_flow.address_of(sim, form)
    goods = 0
    for sku, num in order_flow.sku_quantities(form):
        if not sim.overlays.in_pool(sku):
            raise VopError(Code.SKU_NOT_IN_POOL, str(sku))
        goods += sim.overlays.price(sku).price * num
    freight = order_flow.freight_for(goods, address.province)
    return Reply(
        {
            "freight": yuan(freight.total),
            "baseFreight": yuan(freight.base),
            "remoteRegionFreight": yuan(freight.remote),
            "remoteSku": "",
        }
    )


def _day_range(form: Form) -> tuple[float, float]:
    try:
        day = datetime.strptime(require(form, "date"), "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    except ValueError:
        raise VopError(Code.BAD_PARAMETER, "date must read yyyy-MM-dd") from None
    return day.timestamp(), day.timestamp() + 86400


def _reconciliation_page(form: Form, orders: list[Order], at: str) -> Reply:
    """100 orders a page, as VOP's reconciliation lists answer."""
    page_no = int_field(form, "pageNo", 1)
    if page_no < 1:
        raise VopError(Code.BAD_PARAMETER, "pageNo starts at 1")
    chosen = orders[(page_no - 1) * RECONCILIATION_PAGE : page_no * RECONCILIATION_PAGE]
    rows = [
        {
            "jdOrderId": o.jd_order_id,
            "state": 0 if o.status == "cancelled" else 1,
            "hangUpState": 0,
            "invoiceState": 2,  # centralised invoicing (the adapter asks for it)
            "orderPrice": yuan(o.goods_amount),
            "time": format_wire_time(getattr(o, at) or o.created_at),
        }
        for o in chosen
    ]
    total_pages = -(-len(orders) // RECONCILIATION_PAGE)
    return Reply(
        {"total": len(orders), "totalPage": total_pages, "curPage": page_no, "orders": rows}
    )


def check_new_order(sim: Simulator, form: Form) -> Reply:
    """Orders placed on ``date`` (yyyy-MM-dd): the daily reconciliation list."""
    return _reconciliation_page(
        form, sim.order_repo.created_between(*_day_range(form)), "created_at"
    )


def check_dlok_order(sim: Simulator, form: Form) -> Reply:
    """Orders (child orders of splits included) delivered on ``date``."""
    return _reconciliation_page(
        form, sim.order_repo.delivered_between(*_day_range(form)), "delivered_at"
    )


def check_refuse_order(sim: Simulator, form: Form) -> Reply:
    """Orders the recipient refused on ``date``: the simulator's recipients never refuse."""
    _day_range(form)
    return _reconciliation_page(form, [], "created_at")


METHODS: dict[str, Handler] = {
    "order/submitOrder": submit_order,
    "order/confirmOrder": confirm_order,
    "order/cancel": cancel,
    "order/batchCheckCancel": batch_check_cancel,
    "order/selectJdOrderIdByThirdOrder": select_by_third_order,
    "order/selectJdOrder": select_jd_order,
    "order/orderTrack": order_track,
    "order/getFreight": get_freight,
    "order/checkNewOrder": check_new_order,
    "order/checkDlokOrder": check_dlok_order,
    "order/checkRefuseOrder": check_refuse_order,
}
