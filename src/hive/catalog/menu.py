"""The catalog's console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [
    MenuEntry("catalog", "catalog.upstream", "/admin/catalog/upstream", View.UPSTREAM, order=10),
    MenuEntry(
        "catalog",
        "pool.title",
        "/admin/catalog/pool",
        View.POOL,
        order=20,
        also=("/admin/catalog/products",),
    ),
    MenuEntry("catalog", "catalog.rules", "/admin/catalog/rules", View.RULES, order=30),
    MenuEntry("catalog", "pricing.title", "/admin/pricing", View.PRICING, order=40),
    MenuEntry(
        "catalog",
        "distribution.title",
        "/admin/catalog/distribution",
        View.DISTRIBUTION,
        order=45,
    ),
    MenuEntry(
        "workbench",
        "workbench.pool",
        "/workbench/pool",
        View.WORKBENCH_POOL,
        order=20,
        also=("/workbench/products",),
    ),
    MenuEntry("workbench", "library.title", "/workbench/library", View.WORKBENCH_LIBRARY, order=25),
]
