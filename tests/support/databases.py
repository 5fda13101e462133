"""Creating, cloning and dropping test databases on one server."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from hive.platform.database_server import start_embedded
from hive.platform.migrations import upgrade_to_head


def start_test_server(pgdata: Path) -> Any:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return start_embedded(pgdata)


def database_url_for(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _admin(admin_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(admin_url, autocommit=True)


def prepare_template(admin_url: str, name: str) -> None:
    """Create database ``name`` and migrate it to head; it is then only ever cloned."""
    with _admin(admin_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    upgrade_to_head(database_url_for(admin_url, name))


def clone_database(admin_url: str, template: str) -> str:
    name = f"hive_test_{uuid.uuid4().hex[:12]}"
    with _admin(admin_url) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return name


def drop_database(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
