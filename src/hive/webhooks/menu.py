"""The webhooks' console menu entry (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [
    MenuEntry(
        "workbench", "webhooks.title", "/workbench/webhooks", View.WORKBENCH_WEBHOOKS, order=55
    )
]
