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


def test_0006_moves_the_attempt_count_out_of_the_error_text(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0005")
    rows = [
        ("a", "failed", "attempt 2: ValueError: unknown sku"),
        ("b", "failed", "gave up after 5 attempts: RuntimeError: x"),
        ("c", "processed", ""),
    ]
    with psycopg.connect(database_url) as conn:
        supplier = conn.execute(
            "INSERT INTO suppliers (name, kind, base_url, credentials_encrypted, rate_limits, "
            "enabled) VALUES ('m', 'warehouse', '', '', '{}', true) RETURNING id"
        ).fetchone()
        assert supplier is not None
        for message_id, status, error in rows:
            conn.execute(
                "INSERT INTO supplier_messages (supplier_id, message_id, type, occurred_at, "
                "status, error, raw) VALUES (%s, %s, 2, now(), %s, %s, '{}')",
                (supplier[0], message_id, status, error),
            )
    command.upgrade(config, "0006")
    query = "SELECT message_id, status, attempts, error FROM supplier_messages ORDER BY 1"
    with psycopg.connect(database_url) as conn:
        assert conn.execute(query).fetchall() == [
            ("a", "failed", 2, "ValueError: unknown sku"),
            ("b", "gave_up", 5, "RuntimeError: x"),
            ("c", "processed", 0, ""),
        ]
    command.downgrade(config, "0005")
    with psycopg.connect(database_url) as conn:
        back = conn.execute("SELECT message_id, status, error FROM supplier_messages ORDER BY 1")
        assert back.fetchall() == rows
    upgrade_to_head(database_url)


def test_0035_keeps_the_reprice_runs_in_job_progress(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0034")
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO pricing_reprice_runs (id, reason, status, total, done, changed) VALUES "
            "(1, 'grade 4', 'finished', 10, 10, 3), (2, 'operator', 'running', 8, 2, 1)"
        )
        conn.execute(  # run 2 already has its progress row: not copied twice
            "INSERT INTO job_progress (kind, status, params, planned, done, counts, actor_name,"
            " actor_role) VALUES ('pricing.reprice_all', 'running',"
            ' \'{"run_id": 2, "reason": "operator"}\', 8, 2, \'{"changed": 1}\','
            " 'admin', 'admin')"
        )
    command.upgrade(config, "0035")
    query = (
        "SELECT params ->> 'reason', status, planned, done, counts, actor_name FROM job_progress"
        " WHERE kind = 'pricing.reprice_all' ORDER BY params ->> 'run_id'"
    )
    with psycopg.connect(database_url) as conn:
        assert conn.execute(query).fetchall() == [
            ("grade 4", "finished", 10, 10, {"changed": 3}, "system"),
            ("operator", "running", 8, 2, {"changed": 1}, "admin"),
        ]
        gone = conn.execute("SELECT to_regclass('pricing_reprice_runs')").fetchone()
        assert gone == (None,)
    command.downgrade(config, "0034")
    back = "SELECT reason, status, total, done, changed FROM pricing_reprice_runs ORDER BY 1"
    with psycopg.connect(database_url) as conn:
        assert conn.execute(back).fetchall() == [
            ("grade 4", "finished", 10, 10, 3),
            ("operator", "running", 8, 2, 1),
        ]
    upgrade_to_head(database_url)


def test_revisions_form_one_chain_numbered_in_order() -> None:
    """Engineers landing migrations at once must renumber theirs after main's head: two heads
    (or a gap) would fail `hive migrate` on a fresh clone."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("postgresql://unused/unused"))
    assert script.get_heads() == [f"{len(list(script.walk_revisions())):04d}"]
    for revision in script.walk_revisions():
        number = int(revision.revision)
        expected = None if number == 1 else f"{number - 1:04d}"
        assert revision.down_revision == expected, revision.path


def test_0037_masks_the_receivers_the_warehouse_kept_whole(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0036")
    with psycopg.connect(database_url) as conn:
        supplier = conn.execute(
            "INSERT INTO suppliers (name, kind, base_url, credentials_encrypted, rate_limits, "
            "enabled) VALUES ('自营仓', 'warehouse', '', '', '{}', true) RETURNING id"
        ).fetchone()
        assert supplier is not None
        conn.execute(
            "INSERT INTO warehouse_orders (supplier_id, order_no, status, province_id, recipient,"
            " total_fen, freight_fen, carrier, waybill_no) VALUES"
            ' (%s, \'HV1-01\', \'reserved\', 2, \'{"name": "欧阳娜娜", "mobile": "13800001234",'
            ' "address": "人民路 1 号 3 单元", "area": [2, 2813, 51976, 0],'
            ' "email": "a@example.com", "zip_code": "200000"}\', 100, 0, \'\', \'\'),'
            ' (%s, \'HV2-01\', \'reserved\', 2, \'{"name": "张", "mobile": "1234567",'
            ' "address": "短路", "area": [2, 2813, 51976, 0]}\', 100, 0, \'\', \'\')',
            (supplier[0], supplier[0]),
        )
    command.upgrade(config, "0037")
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT recipient FROM warehouse_orders ORDER BY order_no").fetchall()
    assert [row[0] for row in rows] == [
        {
            "name": "欧***",
            "mobile": "138****1234",
            "address": "人民路 1 ****",
            "area": [2, 2813, 51976, 0],
            "zip_code": "200000",
        },
        {"name": "张", "mobile": "*******", "address": "短路", "area": [2, 2813, 51976, 0]},
    ]
    upgrade_to_head(database_url)
