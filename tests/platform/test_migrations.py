"""Migrations: the models and the migrated schema agree, and every revision can go down and up."""

from __future__ import annotations

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, pool

from hive.migrations.env_filters import include_object
from hive.models import metadata
from hive.platform.migrations import alembic_config, upgrade_to_head


def _sync_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def test_models_match_the_migrated_schema(database_url: str) -> None:
    engine = create_engine(_sync_url(database_url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include_object, "compare_type": True}
        )
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "base")
    with psycopg.connect(database_url) as conn:
        left = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        ).fetchall()
    assert left == []
    upgrade_to_head(database_url)
