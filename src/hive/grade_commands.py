"""``hive grades``: customer grades from a terminal, as the grades page makes them.

A grade made here has its code (``--code``, checked as the page checks it: lower-case
letters, digits and ``-``, a letter first, 2–32 characters, unique), name and price
coefficient; its prices are computed by a full reprice job, as after the page's form. Audited
as ``grade.create`` under ``cli:<terminal user>``."""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass

from pydantic import ValidationError

from hive.catalog.pricing import forms as pricing_forms
from hive.catalog.pricing import rules as pricing_rules
from hive.console import i18n
from hive.customers import service as customers
from hive.customers.schemas import GRADE_CODE, GradeCreate
from hive.customers.texts import GRADE_TEXTS
from hive.launcher import run_on_database
from hive.platform.actor import Actor
from hive.platform.config import Settings
from hive.platform.db import Database
from hive.platform.logging import configure_logging
from hive.platform.permissions import Role
from hive.platform.validation import InvalidInput, Problem, problems_of

i18n.extend(GRADE_TEXTS)  # the refusal's sentences (hive.launcher.refusal_line)


@dataclass(frozen=True, slots=True)
class CreatedGrade:
    id: int
    code: str
    name: str
    coefficient: str
    reprice_id: int


def read_grade(code: str, name: str, coefficient: str, description: str) -> GradeCreate:
    """The typed grade, every problem named with its field (``invalid_input``): a code is
    required here, as on the grades page."""
    code = code.strip()
    problems = [] if code else [Problem("code", "required")]
    if code and not re.fullmatch(GRADE_CODE, code):
        problems.append(Problem("code", "grade_code"))
        code = ""  # said once, in words, rather than as the schema's pattern
    parsed = None
    try:
        parsed = pricing_forms.read_coefficient(coefficient)
    except InvalidInput as error:
        problems += error.problems
    values = {"code": code or None, "name": name, "description": description}
    data = None
    try:
        data = GradeCreate.model_validate({**values, "price_coefficient": parsed or 1})
    except ValidationError as error:
        problems += problems_of(error)
    if problems or data is None or parsed is None:
        raise InvalidInput(problems)
    return data.model_copy(update={"price_coefficient": parsed})


def create_grade(settings: Settings, data: GradeCreate) -> CreatedGrade:
    """``hive grades create``: the grade, and the full reprice that prices it."""
    configure_logging(settings, process="grades")
    actor = Actor(
        user_id=None, username=f"cli:{getpass.getuser()}"[:64], role=Role.PLATFORM_ADMIN.value
    )

    async def create(database: Database) -> CreatedGrade:
        async with database.platform_transaction() as session:
            grade = await customers.create_grade(session, actor, data)
            reprice_id = await pricing_rules.start_full_reprice(session, f"grade {grade.id}")
        return CreatedGrade(
            grade.id, str(grade.code), grade.name, str(grade.price_coefficient), reprice_id
        )

    return run_on_database(settings, create)
