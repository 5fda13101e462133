"""Who may do what: the roles, the actions and one matrix (role × action); and which pages
(views) each role may open, which also decides the console's menu.

Every state-changing service function starts with ``require(actor, Action.X)``. The matrix
says whether a role may take an action at all; a service then narrows it to what the actor
owns where that applies (a tenant admin manages the users of its own tenant only).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from hive.platform.actor import Actor
from hive.platform.errors import PermissionDenied


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    OPERATOR = "operator"
    FINANCE = "finance"
    TENANT_ADMIN = "tenant_admin"
    TENANT_USER = "tenant_user"

    @property
    def is_platform(self) -> bool:
        return self in PLATFORM_ROLES


PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.OPERATOR, Role.FINANCE})
TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.TENANT_USER})

# The role of work the platform does by itself (jobs, scheduled rules); never a login's role.
SYSTEM_ROLE = "system"


class Action(StrEnum):
    # customers
    MANAGE_GRADES = "customers.manage_grades"
    CREATE_TENANT = "customers.create_tenant"
    CHANGE_TENANT_STATUS = "customers.change_tenant_status"
    CREATE_USER = "customers.create_user"
    CHANGE_USER_STATUS = "customers.change_user_status"
    CHANGE_USER_ROLE = "customers.change_user_role"
    CHANGE_OWN_CREDENTIALS = "customers.change_own_credentials"
    UNLOCK_ACCOUNT = "customers.unlock_account"
    END_USER_SESSIONS = "customers.end_user_sessions"
    RESET_PASSWORD = "customers.reset_password"  # noqa: S105 (an action name, not a secret)
    # suppliers
    MANAGE_SUPPLIERS = "suppliers.manage"
    MANAGE_WAREHOUSE = "suppliers.manage_warehouse"
    REENCRYPT_CREDENTIALS = "suppliers.reencrypt_credentials"
    # catalog
    SELECT_PRODUCTS = "catalog.select_products"
    MANAGE_RULES = "catalog.manage_rules"
    RUN_RULES = "catalog.run_rules"
    CHANGE_PRODUCT_STATUS = "catalog.change_product_status"
    MANAGE_PRICING = "catalog.manage_pricing"
    CALIBRATE_POOL = "catalog.calibrate_pool"
    # open api
    MANAGE_APPS = "openapi.manage_apps"
    SET_API_LIMITS = "openapi.set_api_limits"
    MANAGE_WEBHOOKS = "webhooks.manage"
    # billing
    TOP_UP = "billing.top_up"
    ADJUST_BALANCE = "billing.adjust_balance"
    SET_CREDIT_LIMIT = "billing.set_credit_limit"
    VIEW_STATEMENT = "billing.view_statement"
    FREEZE_FUNDS = "billing.freeze"
    CAPTURE_FUNDS = "billing.capture"
    RELEASE_FUNDS = "billing.release"
    CHECK_LEDGER = "billing.check_ledger"
    # orders
    PLACE_ORDER = "orders.place"
    VIEW_ORDERS = "orders.view"
    VIEW_RECEIVER = "orders.view_receiver"  # the whole receiver (name, mobile, address)
    CANCEL_ORDER = "orders.cancel"
    RESOLVE_HELD_ORDER = "orders.resolve_held"  # cancel or release a sub-order held on an alarm
    MANAGE_DISTRIBUTION = "catalog.manage_distribution"
    MANAGE_LIBRARY = "catalog.manage_library"


_ADMIN = Role.PLATFORM_ADMIN.value
_OPERATOR = Role.OPERATOR.value
_FINANCE = Role.FINANCE.value
_TENANT_ADMIN = Role.TENANT_ADMIN.value
_TENANT_USER = Role.TENANT_USER.value
_HUMANS = frozenset({_ADMIN, _OPERATOR, _FINANCE, _TENANT_ADMIN, _TENANT_USER})
_CATALOG_STAFF = frozenset({_ADMIN, _OPERATOR})
_FINANCE_STAFF = frozenset({_ADMIN, _FINANCE})
_TENANTS = frozenset({_TENANT_ADMIN, _TENANT_USER})

# Action -> the roles that may take it. Finance reads; it changes neither pool nor suppliers.
MATRIX: Mapping[Action, frozenset[str]] = {
    Action.MANAGE_GRADES: frozenset({_ADMIN}),
    Action.CREATE_TENANT: frozenset({_ADMIN, _OPERATOR}),
    Action.CHANGE_TENANT_STATUS: frozenset({_ADMIN}),
    Action.CREATE_USER: frozenset({_ADMIN, _TENANT_ADMIN}),
    Action.CHANGE_USER_STATUS: frozenset({_ADMIN, _TENANT_ADMIN}),
    Action.CHANGE_USER_ROLE: frozenset({_ADMIN, _TENANT_ADMIN}),
    Action.CHANGE_OWN_CREDENTIALS: _HUMANS,
    # A tenant admin unlocks and signs out its own tenant's users only (the service narrows).
    Action.UNLOCK_ACCOUNT: frozenset({_ADMIN, _TENANT_ADMIN}),
    Action.END_USER_SESSIONS: frozenset({_ADMIN, _TENANT_ADMIN}),
    # A tenant admin resets its own tenant's users' passwords only (the service narrows).
    Action.RESET_PASSWORD: frozenset({_ADMIN, _TENANT_ADMIN}),
    Action.MANAGE_SUPPLIERS: _CATALOG_STAFF,
    Action.MANAGE_WAREHOUSE: _CATALOG_STAFF,
    Action.REENCRYPT_CREDENTIALS: frozenset({_ADMIN}),
    Action.SELECT_PRODUCTS: _CATALOG_STAFF | {SYSTEM_ROLE},
    Action.MANAGE_RULES: _CATALOG_STAFF,
    Action.RUN_RULES: _CATALOG_STAFF | {SYSTEM_ROLE},
    Action.CHANGE_PRODUCT_STATUS: _CATALOG_STAFF,
    Action.MANAGE_PRICING: _CATALOG_STAFF,
    # Calibrating the pool spends the suppliers' call budget: operators' (the nightly run is
    # the system's and checks no role).
    Action.CALIBRATE_POOL: _CATALOG_STAFF,
    # A tenant admin manages its own tenant's apps; the platform admin any tenant's.
    Action.MANAGE_APPS: frozenset({_ADMIN, _TENANT_ADMIN}),
    # Rate limits are the platform's to set (a tenant must not raise its own).
    Action.SET_API_LIMITS: frozenset({_ADMIN, _OPERATOR}),
    # Webhook subscriptions are an app's: its tenant admin's (and the apps themselves, which act
    # with that role).
    Action.MANAGE_WEBHOOKS: frozenset({_ADMIN, _TENANT_ADMIN}),
    # Money in and out of a tenant's account is finance's; everyone reads what they may see
    # (a tenant its own statement). Orders freeze as their tenant; capture only on completion
    # (the system); a release follows a cancellation by the tenant, an operator or the system.
    Action.TOP_UP: _FINANCE_STAFF,
    Action.ADJUST_BALANCE: _FINANCE_STAFF,
    Action.SET_CREDIT_LIMIT: _FINANCE_STAFF,
    Action.VIEW_STATEMENT: _HUMANS,
    Action.FREEZE_FUNDS: _TENANTS | {SYSTEM_ROLE},
    Action.CAPTURE_FUNDS: frozenset({SYSTEM_ROLE}),
    Action.RELEASE_FUNDS: _TENANTS | {_ADMIN, _OPERATOR, SYSTEM_ROLE},
    Action.CHECK_LEDGER: _FINANCE_STAFF | {SYSTEM_ROLE},
    # A tenant orders for itself (its users in the workbench, its apps on the Open API).
    Action.PLACE_ORDER: _TENANTS,
    Action.VIEW_ORDERS: _HUMANS,  # a tenant its own orders
    # The whole receiver is personal data: shown (and audited) to those who ship and serve
    # customers — operators, the platform admin and the tenant's admin — not to finance.
    Action.VIEW_RECEIVER: frozenset({_ADMIN, _OPERATOR, _TENANT_ADMIN}),
    # A tenant cancels its own orders; operators (and the admin) any tenant's.
    Action.CANCEL_ORDER: _TENANTS | _CATALOG_STAFF,
    # A sub-order the saga held on an alarm is the operators' (and the admin's) to resolve.
    Action.RESOLVE_HELD_ORDER: _CATALOG_STAFF,
    Action.MANAGE_DISTRIBUTION: _CATALOG_STAFF,
    # A tenant's users keep its own library; staff see libraries but do not change them.
    Action.MANAGE_LIBRARY: frozenset({_TENANT_ADMIN, _TENANT_USER}),
}


def allowed(role: str, action: Action) -> bool:
    return role in MATRIX[action]


def require(actor: Actor, action: Action) -> None:
    """Raise :class:`PermissionDenied` unless the actor's role may take ``action``."""
    if not allowed(actor.role, action):
        raise PermissionDenied(
            f"无权执行此操作 / Not allowed: {action.value}",
            details={"action": action.value, "role": actor.role},
        )


class View(StrEnum):
    """A console page (or group of pages) a role may open; the menu shows what a role may open.

    Reading is decided here; changing anything is still decided by the action matrix above in
    the service (finance may open the pool but not pause a product)."""

    # admin console
    DASHBOARD = "console.dashboard"
    TENANTS = "customers.tenants"
    STAFF = "customers.staff"
    TENANT_USERS = "customers.tenant_users"
    GRADES = "customers.grades"
    AUDIT_LOG = "platform.audit_log"
    SETTINGS = "platform.settings"
    ACCOUNT_SECURITY = "customers.account_security"
    UPSTREAM = "catalog.upstream"
    POOL = "catalog.pool"
    DISTRIBUTION = "catalog.distribution"
    RULES = "catalog.rules"
    PRICING = "catalog.pricing"
    SUPPLIERS = "suppliers.list"
    SUPPLIER_MESSAGES = "feed.messages"
    JOBS = "platform.jobs"
    BILLING_ACCOUNTS = "billing.accounts"
    ORDERS = "orders.search"
    WEBHOOK_DELIVERIES = "webhooks.deliveries"  # any tenant endpoint's delivery log, read only
    # tenant workbench
    WORKBENCH = "workbench.dashboard"
    WORKBENCH_POOL = "workbench.pool"
    WORKBENCH_LIBRARY = "workbench.library"
    TEAM = "workbench.team"
    WORKBENCH_ACCOUNT = "workbench.account"
    WORKBENCH_APPS = "workbench.apps"
    WORKBENCH_ORDERS = "workbench.orders"
    WORKBENCH_CART = "workbench.cart"
    WORKBENCH_WEBHOOKS = "workbench.webhooks"
    # everyone signed in
    OWN_ACCOUNT = "console.own_account"


_STAFF = frozenset({_ADMIN, _OPERATOR, _FINANCE})

# View -> the roles that may open it. Finance has its own menu: the dashboard, tenants (read),
# the pool (read) and the audit log, not the operator's supplier and selection pages.
VIEWS: Mapping[View, frozenset[str]] = {
    View.DASHBOARD: _STAFF,
    View.TENANTS: _STAFF,
    View.STAFF: frozenset({_ADMIN}),
    # A tenant's users, opened from the tenants page: the platform admin's.
    View.TENANT_USERS: frozenset({_ADMIN}),
    # Customer grades drive every tenant's prices: the platform admin's (MANAGE_GRADES).
    View.GRADES: frozenset({_ADMIN}),
    View.AUDIT_LOG: frozenset({_ADMIN, _FINANCE}),
    View.SETTINGS: frozenset({_ADMIN}),
    View.ACCOUNT_SECURITY: frozenset({_ADMIN}),
    View.UPSTREAM: _CATALOG_STAFF,
    View.POOL: _STAFF,
    View.DISTRIBUTION: _STAFF,
    View.RULES: _CATALOG_STAFF,
    # Finance reads prices and their explanations; changing them is MANAGE_PRICING.
    View.PRICING: _STAFF,
    View.SUPPLIERS: _CATALOG_STAFF,
    View.SUPPLIER_MESSAGES: _CATALOG_STAFF,
    View.JOBS: _CATALOG_STAFF,
    View.WORKBENCH: _TENANTS,
    View.WORKBENCH_POOL: _TENANTS,
    View.WORKBENCH_LIBRARY: _TENANTS,
    View.TEAM: frozenset({_TENANT_ADMIN}),
    # Every staff role reads tenants' balances; only finance (and the admin) changes them.
    View.BILLING_ACCOUNTS: _STAFF,
    View.WORKBENCH_ACCOUNT: _TENANTS,
    # Open API apps hold the keys to the tenant's integration: its admin's.
    View.WORKBENCH_APPS: frozenset({_TENANT_ADMIN}),
    # Every staff role follows orders; a tenant its own (row-level security) and its cart.
    View.ORDERS: _STAFF,
    # Staff read a failing endpoint's deliveries from the dashboard; replaying is the tenant's.
    View.WEBHOOK_DELIVERIES: _STAFF,
    View.WORKBENCH_ORDERS: _TENANTS,
    View.WORKBENCH_CART: _TENANTS,
    View.WORKBENCH_WEBHOOKS: frozenset({_TENANT_ADMIN}),
    View.OWN_ACCOUNT: _HUMANS,
}


def may_view(role: str, view: View) -> bool:
    return role in VIEWS[view]
