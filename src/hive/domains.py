"""Every domain of Hive, once. The applications, the worker and the migrations collect their
routers, tasks, tables and feed subscriptions from this list (see hive.platform.domains)."""

from hive.billing.domain import DOMAIN as BILLING
from hive.catalog.domain import DOMAIN as CATALOG
from hive.console.domain import DOMAIN as CONSOLE
from hive.customers.domain import DOMAIN as CUSTOMERS
from hive.events.domain import DOMAIN as EVENTS
from hive.feed.domain import DOMAIN as FEED
from hive.openapi.domain import DOMAIN as OPENAPI
from hive.orders.domain import DOMAIN as ORDERS
from hive.platform.domain import DOMAIN as PLATFORM
from hive.platform.domains import Domain
from hive.suppliers.domain import DOMAIN as SUPPLIERS
from hive.webhooks.domain import DOMAIN as WEBHOOKS

DOMAINS: list[Domain] = [
    PLATFORM,
    CONSOLE,
    CUSTOMERS,
    BILLING,
    SUPPLIERS,
    FEED,
    CATALOG,
    EVENTS,
    OPENAPI,
    ORDERS,
    WEBHOOKS,
]
