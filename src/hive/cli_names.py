"""The format of every CLI argument that names something (a tenant's code, an AppKey, a
grade's name, a sub-order number), checked before anything is looked up.

A name that cannot exist (a control character, the wrong characters, too long) is refused as
input with a stable problem code and the argument named as it was typed (``--tenant：不能包含
控制字符``), never looked up and answered ``tenant_not_found``. The formats are the ones the
names are created with (``hive.customers.schemas``, ``hive.openapi.service``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hive.customers.schemas import TENANT_CODE
from hive.openapi.service import APP_KEY_FORMAT
from hive.platform.validation import InvalidInput, Problem, text_problems


@dataclass(frozen=True, slots=True)
class NameFormat:
    max_length: int
    pattern: re.Pattern[str] | None = None  # None: any single line of text


TENANT = NameFormat(32, re.compile(TENANT_CODE, re.ASCII))
APP_KEY = NameFormat(40, re.compile(APP_KEY_FORMAT, re.ASCII))
GRADE_NAME = NameFormat(64)  # GradeCreate.name
SUB_ORDER_NO = NameFormat(32, re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII))


def name_problems(value: str, argument: str, kind: NameFormat) -> list[Problem]:
    """What is wrong with ``value`` as a name of ``kind`` (none: it may be looked up)."""
    if not value.strip():
        return [Problem(argument, "required")]
    problems = text_problems(value, argument, max_length=kind.max_length)
    if not problems and kind.pattern is not None and not kind.pattern.fullmatch(value):
        problems.append(Problem(argument, "invalid_format"))
    return problems


def check_names(*names: tuple[str, str, NameFormat]) -> None:
    """Raise ``InvalidInput`` listing every ``(argument, value, kind)`` that is malformed."""
    problems = [p for argument, value, kind in names for p in name_problems(value, argument, kind)]
    if problems:
        raise InvalidInput(problems)
