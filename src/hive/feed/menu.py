"""The change feed's console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [
    MenuEntry(
        "suppliers", "messages.title", "/admin/supplier-messages", View.SUPPLIER_MESSAGES, order=20
    )
]
