"""The customers' console menu entries (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [
    MenuEntry("customers", "tenants.title", "/admin/tenants", View.TENANTS, order=10),
    MenuEntry("customers", "grades.title", "/admin/grades", View.GRADES, order=20),
    MenuEntry("system", "users.staff_title", "/admin/staff", View.STAFF, order=10),
    MenuEntry("workbench", "users.team_title", "/workbench/team", View.TEAM, order=60),
]
