"""Alembic environment: migrations run synchronously on psycopg 3 as the connecting (owner) user."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from hive.migrations.env_filters import include_object
from hive.models import metadata
from hive.platform.config import libpq_url

config = context.config


def run_migrations_online() -> None:
    url = libpq_url(config.attributes["database_url"]).replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
