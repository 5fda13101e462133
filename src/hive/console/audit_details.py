"""An audit entry's details as people read them: what changed as field / before / after rows,
the rest as labelled facts, nested values in one short line.

Services record changes in three shapes, all read here:

* ``{"name": {"from": "旧", "to": "新"}, …}`` — one entry per changed field (grade.update);
* ``{"from": …, "to": …}`` or ``{"from_fen": …, "to_fen": …}`` — the one value the action is
  about (a coefficient, a warehouse price);
* ``{"before": {…old values…}, <field>: <new value>, …}`` — the old values beside the new ones
  (a selection rule's update).

Labels: ``audit.field.<name>`` if the catalogue has it, else the form label ``field.<name>``,
else the raw name. Values: ``*_fen`` as money, booleans as 是/否, times recorded as ISO text in
Asia/Shanghai like every time on the console (hive.console.timefmt), lists and objects compactly.
Nothing here unmasks: details hold what the services recorded (masked or cut at recording, as a
session id's first twelve characters); a key that names a secret or a phone is masked again
here, so a service that forgot cannot show one in the clear.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hive.console import i18n
from hive.console.timefmt import ISO_TIME, local_text
from hive.orders.personal import mask_mobile
from hive.platform.money import format_money

Translate = Callable[[str], str]
MAX_VALUE = 160  # characters of a value shown; longer values end in …
SECRET = re.compile(r"password|secret|token|api_key|private", re.IGNORECASE)
PHONE = re.compile(r"mobile|phone", re.IGNORECASE)

i18n.extend(
    {
        "zh": {
            "audit.change.field": "字段",
            "audit.change.before": "修改前",
            "audit.change.after": "修改后",
            "audit.field.value": "值",
            "audit.field.name": "名称",
            "audit.field.price": "价格",
            "audit.field.conditions": "选品条件",
            "audit.field.to": "改为",
            "audit.field.reason": "原因",
            "audit.yes": "是",
            "audit.no": "否",
            "audit.not_recorded": "未记录",
        },
        "en": {
            "audit.change.field": "Field",
            "audit.change.before": "Before",
            "audit.change.after": "After",
            "audit.field.value": "Value",
            "audit.field.name": "Name",
            "audit.field.price": "Price",
            "audit.field.conditions": "Conditions",
            "audit.field.to": "Changed to",
            "audit.field.reason": "Reason",
            "audit.yes": "Yes",
            "audit.no": "No",
            "audit.not_recorded": "not recorded",
        },
    }
)


@dataclass(frozen=True, slots=True)
class Change:
    field: str  # the recorded name (kept in data-field)
    label: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Readable:
    changes: list[Change] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value)


def readable(details: Mapping[str, Any], t: Translate) -> Readable:
    """``details`` of an audit entry as change rows and facts (see the module docstring)."""
    rest = dict(details)
    changes: list[Change] = []
    for name, value in details.items():
        if _is_from_to(value):
            changes.append(_change(name, value["from"], value["to"], t))
            rest.pop(name)
    for low, high, name in (("from", "to", "value"), ("from_fen", "to_fen", "price_fen")):
        if low in rest and high in rest:
            changes.append(_change(name, rest.pop(low), rest.pop(high), t))
    before = rest.get("before")
    if isinstance(before, Mapping):
        rest.pop("before")
        for name, old in before.items():
            if name not in rest:
                changes.append(
                    Change(name, label(name, t), show(name, old, t), t("audit.not_recorded"))
                )
            elif (new := rest.pop(name)) != old:
                changes.append(_change(name, old, new, t))
    facts = [(label(name, t), show(name, value, t)) for name, value in rest.items()]
    return Readable(changes, facts)


def label(name: str, t: Translate) -> str:
    """The field's name in the user's language, or the recorded name when none is known."""
    for key in (f"audit.field.{name}", f"field.{name}", f"audit.field.{_unit_less(name)}"):
        text = t(key)
        if text != key:
            return text
    return name


def show(name: str, value: Any, t: Translate) -> str:
    """One value on one line: money for ``*_fen``, 是/否, lists and objects compactly."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and ISO_TIME.fullmatch(value):
        return local_text(value)  # a time ("old_secrets_expire_at") is no secret
    if SECRET.search(name):
        return "••••••"
    if PHONE.search(name) and isinstance(value, str):
        return mask_mobile(value)
    if isinstance(value, bool):
        return t("audit.yes") if value else t("audit.no")
    if name.endswith("_fen") and isinstance(value, int):
        return format_money(value)
    if isinstance(value, list) and all(not isinstance(v, list | dict) for v in value):
        text = ", ".join("—" if v is None else str(v) for v in value)
    elif isinstance(value, dict | list):
        text = _compact(value)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _compact(value: Any) -> str:
    """A nested value in one line: ``key: value`` pairs joined by ``; `` (JSON inside)."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_scalar(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return local_text(value)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _is_from_to(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"from", "to"}


def _change(name: str, old: Any, new: Any, t: Translate) -> Change:
    return Change(name, label(name, t), show(name, old, t), show(name, new, t))


def _unit_less(name: str) -> str:
    return name.removesuffix("_fen")
