"""How an export's page shows the filters it was asked with: each with its field's label and
its value in words (a status's name, a tenant's name, a day as people write it in the page's
language, a time in Asia/Shanghai), never as the raw ``key=value`` of the form.

A source (hive.console.export_jobs.ExportSource) names its filters once::

    filters={"status": Filter("orders.status", choice("orders.status.")),
             "from": Filter("orders.from", day), "tenant": Filter("orders.tenant", tenant)}

A value is worded when the page is shown (so in the reader's language); one that cannot be
worded any more (a tenant deleted since) shows as it was asked. A filter a source does not
name shows its ``field.<name>`` label if the console has one, else its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hive.console import i18n
from hive.console.timefmt import local_time
from hive.customers import service as customers
from hive.platform.errors import HiveError
from hive.platform.validation import parse_id

Translate = Callable[[str], str]
Shown = Callable[[AsyncSession, str, Translate], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Filter:
    """A filter of an export: its label's text key and how its value is worded (None: as it
    was asked)."""

    label: str
    shown: Shown | None = None


def choice(prefix: str) -> Shown:
    """A value that names one of a list's choices, worded by its text ``<prefix><value>``."""

    async def shown(session: AsyncSession, value: str, t: Translate) -> str:
        key = prefix + value
        return t(key) if t(key) != key else value

    return shown


def keyed(keys: Mapping[str, str]) -> Shown:
    """A value worded by the text key ``keys[value]`` (a sort's column heading)."""

    async def shown(session: AsyncSession, value: str, t: Translate) -> str:
        return t(keys[value]) if value in keys else value

    return shown


def worded(words: Callable[[Translate, str], str]) -> Shown:
    """A value worded by ``words(t, value)`` (an audit action's name)."""

    async def shown(session: AsyncSession, value: str, t: Translate) -> str:
        return words(t, value)

    return shown


def named(lookup: Callable[[AsyncSession, int], Awaitable[str | None]]) -> Shown:
    """An id worded by the name ``lookup`` finds (a category, a supplier); one that names
    nothing (any more) shows as it was asked."""

    async def shown(session: AsyncSession, value: str, t: Translate) -> str:
        try:
            found = parse_id(value, "id")
        except HiveError:  # not an id: it names nothing
            return value
        name = None if found is None else await lookup(session, found)
        return value if name is None else name

    return shown


async def day(session: AsyncSession, value: str, t: Translate) -> str:
    """A day (``YYYY-MM-DD``, a day in Asia/Shanghai) as the language writes it; a time
    (ISO 8601) in Asia/Shanghai."""
    try:
        if len(value) == len("2026-01-31"):
            return t("export.day").format(day=date.fromisoformat(value))
        return t("export.time").format(time=local_time(datetime.fromisoformat(value)))
    except ValueError:
        return value


async def tenant(session: AsyncSession, value: str, t: Translate) -> str:
    """A tenant's id as its name and code."""
    try:
        found = await customers.get_tenant(session, parse_id(value, "tenant") or 0)
    except HiveError:
        return value
    return f"{found.name}（{found.code}）"


async def describe(
    session: AsyncSession, fields: Mapping[str, Filter], filters: Mapping[str, object], t: Translate
) -> list[tuple[str, str, str]]:
    """Each asked filter as (name, label, value in words), in the order they were asked."""
    described = []
    for name, raw in filters.items():
        value = str(raw)
        field = fields.get(name)
        if field is None:
            label = t(f"field.{name}")
            described.append((name, name if label == f"field.{name}" else label, value))
            continue
        shown = await field.shown(session, value, t) if field.shown else value
        described.append((name, t(field.label), shown))
    return described


SORT = Filter("export.sort")
DIRECTION = Filter("export.direction", choice("export.direction."))

i18n.extend(
    {
        "zh": {
            "export.filter": "{label}：{value}",
            "export.colon": "：",
            "export.separator": "；",
            "export.day": "{day.year}年{day.month}月{day.day}日",
            "export.time": "{time}（北京时间）",
            "export.sort": "排序",
            "export.direction": "顺序",
            "export.direction.asc": "从小到大",
            "export.direction.desc": "从大到小",
        },
        "en": {
            "export.filter": "{label}: {value}",
            "export.colon": ": ",
            "export.separator": "; ",
            "export.day": "{day:%d %b %Y}",
            "export.time": "{time} (Beijing time)",
            "export.sort": "Sorted by",
            "export.direction": "Order",
            "export.direction.asc": "ascending",
            "export.direction.desc": "descending",
        },
    }
)
