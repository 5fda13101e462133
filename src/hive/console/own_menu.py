"""The console's own menu entries: the home pages, the account pages (see hive.console.menu)."""

from hive.console.menu import MenuEntry
from hive.platform.permissions import View

MENU = [
    MenuEntry("overview", "menu.dashboard", "/", View.DASHBOARD, order=10),
    MenuEntry("workbench", "menu.workbench", "/", View.WORKBENCH, order=10),
    MenuEntry("system", "accounts.title", "/admin/accounts", View.ACCOUNT_SECURITY, order=30),
    MenuEntry("system", "audit.title", "/admin/audit-log", View.AUDIT_LOG, order=40),
    MenuEntry("system", "settings.title", "/admin/settings", View.SETTINGS, order=50),
    MenuEntry("system", "jobs.title", "/admin/jobs", View.JOBS, order=60),
    MenuEntry("account", "account.sessions", "/account/sessions", View.OWN_ACCOUNT, order=10),
]
