"""The customers' console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [MenuEntry("customers", "tenants.title", "/admin/tenants", View.TENANTS, order=10)]
