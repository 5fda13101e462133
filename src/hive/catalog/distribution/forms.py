"""The distribution pool pages' forms → validated inputs (stable problem codes, nothing
written on a refusal)."""

from __future__ import annotations

import re

from pydantic import ValidationError

from hive.catalog.distribution.errors import InvalidPoolInput
from hive.catalog.distribution.schemas import MAX_IDS, AssignmentCreate, PoolCreate, PoolMembers
from hive.platform.validation import InvalidInput, Problem, parse_id, problems_of

# Ids typed as "12, 13，14" or one per line: ASCII or full-width commas, spaces, line breaks.
_SEPARATORS = re.compile(r"[,，、\s]+")
MAX_IDS_TEXT = 20 * MAX_IDS


def pool_create(name: str, kind: str, description: str) -> PoolCreate:
    try:
        return PoolCreate.model_validate({"name": name, "kind": kind, "description": description})
    except ValidationError as error:
        raise InvalidPoolInput(problems_of(error)) from None


def members(text: str) -> PoolMembers:
    """Ids typed into the add or remove field."""
    if len(text) > MAX_IDS_TEXT:
        raise InvalidPoolInput([Problem("ids", "too_long", {"max": MAX_IDS_TEXT})])
    ids: list[int] = []
    for part in _SEPARATORS.split(text.strip()):
        if not part:
            continue
        try:
            value = parse_id(part, "ids")
        except InvalidInput as refused:
            raise InvalidPoolInput(refused.problems) from None
        if value is not None:
            ids.append(value)
    if not ids:
        raise InvalidPoolInput([Problem("ids", "required")])
    if len(ids) > MAX_IDS:
        raise InvalidPoolInput([Problem("ids", "too_large", {"max": MAX_IDS})])
    return PoolMembers(ids=ids)


def assignment(grade_id: str, tenant_id: str) -> AssignmentCreate:
    try:
        grade = parse_id(grade_id or None, "grade_id")
        tenant = parse_id(tenant_id or None, "tenant_id")
    except InvalidInput as refused:
        raise InvalidPoolInput(refused.problems) from None
    if (grade is None) == (tenant is None):
        raise InvalidPoolInput([Problem("target", "grade_or_tenant")])
    return AssignmentCreate(grade_id=grade, tenant_id=tenant)
