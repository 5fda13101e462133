"""``afterSale/*``: availability, service and pickup types, apply, list, detail, cancel,
send-back information. Fields come in a ``param`` JSON object (or as plain form fields)."""

from __future__ import annotations

import json

from hive.simulators.vop import afs_flow
from hive.simulators.vop.aftersales import (
    EXPECT_NAMES,
    PICKWARE_NAMES,
    STEP_NAMES,
    AfsService,
)
from hive.simulators.vop.clock import format_wire_time
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import Form, Reply, as_int, yuan
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator


def _order_and_sku(form: Form) -> tuple[int, int]:
    values = afs_flow.fields(form)
    return as_int(values.get("jdOrderId"), "jdOrderId"), as_int(values.get("skuId"), "skuId")


def available_number(sim: Simulator, form: Form) -> Reply:
    return Reply(afs_flow.available(sim, *_order_and_sku(form)))


def customer_expect(sim: Simulator, form: Form) -> Reply:
    jd_order_id, sku = _order_and_sku(form)
    afs_flow.order_line(sim, jd_order_id, sku)
    return Reply(
        [{"code": str(c), "name": EXPECT_NAMES[c]} for c in afs_flow.expect_types(sim, sku)]
    )


def ware_return(sim: Simulator, form: Form) -> Reply:
    afs_flow.order_line(sim, *_order_and_sku(form))
    return Reply([{"code": str(code), "name": name} for code, name in PICKWARE_NAMES.items()])


def create_apply(sim: Simulator, form: Form) -> Reply:
    raw = form.get("afsApply", "").strip()
    try:
        afs_apply = json.loads(raw) if raw else afs_flow.fields(form)
    except ValueError:
        raise VopError(Code.BAD_PARAMETER, "afsApply is not valid JSON") from None
    if not isinstance(afs_apply, dict):
        raise VopError(Code.BAD_PARAMETER, "afsApply must be a JSON object")
    service = afs_flow.apply(sim, afs_apply)
    return Reply({"afsServiceId": service.afs_service_id})


def _summary(service: AfsService) -> dict[str, object]:
    return {
        "afsServiceId": service.afs_service_id,
        "customerExpect": service.customer_expect,
        "customerExpectName": EXPECT_NAMES[service.customer_expect],
        "afsApplyTime": format_wire_time(service.created_at),
        "orderId": service.jd_order_id,
        "wareId": service.sku_id,
        "wareName": service.sku_name,
        "afsServiceStep": service.step,
        "afsServiceStepName": STEP_NAMES[service.step],
        "cancel": 1 if service.step in (10, 21, 22) else 0,
    }


def service_list(sim: Simulator, form: Form) -> Reply:
    values = afs_flow.fields(form)
    order = sim.order_repo.get(as_int(values.get("jdOrderId"), "jdOrderId"))
    page_index = as_int(values.get("pageIndex", 1), "pageIndex")
    page_size = as_int(values.get("pageSize", 10), "pageSize")
    if page_index < 1 or not 1 <= page_size <= 100:
        raise VopError(Code.BAD_PARAMETER, "pageIndex >= 1, pageSize 1..100")
    services = sim.afs_repo.for_order([order.jd_order_id, *order.children])
    chosen = services[(page_index - 1) * page_size : page_index * page_size]
    return Reply(
        {
            "totalNum": len(services),
            "pageSize": page_size,
            "pageNum": -(-len(services) // page_size),
            "pageIndex": page_index,
            "serviceInfoList": [_summary(s) for s in chosen],
        }
    )


def service_detail(sim: Simulator, form: Form) -> Reply:
    values = afs_flow.fields(form)
    service = sim.afs_repo.get(as_int(values.get("afsServiceId"), "afsServiceId"))
    tracks = [{"afsServiceId": service.afs_service_id, **t} for t in service.tracks]
    return Reply(
        {
            **_summary(service),
            "questionDesc": service.question_desc,
            "approveNotes": service.approve_notes,
            "pickwareType": service.pickware_type,
            "skuNum": service.num,
            "refundAmount": yuan(service.unit_price * service.num),
            "serviceAftersalesSendInfo": service.send_info,
            "afsServiceTrackInfoDTOs": tracks,
        }
    )


def audit_cancel(sim: Simulator, form: Form) -> Reply:
    values = afs_flow.fields(form)
    raw_ids = values.get("serviceIdList")
    if isinstance(raw_ids, str):
        raw_ids = [part for part in raw_ids.strip("[]").split(",") if part.strip()]
    if not isinstance(raw_ids, list) or not raw_ids:
        raise VopError(Code.BAD_PARAMETER, "serviceIdList must list service ids")
    services = [sim.afs_repo.get(as_int(i, "serviceIdList")) for i in raw_ids]
    now = sim.clock.now()
    with sim.store.transaction():
        for service in services:
            sim.afs_progress.cancel(service, now, str(values.get("approveNotes") or ""))
    return Reply(True)


def update_send_sku(sim: Simulator, form: Form) -> Reply:
    values = afs_flow.fields(form)
    service = sim.afs_repo.get(as_int(values.get("afsServiceId"), "afsServiceId"))
    info = {}
    for name in ("deliverDate", "expressCompany", "expressCode"):
        value = str(values.get(name) or "").strip()
        if not value:
            raise VopError(Code.BAD_PARAMETER, f"{name} is required")
        info[name] = value
    info["freightMoney"] = str(values.get("freightMoney") or "0")
    sim.afs_progress.send_back(service, sim.clock.now(), dict(info))
    return Reply(True)


METHODS: dict[str, Handler] = {
    "afterSale/getAvailableNumberComp": available_number,
    "afterSale/getCustomerExpectComp": customer_expect,
    "afterSale/getWareReturnJdComp": ware_return,
    "afterSale/createAfsApply": create_apply,
    "afterSale/getServiceListPage": service_list,
    "afterSale/getServiceDetailInfo": service_detail,
    "afterSale/auditCancel": audit_cancel,
    "afterSale/updateSendSku": update_send_sku,
}
