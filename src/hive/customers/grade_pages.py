"""客户等级 Customer grades (/admin/grades, platform admin): the grades with how many tenants
each has, a form to create one, an edit form per grade, and delete (asked first).

What a grade drives: a tenant's price of every pool product is the base price × the grade's
coefficient (then the pricing rule's bands and rounding, docs/pricing.md); the distribution
pools given to the grade decide which products its tenants see; its Open API rate limit
applies to its tenants' apps. So a new grade, or a changed coefficient, starts a full reprice
(a job, followed on the pricing page); a grade that tenants or distribution pools still use is
not deleted (``grade_in_use``, the page says by what)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.catalog.pricing import forms as pricing_forms
from hive.catalog.pricing import rules as pricing_rules
from hive.console import i18n
from hive.console.callers import viewing
from hive.console.error_pages import message_in
from hive.console.forms import CsrfToken, posted_form, refusal
from hive.console.i18n import translator
from hive.console.pages import language_of, redirect_with_flash, render
from hive.console.tables import refuse_unknown
from hive.customers import service as customers
from hive.customers.errors import GradeNotFound
from hive.customers.models import CustomerGrade
from hive.customers.schemas import GradeCreate
from hive.customers.texts import GRADE_TEXTS
from hive.platform.actor import Actor
from hive.platform.csrf import verify_csrf
from hive.platform.errors import HiveError
from hive.platform.http import database_of
from hive.platform.permissions import View
from hive.platform.validation import Id, InvalidInput, Problem, problems_of

router = APIRouter(include_in_schema=False)
i18n.extend(GRADE_TEXTS)
PATH = "/admin/grades"
FIELDS = ("code", "name", "price_coefficient", "description")
GradesAdmin = Annotated[Actor, viewing(View.GRADES)]
# Which field a refusal of the service belongs to.
_FIELD_OF = {"grade_code_taken": "code", "grade_name_taken": "name"}


def _values_of(grade: CustomerGrade) -> dict[str, str]:
    return {
        "code": grade.code or "",
        "name": grade.name,
        "price_coefficient": str(grade.price_coefficient.normalize()),
        "description": grade.description,
    }


async def _list(
    request: Request, actor: Actor, *, status_code: int = 200, **extra: Any
) -> Response:
    refuse_unknown(dict(request.query_params), [])
    async with database_of(request).platform_transaction() as session:
        grades = await customers.list_grades(session)
        tenants = await customers.tenants_per_grade(session)
    extra.setdefault("values", {})
    return render(
        request,
        "grades.html",
        status_code=status_code,
        actor=actor,
        grades=grades,
        tenants=tenants,
        **extra,
    )


async def _edit_page(
    request: Request,
    actor: Actor,
    grade_id: int,
    *,
    status_code: int = 200,
    values: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    async with database_of(request).platform_transaction() as session:
        grade = await _grade(session, grade_id)
    title = translator(language_of(request))("grades.edit_title").format(name=grade.name)
    return render(
        request,
        "grade_edit.html",
        status_code=status_code,
        actor=actor,
        grade=grade,
        heading=title,
        values=values or _values_of(grade),
        trail=[(title, None)],
        **extra,
    )


async def _grade(session: AsyncSession, grade_id: int) -> CustomerGrade:
    grade = await customers.get_grade(session, grade_id)
    if grade is None:
        raise GradeNotFound(details={"grade_id": grade_id})
    return grade


def _read(values: dict[str, str]) -> GradeCreate:
    """The form as a grade; every problem named with its field (``invalid_input``)."""
    problems = [] if values["code"] else [Problem("code", "required")]
    coefficient: Decimal | None = None
    try:
        coefficient = pricing_forms.read_coefficient(values["price_coefficient"])
    except InvalidInput as error:
        problems += error.problems
    data: GradeCreate | None = None
    try:
        data = GradeCreate.model_validate(
            {**values, "code": values["code"] or None, "price_coefficient": coefficient or 1}
        )
    except ValidationError as error:
        problems += problems_of(error)
    if problems or data is None or coefficient is None:
        raise InvalidInput(problems)
    return data.model_copy(update={"price_coefficient": coefficient})


def _refusal(request: Request, error: ValidationError | HiveError) -> dict[str, Any]:
    shown = refusal(request, error, FIELDS)
    if isinstance(error, HiveError) and error.code in _FIELD_OF:
        text = translator(language_of(request))(f"error.{error.code}")
        shown.update(errors={_FIELD_OF[error.code]: [text]}, problems=[])
    return shown


@router.get(PATH)
async def grades_page(request: Request, actor: GradesAdmin) -> Response:
    return await _list(request, actor)


@router.post(PATH)
async def grade_create(request: Request, actor: GradesAdmin) -> Response:
    form = await posted_form(request)
    values = {k: str(form.get(k, ""))[:256].strip() for k in FIELDS}
    try:
        data = _read(values)
        async with database_of(request).platform_transaction() as session:
            grade = await customers.create_grade(session, actor, data)
            # A new grade has no prices yet: every product is priced for it by the job.
            await pricing_rules.start_full_reprice(session, f"grade {grade.id}")
    except (ValidationError, HiveError) as error:
        return await _list(request, actor, values=values, **_refusal(request, error))
    return redirect_with_flash(PATH, "grades.done.created", name=grade.name)


@router.get(PATH + "/{grade_id}")
async def grade_edit_page(request: Request, actor: GradesAdmin, grade_id: Id) -> Response:
    refuse_unknown(dict(request.query_params), [])
    return await _edit_page(request, actor, grade_id)


@router.post(PATH + "/{grade_id}")
async def grade_update(request: Request, actor: GradesAdmin, grade_id: Id) -> Response:
    form = await posted_form(request)
    values = {k: str(form.get(k, ""))[:256].strip() for k in FIELDS}
    try:
        data = _read(values)
        async with database_of(request).platform_transaction() as session:
            grade = await _grade(session, grade_id)
            repriced = grade.price_coefficient != data.price_coefficient
            await customers.update_grade(session, actor, grade_id, data)
            if repriced:
                await pricing_rules.set_grade_coefficient(
                    session, actor, grade_id, data.price_coefficient
                )
    except (ValidationError, HiveError) as error:
        if isinstance(error, GradeNotFound):
            raise
        return await _edit_page(request, actor, grade_id, values=values, **_refusal(request, error))
    key = "grades.done.repriced" if repriced else "grades.done.saved"
    return redirect_with_flash(PATH, key, name=data.name)


@router.post(PATH + "/{grade_id}/delete")
async def grade_delete(
    request: Request, actor: GradesAdmin, grade_id: Id, csrf_token: CsrfToken = ""
) -> Response:
    verify_csrf(request.session, csrf_token)
    try:
        async with database_of(request).platform_transaction() as session:
            grade = await customers.delete_grade(session, actor, grade_id)
    except HiveError as error:
        if error.code != "grade_in_use":
            raise
        t = translator(language_of(request))
        used_by = str(error.details.get("used_by", ""))
        text = t(f"grades.in_use.{used_by}")
        if text == f"grades.in_use.{used_by}":
            text = message_in(language_of(request), error.message)
        text = text.format(n=error.details.get("tenants", 0))
        return await _list(request, actor, status_code=error.http_status, problems=[text])
    return redirect_with_flash(PATH, "grades.done.deleted", name=grade.name)
