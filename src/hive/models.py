"""Every table of Hive, imported in one place so Alembic and tests see the whole metadata."""

from hive.billing import models as billing_models
from hive.catalog import models as catalog_models
from hive.customers import models as customers_models
from hive.feed import models as feed_models
from hive.platform import audit, domain_events
from hive.platform.db import Base
from hive.suppliers import models as suppliers_models
from hive.suppliers.warehouse import models as warehouse_models

metadata = Base.metadata

__all__ = [
    "audit",
    "billing_models",
    "catalog_models",
    "customers_models",
    "domain_events",
    "feed_models",
    "metadata",
    "suppliers_models",
    "warehouse_models",
]
