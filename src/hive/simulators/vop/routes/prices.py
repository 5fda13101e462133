"""``price/getSellPrice`` and ``stock/getNewStockById``."""

from __future__ import annotations

import json

from hive.simulators.vop.codes import Code, VopError
from hive.simulators.vop.envelope import (
    Form,
    Reply,
    as_int,
    id_list,
    json_objects,
    require,
    yuan,
)
from hive.simulators.vop.overlays import STOCK_STATES, SkuPrice
from hive.simulators.vop.product_views import require_in_pool
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator


def price_json(sku: int, price: SkuPrice) -> dict[str, object]:
    return {
        "skuId": sku,
        "price": yuan(price.price),
        "jdPrice": yuan(price.jd_price),
        "marketPrice": yuan(price.market_price),
        "tax": price.tax_rate,
        "taxPrice": yuan(price.tax_price),
        "nakedPrice": yuan(price.naked_price),
    }


def get_sell_price(sim: Simulator, form: Form) -> Reply:
    skus = id_list(form, "sku")
    for sku in skus:
        require_in_pool(sim.overlays, sku)
    return Reply([price_json(sku, sim.overlays.price(sku)) for sku in skus])


def get_new_stock_by_id(sim: Simulator, form: Form) -> Reply:
    lines = json_objects(form, "skuNums")
    address = sim.areas.parse(require(form, "area"))
    rows = []
    for line in lines:
        sku = as_int(line.get("skuId"), "skuId")
        num = as_int(line.get("num", 1), "num")
        if num < 1:
            raise VopError(Code.BAD_PARAMETER, "num must be positive")
        require_in_pool(sim.overlays, sku)
        stock = sim.overlays.stock(sku, address.province)
        # An exact count below the wanted quantity means no stock for this order.
        state = 34 if stock.state_id == 33 and 0 <= stock.remain < num else stock.state_id
        rows.append(
            {
                "skuId": sku,
                "areaId": address.area_string,
                "stockStateId": state,
                "stockStateDesc": STOCK_STATES[state],
                "remainNum": stock.remain,
            }
        )
    return Reply(json.dumps(rows, ensure_ascii=False))


METHODS: dict[str, Handler] = {
    "price/getSellPrice": get_sell_price,
    "stock/getNewStockById": get_new_stock_by_id,
}
