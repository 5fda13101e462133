"""A pool product's stock and history as people read them (the product page's tables).

Stock is stored per province as ``{"<province id>": {"state": ..., "remaining": n}}`` and each
history row as ``{"<field>": [old, new]}``; the page shows province names, translated states,
yuan and yes/no, never the stored JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hive.catalog.models import ProductChange
from hive.console.timefmt import local_time
from hive.platform.money import format_money

Translate = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class StockRow:
    province: str
    state: str
    orderable: bool
    remaining: str


@dataclass(frozen=True, slots=True)
class HistoryRow:
    at: str
    source: str
    field: str
    old: str
    new: str


def stock_rows(
    stock: Mapping[str, Any], provinces: Mapping[int, str], t: Translate
) -> list[StockRow]:
    """One row per tracked province, by province id."""
    rows = []
    for key in sorted(stock, key=lambda k: int(k) if k.isdigit() else 0):
        level = stock[key] if isinstance(stock[key], Mapping) else {}
        state = str(level.get("state", ""))
        remaining = level.get("remaining")
        rows.append(
            StockRow(
                province=provinces.get(int(key), key) if key.isdigit() else key,
                state=_text(t, f"stock.{state}", state),
                orderable=state in ("in_stock", "in_transit", "allocatable"),
                remaining="" if remaining is None or remaining < 0 else str(remaining),
            )
        )
    return rows


def history_rows(
    history: Sequence[ProductChange], provinces: Mapping[int, str], t: Translate
) -> list[HistoryRow]:
    """One row per changed field of each change, newest change first."""
    rows = []
    for change in history:
        for field, values in sorted(change.changes.items()):
            old, new = values if isinstance(values, list) and len(values) == 2 else (None, values)
            rows.append(
                HistoryRow(
                    at=local_time(change.occurred_at),
                    source=_text(t, f"history.source.{change.source}", change.source),
                    field=_text(t, f"history.field.{field}", field),
                    old=_value(field, old, provinces, t),
                    new=_value(field, new, provinces, t),
                )
            )
    return rows


def _value(field: str, value: Any, provinces: Mapping[int, str], t: Translate) -> str:
    if value is None:
        return "—"
    if field.endswith("_fen") and isinstance(value, int):
        return format_money(value)
    if isinstance(value, bool):
        return t("pool.yes") if value else t("pool.no")
    if field == "status":
        return _text(t, f"pool.status.{value}", str(value))
    if field == "stock" and isinstance(value, Mapping):
        return "；".join(
            f"{row.province} {row.state}{(' ' + row.remaining) if row.remaining else ''}"
            for row in stock_rows(value, provinces, t)
        )
    if isinstance(value, list | dict):
        return f"{len(value)} {t('history.items')}"
    return str(value)


def _text(t: Translate, key: str, fallback: str) -> str:
    text = t(key)
    return fallback if text == key else text
