"""The order pages' console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [
    MenuEntry("orders", "orders.title", "/admin/orders", View.ORDERS, order=10),
    MenuEntry(
        "workbench", "orders.my_orders", "/workbench/orders", View.WORKBENCH_ORDERS, order=30
    ),
    MenuEntry(
        "workbench",
        "cart.title",
        "/workbench/cart",
        View.WORKBENCH_CART,
        order=35,
        also=("/workbench/checkout",),
    ),
]
