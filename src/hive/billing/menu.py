"""The billing pages' console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [
    MenuEntry("finance", "billing.title", "/admin/billing", View.BILLING_ACCOUNTS, order=10),
    MenuEntry(
        "workbench", "billing.my_account", "/workbench/account", View.WORKBENCH_ACCOUNT, order=40
    ),
]
