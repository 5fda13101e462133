"""The console's own pages: sign-in, sign-out, the home page, the account and the language switch.

Each domain's pages are declared by that domain; the console keeps the layout and the shared
page helpers."""

from hive.platform.domains import Domain

DOMAIN = Domain(
    name="console",
    hcm_routers=[
        "hive.console.routes:router",
        "hive.console.language:router",
        "hive.console.account:router",
        "hive.console.audit_export:router",
        "hive.console.audit_log:router",
        "hive.console.job_pages:router",
        "hive.console.export_pages:router",
        "hive.console.settings_page:router",
    ],
    menu=["hive.console.own_menu:MENU"],
    tasks=["hive.console.export_jobs"],
)
