"""Orders: the order, its sub-orders per supplier, the state machine, the timeline, the order
pages of the console and the workbench."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="orders",
    models=["hive.orders.models", "hive.orders.cart_models"],
    tasks=[
        "hive.orders.sync_tasks",
        "hive.orders.submission_tasks",
        "hive.orders.cancellation_tasks",
        "hive.orders.invariant_tasks",
        "hive.orders.demo_tasks",
    ],
    feed_handlers=["hive.orders.messages"],
    hcm_routers=[
        # The exports first: /admin/orders/export before /admin/orders/{order_id}.
        "hive.orders.exports:router",
        "hive.orders.routes:router",
        "hive.orders.workbench_routes:router",
        "hive.orders.cart_routes:router",
    ],
    hag_routers=["hive.orders.open_routes:router"],
    # Accepting an order asks the suppliers (stock, area, freight) from the gateway.
    hag_resources=["hive.suppliers.runtime:app_adapters"],
    menu=["hive.orders.menu:MENU"],
)
