"""One validation layer for what comes from outside: ids, integers, numbers and text.

Every boundary (console forms and queries, the Open API, the CLI, supplier answers) checks its
input with these rules, so one kind of bad value is refused the same way everywhere:

* **Ids and integers** fit PostgreSQL's BIGINT (1 … 2**63-1 for ids) and are written in ASCII
  digits. Full-width digits (``１２３``, U+FF10–U+FF19, as Chinese input methods type them) and
  the full-width minus and full stop are normalised to ASCII first; every other digit
  (Arabic-Indic ``١٢٣``, superscript ``²``, mathematical ``𝟏``) is refused, because Python's
  ``int()`` and ``\\d`` would silently accept them.
* **Numbers** are finite: ``nan``, ``inf`` and overflowing literals such as ``1e309`` are refused.
* **Text** has no NUL or other control characters (PostgreSQL text cannot hold NUL; the others
  corrupt logs and exports), tab and line breaks only where the field is multi-line, and a
  bounded length.

A refusal is an :class:`InvalidInput` (HTTP 422) listing :class:`Problem` s: the field, a stable
problem code and its parameters. Pages and API clients translate the codes; the message of the
error is already bilingual.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError

from hive.platform.errors import ValidationFailed

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)

# Full-width digits, minus and full stop as Chinese input methods produce them.
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "－": "-", "．": "."})
_ASCII_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
_ASCII_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?", re.ASCII)
# C0 controls except tab/newline/carriage return, DEL, C1 controls; NUL among them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\t\n\r]")
# Longer than any BIGINT in digits; refused before converting (int() of huge strings is slow).
_MAX_INTEGER_DIGITS = 19


@dataclass(frozen=True, slots=True)
class Problem:
    """One refused value: ``code`` is stable (see :data:`PROBLEM_CODES`), ``params`` fill the
    translated message (``max``, ``min``, ``choices`` …)."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "params": dict(self.params)}


# Every problem code, with the English sentence an API client sees (the console translates).
PROBLEM_CODES: dict[str, str] = {
    "required": "is required",
    "not_an_integer": "must be a whole number written in digits 0-9",
    "not_a_number": "must be a number written in digits 0-9, a decimal point allowed",
    "not_finite": "must be a finite number",
    "too_small": "must be at least {min}",
    "too_large": "must be at most {max}",
    "too_long": "must be at most {max} characters",
    "too_short": "must be at least {min} characters",
    "control_character": "must not contain control characters",
    "line_break": "must be a single line",
    "not_a_choice": "must be one of: {choices}",
    "invalid_format": "has an invalid format",
    "invalid_amount": "must be a yuan amount with at most 2 decimals",
    "not_zero": "must not be zero",
    "below_minimum": "must not be below the minimum",
    "not_allowed": "is not available here",
    "keyword_or_category": "enter a keyword or choose a category",
    "not_found": "does not exist: {ids}",
    "grade_or_tenant": "choose either a customer grade or a tenant",
    "not_visible": "not in your distribution pools: {ids}",
    "below_cost": "must not be below your cost of {cost}",
    "too_many": "matches {count} products, more than {max} at once",
    "overlaps": "must not overlap",
    "letters_and_digits": "must contain letters and digits",
    "contains_username": "must not contain the username",
    "below_in_use": "must not be below the {in_use} in use",
    "not_a_date": "must be a date written as 2026-11-30",
    "outside_parent": "is not an area under the chosen {parent}",
    "too_many_items": "must have at most {max} items",
    "too_few_items": "must have at least {min} items",
    "duplicate": "must not repeat: {ids}",
    "invalid_json": "must be valid JSON",
    "invalid": "is not valid",
}


# The same sentences in Chinese, the default language of an answer (``Accept-Language``).
PROBLEM_CODES_ZH: dict[str, str] = {
    "required": "必填",
    "not_an_integer": "须为整数（数字 0-9）",
    "not_a_number": "须为数字（数字 0-9），可带小数点",
    "not_finite": "须为有限数值",
    "too_small": "不能小于 {min}",
    "too_large": "不能大于 {max}",
    "too_long": "最多 {max} 个字符",
    "too_short": "至少 {min} 个字符",
    "control_character": "不能包含控制字符",
    "line_break": "须为单行文本",
    "not_a_choice": "须为以下之一：{choices}",
    "invalid_format": "格式不正确",
    "invalid_amount": "须为最多两位小数的金额（元）",
    "not_zero": "不能为零",
    "below_minimum": "不能低于最低值",
    "not_allowed": "此处不可用",
    "keyword_or_category": "请输入关键词或选择分类",
    "not_found": "不存在：{ids}",
    "grade_or_tenant": "请选择客户等级或租户之一",
    "not_visible": "不在您的分销池中：{ids}",
    "below_cost": "不能低于您的成本 {cost}",
    "too_many": "匹配 {count} 个商品，超过单次上限 {max}",
    "overlaps": "不能重叠",
    "letters_and_digits": "须同时包含字母和数字",
    "contains_username": "不能包含用户名",
    "below_in_use": "不能低于已在使用的 {in_use}",
    "not_a_date": "须为日期，格式如 2026-11-30",
    "outside_parent": "不是所选上级 {parent} 下的地区",
    "too_many_items": "最多 {max} 项",
    "too_few_items": "至少 {min} 项",
    "duplicate": "不能重复：{ids}",
    "invalid_json": "须为合法的 JSON",
    "invalid": "不合法",
}


def describe(problem: Problem, language: str = "en") -> str:
    """The sentence for ``problem`` in ``language`` (``en``: ``"page: must be at least 1"``;
    any other: ``"page：不能小于 1"``); an unknown code reads as ``invalid``."""
    english = language == "en"
    sentences = PROBLEM_CODES if english else PROBLEM_CODES_ZH
    template = sentences.get(problem.code, sentences["invalid"])
    try:
        text = template.format(**problem.params)
    except (KeyError, IndexError):
        text = template
    return f"{problem.field}{': ' if english else '：'}{text}"


def localize_problems(details: Mapping[str, Any], language: str) -> dict[str, Any]:
    """``details`` with the ``message`` of each of its ``problems`` in ``language`` (a
    problem given as something other than ``{"field", "code", "params"}`` is kept as it is)."""
    problems = details.get("problems")
    if not isinstance(problems, list):
        return dict(details)
    return {**details, "problems": [_localized(problem, language) for problem in problems]}


def _localized(problem: object, language: str) -> object:
    if not isinstance(problem, Mapping) or not isinstance(problem.get("code"), str):
        return problem
    params = problem.get("params")
    found = Problem(
        str(problem.get("field", "")),
        problem["code"],
        params if isinstance(params, Mapping) else {},
    )
    return {**problem, "message": describe(found, language)}


class InvalidInput(ValidationFailed):
    """Input refused by the validation layer; ``details["problems"]`` lists each problem as
    ``{"field", "code", "params", "message"}``."""

    default_message = "输入不合法 / Invalid input"

    def __init__(self, problems: Sequence[Problem], message: str | None = None):
        self.problems = tuple(problems)
        super().__init__(
            message,
            details={"problems": [{**p.as_dict(), "message": describe(p)} for p in problems]},
        )


def normalise_digits(text: str) -> str:
    """Full-width digits, minus and full stop to ASCII; everything else unchanged."""
    return text.translate(_FULL_WIDTH)


def parse_int(
    raw: str | None,
    name: str,
    *,
    minimum: int = INT64_MIN,
    maximum: int = INT64_MAX,
    default: int | None = None,
) -> int | None:
    """``raw`` text as an integer in ``[minimum, maximum]``; blank gives ``default``.

    Raises :class:`InvalidInput` (``not_an_integer``, ``too_small``, ``too_large``).
    """
    text = normalise_digits(raw or "").strip()
    if not text:
        return default
    digits = text.lstrip("-")
    if not _ASCII_INTEGER.fullmatch(text) or len(digits.lstrip("0")) > _MAX_INTEGER_DIGITS:
        raise InvalidInput([_integer_problem(name, text, minimum, maximum)])
    value = int(text)
    check_int(value, name, minimum=minimum, maximum=maximum)
    return value


def _integer_problem(name: str, text: str, minimum: int, maximum: int) -> Problem:
    if _ASCII_INTEGER.fullmatch(text):  # digits, but more than BIGINT holds
        if text.startswith("-"):
            return Problem(name, "too_small", {"min": minimum})
        return Problem(name, "too_large", {"max": maximum})
    return Problem(name, "not_an_integer")


def parse_id(raw: str | None, name: str) -> int | None:
    """A database id (1 … 2**63-1) from text; blank gives ``None``."""
    return parse_int(raw, name, minimum=1, maximum=INT64_MAX)


def check_int(value: int, name: str, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int:
    """``value`` itself, if within ``[minimum, maximum]``; else :class:`InvalidInput`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput([Problem(name, "not_an_integer")])
    if value < minimum:
        raise InvalidInput([Problem(name, "too_small", {"min": minimum})])
    if value > maximum:
        raise InvalidInput([Problem(name, "too_large", {"max": maximum})])
    return value


def parse_number(
    raw: str | None, name: str, *, minimum: float, maximum: float, default: float | None = None
) -> float | None:
    """A finite decimal number in ``[minimum, maximum]`` written in ASCII digits (no exponent)."""
    text = normalise_digits(raw or "").strip()
    if not text:
        return default
    if len(text) > 40 or not _ASCII_NUMBER.fullmatch(text):
        raise InvalidInput([Problem(name, "not_a_number")])
    return check_number(float(text), name, minimum=minimum, maximum=maximum)


def check_number(value: float, name: str, *, minimum: float, maximum: float) -> float:
    """``value`` itself if finite and within bounds; else :class:`InvalidInput`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput([Problem(name, "not_a_number")])
    if not math.isfinite(value):
        raise InvalidInput([Problem(name, "not_finite")])
    if value < minimum:
        raise InvalidInput([Problem(name, "too_small", {"min": minimum})])
    if value > maximum:
        raise InvalidInput([Problem(name, "too_large", {"max": maximum})])
    return value


def text_problems(
    value: str, name: str, *, max_length: int, multiline: bool = False
) -> list[Problem]:
    """What is wrong with ``value`` as text of at most ``max_length`` characters."""
    problems: list[Problem] = []
    if len(value) > max_length:
        problems.append(Problem(name, "too_long", {"max": max_length}))
    if _CONTROL.search(value):
        problems.append(Problem(name, "control_character"))
    elif not multiline and _LINE_BREAK.search(value):
        problems.append(Problem(name, "line_break"))
    return problems


def clean_text(
    raw: str | None, name: str, *, max_length: int, multiline: bool = False, required: bool = False
) -> str:
    """``raw`` stripped, refused when too long or holding control characters (and, unless
    ``multiline``, tabs or line breaks); blank and ``required`` → ``required``."""
    value = (raw or "").strip()
    if required and not value:
        raise InvalidInput([Problem(name, "required")])
    problems = text_problems(value, name, max_length=max_length, multiline=multiline)
    if problems:
        raise InvalidInput(problems)
    return value


def unknown_parameters(params: Iterable[str], known: Iterable[str]) -> list[Problem]:
    """A ``not_allowed`` problem for each parameter name not in ``known``: a mistyped filter
    is refused, never silently ignored."""
    return [Problem(name, "not_allowed") for name in sorted(set(params) - set(known))]


def refuse_control_characters(values: Iterable[tuple[str, str]]) -> None:
    """Refuse any ``(name, value)`` pair whose value holds a control character (a whole query
    string or form, before its fields are read one by one)."""
    problems = [
        Problem(name, "control_character") for name, value in values if _CONTROL.search(value)
    ]
    if problems:
        raise InvalidInput(problems)


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _single_line(value: str) -> str:
    _no_control_characters(value)
    if _LINE_BREAK.search(value):
        raise ValueError("must be a single line")
    return value


# Pydantic field types for schemas at the API and service boundaries.
Id = Annotated[int, Field(ge=1, le=INT64_MAX, strict=False)]
Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
Line = Annotated[str, AfterValidator(_single_line)]
Text = Annotated[str, AfterValidator(_no_control_characters)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]

# Pydantic's error types, as problem codes.
_PYDANTIC_CODES = {
    "missing": "required",
    "int_parsing": "not_an_integer",
    "int_type": "not_an_integer",
    "int_from_float": "not_an_integer",
    "float_parsing": "not_a_number",
    "float_type": "not_a_number",
    "finite_number": "not_finite",
    "greater_than_equal": "too_small",
    "greater_than": "too_small",
    "less_than_equal": "too_large",
    "less_than": "too_large",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_many_items",  # a collection's length; a string's: _STRING_LENGTH
    "too_short": "too_few_items",
    "duplicate": "duplicate",
    "json_invalid": "invalid_json",
    "enum": "not_a_choice",
    "literal_error": "not_a_choice",
    "string_pattern_mismatch": "invalid_format",
}
# Pydantic names a string's length constraint checked after a validator (``Annotated[str,
# AfterValidator(…), Field(min_length=…)]``) as it names a list's: the input tells them apart.
_STRING_LENGTH = {"too_long": "too_long", "too_short": "too_short"}
_PYDANTIC_PARAMS = {
    "ge": "min",
    "gt": "min",
    "le": "max",
    "lt": "max",
    "max_length": "max",
    "min_length": "min",
    "expected": "choices",
    "ids": "ids",
}


def problems_of(error: ValidationError) -> list[Problem]:
    """A pydantic :class:`ValidationError` as problems with stable codes."""
    return problems_from_errors(error.errors(include_url=False))


def problems_from_errors(errors: Sequence[Any]) -> list[Problem]:
    """Pydantic's (or FastAPI's request validation) error dicts as problems with stable codes;
    a field in the query, path, body or form is named without that prefix."""
    problems = []
    for item in errors:
        location = [str(part) for part in item.get("loc", ())]
        if location and location[0] in ("query", "path", "body", "form", "header", "cookie"):
            location = location[1:]
        name = ".".join(location) or "input"
        if item["type"] == "json_invalid":  # located at a character offset, not a field
            name = "body"
        context = item.get("ctx") or {}
        params = {
            _PYDANTIC_PARAMS[key]: value
            for key, value in context.items()
            if key in _PYDANTIC_PARAMS and isinstance(value, int | float | str)
        }
        code = _PYDANTIC_CODES.get(item["type"], "invalid")
        if item["type"] in _STRING_LENGTH and isinstance(item.get("input"), str):
            code = _STRING_LENGTH[item["type"]]
        if item["type"] == "value_error" and "control characters" in item.get("msg", ""):
            code = "control_character"
        elif item["type"] == "value_error" and "single line" in item.get("msg", ""):
            code = "line_break"
        elif item["type"] == "value_error" and "must not be zero" in item.get("msg", ""):
            code = "not_zero"
        problems.append(Problem(name, code, params))
    return problems


def invalid_input(error: ValidationError) -> InvalidInput:
    """A pydantic :class:`ValidationError` as the platform's :class:`InvalidInput`."""
    return InvalidInput(problems_of(error))
