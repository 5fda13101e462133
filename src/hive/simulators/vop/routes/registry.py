"""Every VOP method the simulator answers, by path."""

from __future__ import annotations

from hive.simulators.vop.routes import (
    Handler,
    aftersales,
    areas,
    balance,
    messages,
    orders,
    prices,
    products,
    search,
)
from hive.simulators.vop.routes import auth as auth_routes

PUBLIC_METHODS: dict[str, Handler] = dict(auth_routes.METHODS)

METHODS: dict[str, Handler] = {
    **areas.METHODS,
    **products.METHODS,
    **search.METHODS,
    **prices.METHODS,
    **balance.METHODS,
    **orders.METHODS,
    **messages.METHODS,
    **aftersales.METHODS,
}
