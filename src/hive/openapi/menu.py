"""The Open API's console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [MenuEntry("workbench", "apps.title", "/workbench/apps", View.WORKBENCH_APPS, order=50)]
