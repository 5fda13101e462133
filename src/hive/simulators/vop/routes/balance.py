"""``price/getUnionBalance`` and ``price/getBalanceDetail``."""

from __future__ import annotations

from datetime import datetime

from hive.simulators.vop.clock import SHANGHAI, format_wire_time
from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import Form, Reply, int_field, yuan
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator


def get_union_balance(sim: Simulator, form: Form) -> Reply:
    pin = form.get("pin", "").strip() or sim.config.username
    kinds = {k.strip() for k in form.get("type", "1").split(",") if k.strip()}
    if not kinds <= {"1", "2"}:
        raise VopError(Code.BAD_PARAMETER, "type takes 1 and/or 2")
    result: dict[str, object] = {}
    if "1" in kinds:
        result["balance"] = {"pin": pin, "remainLimit": yuan(sim.balance.remaining)}
    if "2" in kinds:
        result["geious"] = {
            "pin": pin,
            "penaltySumAmt": 0,
            "creditLimit": 0,
            "debtSumAmt": 0,
            "remainLimit": 0,
        }
    return Reply(result)


# No end date given: everything up to now (and whatever the clock brings).
OPEN_END = 1e15


def _day(form: Form, name: str, default: float) -> float:
    raw = form.get(name, "").strip()
    if not raw:
        return default
    try:
        return datetime.strptime(raw, "%Y%m%d").replace(tzinfo=SHANGHAI).timestamp()
    except ValueError:
        raise VopError(Code.BAD_PARAMETER, f"{name} must read yyyyMMdd") from None


def get_balance_detail(sim: Simulator, form: Form) -> Reply:
    page_no = int_field(form, "pageNum", 1)
    page_size = int_field(form, "pageSize", 20)
    if page_no < 1 or not 1 <= page_size <= 100:
        raise VopError(Code.BAD_PARAMETER, "pageNum >= 1, pageSize 1..100")
    order_id = int_field(form, "orderId", 0) or None
    start = _day(form, "startDate", 0.0)
    end = _day(form, "endDate", OPEN_END) + 86400
    total, rows = sim.balance.detail(order_id, start, end, (page_no - 1) * page_size, page_size)
    data = [
        {
            "id": row_id,
            "accountType": 1,
            "amount": yuan(int(str(amount))),
            "pin": sim.config.username,
            # As JD sends them: the order id a string, the trade number a number.
            "orderId": str(order),
            "tradeType": trade_type,
            "tradeTypeName": trade_name,
            "createdDate": format_wire_time(float(str(created))),
            "notePub": str(trade_name),
            "tradeNo": row_id,
        }
        for row_id, order, amount, trade_type, trade_name, created in rows
    ]
    return Reply(
        {
            "total": total,
            "pageSize": page_size,
            "pageNo": page_no,
            "pageCount": -(-total // page_size),
            "data": data,
        }
    )


METHODS: dict[str, Handler] = {
    "price/getUnionBalance": get_union_balance,
    "price/getBalanceDetail": get_balance_detail,
}
