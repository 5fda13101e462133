"""The suppliers' console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [MenuEntry("suppliers", "suppliers.title", "/admin/suppliers", View.SUPPLIERS, order=10)]
