"""Which database objects Alembic compares with the models."""

from __future__ import annotations


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave procrastinate's own tables (created from its schema file) out of comparisons."""
    table = getattr(obj, "table", obj)
    table_name = getattr(table, "name", name) or ""
    return not table_name.startswith("procrastinate")
