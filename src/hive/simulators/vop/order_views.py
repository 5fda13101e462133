"""Wire shapes of orders: submit result, ``selectJdOrder`` before and after split, track."""

from __future__ import annotations

from hive.simulators.vop.clock import format_wire_time
from hive.simulators.vop.envelope import yuan
from hive.simulators.vop.orders import JD_ORDER_STATE, Order, OrderLine


def _naked(line: OrderLine) -> int:
    return round(line.amount * 100 / (100 + line.tax_rate))


def line_json(line: OrderLine) -> dict[str, object]:
    naked_unit = round(line.price * 100 / (100 + line.tax_rate))
    return {
        "skuId": line.sku_id,
        "num": line.num,
        "category": int(line.category),
        "price": yuan(line.price),
        "name": line.name,
        "tax": line.tax_rate,
        "taxPrice": yuan(line.price - naked_unit),
        "nakedPrice": yuan(naked_unit),
        "type": 0,
        "oid": 0,
    }


def money_json(order: Order) -> dict[str, object]:
    naked = sum(_naked(line) for line in order.lines)
    return {
        "freight": yuan(order.freight),
        "orderPrice": yuan(order.goods_amount),
        "orderNakedPrice": yuan(naked),
        "orderTaxPrice": yuan(order.goods_amount - naked),
    }


def submit_result(order: Order) -> dict[str, object]:
    return {
        "jdOrderId": order.jd_order_id,
        **money_json(order),
        "sku": [line_json(line) for line in order.lines],
    }


def order_json(
    order: Order, p_order: object, jd_order_state: int | None = None
) -> dict[str, object]:
    return {
        "pOrder": p_order,
        "orderState": 0 if order.status == "cancelled" else 1,
        "jdOrderId": order.jd_order_id,
        "state": 1 if order.status in ("delivered", "completed") else 0,
        "submitState": order.submit_state,
        "type": 2 if order.parent_id else 1,
        "jdOrderState": jd_order_state or JD_ORDER_STATE[order.status],
        "orderType": 1,
        "paymentType": order.payment_type,
        "createOrderTime": format_wire_time(order.created_at),
        # JD answers null until the order is finished (typed clients read a nullable time).
        "finishTime": format_wire_time(order.finished_at) if order.finished_at else None,
        **money_json(order),
        "sku": [line_json(line) for line in order.lines],
    }


def select_result(order: Order, children: list[Order]) -> dict[str, object]:
    """Unsplit (or child) orders answer flat; a split parent answers ``pOrder`` + ``cOrder``."""
    if not children:
        return order_json(order, order.parent_id)
    states = [JD_ORDER_STATE[c.status] for c in children if c.status != "cancelled"]
    parent = order_json(order, 0, min(states) if states else None)
    return {
        "pOrder": {k: v for k, v in parent.items() if k != "pOrder"},
        "orderState": parent["orderState"],
        "jdOrderId": order.jd_order_id,
        "submitState": order.submit_state,
        "type": 1,
        "jdOrderState": parent["jdOrderState"],
        "cOrder": [order_json(child, order.jd_order_id) for child in children],
    }


def _waybill(waybill: dict[str, object]) -> dict[str, object]:
    """JD sends a waybill's order ids as strings (clients convert them: .NET's
    ``JsonStringToInt64Converter``, Go's ``json.Number``)."""
    return {**waybill, "orderId": str(waybill["orderId"]), "parentId": str(waybill["parentId"])}


def track_result(order: Order, children: list[Order], with_waybills: bool) -> dict[str, object]:
    track = list(order.track) if not children else []
    waybills = [_waybill(w) for w in order.waybills]
    for child in children:
        track.extend(child.track)
        waybills.extend(_waybill(w) for w in child.waybills)
    track.sort(key=lambda entry: str(entry["msgTime"]))
    result: dict[str, object] = {"jdOrderId": order.jd_order_id, "orderTrack": track}
    if with_waybills:
        result["waybillCode"] = waybills
    return result
