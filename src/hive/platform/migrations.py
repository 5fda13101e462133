"""Running Alembic migrations from code, and refusing a database newer than this Hive."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from hive.platform.config import libpq_url
from hive.platform.crypto import SecretBox
from hive.platform.errors import StartupError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


# ``config.attributes`` key of the secret box a migration that encrypts data at rest uses.
SECRET_BOX = "secret_box"  # noqa: S105 (a dictionary key, not a secret)


def alembic_config(database_url: str, secrets: SecretBox | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    config.attributes[SECRET_BOX] = secrets
    return config


def current_revisions(database_url: str) -> set[str]:
    url = libpq_url(database_url).replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def ensure_not_newer_than_code(database_url: str) -> None:
    """Raise :class:`StartupError` if the database carries a revision this code does not know."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = current_revisions(database_url) - known
    if unknown:
        raise StartupError(
            f"The database schema is at revision {', '.join(sorted(unknown))}, which this version "
            f"of Hive does not know (it knows up to {script.get_current_head()}). The database "
            "was migrated by a newer Hive: upgrade Hive, or point HIVE_DATABASE_URL elsewhere."
        )


def upgrade_to_head(database_url: str, secrets: SecretBox | None = None) -> None:
    """Migrate to the newest revision. ``secrets`` (the platform's secret box) lets a migration
    encrypt stored data; without it, such a migration drops what it cannot encrypt only where
    that is a cache (0016: supplier tokens, fetched again on next use)."""
    ensure_not_newer_than_code(database_url)
    command.upgrade(alembic_config(database_url, secrets), "head")


def is_at_head(database_url: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return current_revisions(database_url) == set(script.get_heads())
