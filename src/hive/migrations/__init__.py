"""Alembic migrations. Run them with ``hive migrate``."""
