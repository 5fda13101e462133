"""Every table of Hive, collected from the domains so Alembic and tests see the whole metadata."""

from hive.domains import DOMAINS
from hive.platform.db import Base
from hive.platform.domains import import_models

import_models(DOMAINS)

metadata = Base.metadata

__all__ = ["metadata"]
