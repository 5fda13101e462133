"""The validation layer of every boundary: BIGINT ids, ASCII digits, finite numbers, clean text."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from hive.platform.money import InvalidAmount, parse_yuan
from hive.platform.validation import (
    INT64_MAX,
    PROBLEM_CODES,
    PROBLEM_CODES_ZH,
    FiniteFloat,
    Id,
    InvalidInput,
    Line,
    Problem,
    clean_text,
    describe,
    localize_problems,
    parse_id,
    parse_int,
    parse_number,
    problems_of,
)


def codes(error: InvalidInput) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in error.problems]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("９２２３３７２０３６８５４７７５８０７", INT64_MAX),
        ("", None),
        ("0042", 42),
    ],
)
def test_ids_in_ascii_or_full_width_digits_are_read(raw: str, expected: int | None) -> None:
    assert parse_id(raw, "product_id") == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("9223372036854775808", "too_large"),
        ("99999999999999999999", "too_large"),
        ("0", "too_small"),
        ("-1", "too_small"),
        ("١٢٣", "not_an_integer"),  # Arabic-Indic digits
        ("𝟏𝟐", "not_an_integer"),  # mathematical digits
        ("²", "not_an_integer"),
        ("1e3", "not_an_integer"),
        ("1.0", "not_an_integer"),
        ("0x10", "not_an_integer"),
        ("1_000", "not_an_integer"),
    ],
)
def test_ids_outside_bigint_or_in_other_digits_are_refused(raw: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_id(raw, "product_id")
    assert codes(refused.value) == [("product_id", code)]


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_every_bigint_round_trips(value: int) -> None:
    assert parse_int(str(value), "n") == value


@pytest.mark.parametrize("raw", ["nan", "inf", "-inf", "1e309", "1e3", "Infinity", "١"])
def test_numbers_must_be_finite_decimals(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_number(raw, "latency_ms", minimum=0, maximum=60_000)
    assert refused.value.problems[0].code == "not_a_number"


def test_numbers_are_bounded() -> None:
    assert parse_number("12.5", "qps", minimum=0, maximum=100) == 12.5
    with pytest.raises(InvalidInput) as refused:
        parse_number("100.5", "qps", minimum=0, maximum=100)
    assert codes(refused.value) == [("qps", "too_large")]


@pytest.mark.parametrize(
    ("raw", "code"),
    [("a\x00b", "control_character"), ("a\x1bb", "control_character"), ("a\nb", "line_break")],
)
def test_text_with_control_characters_or_line_breaks_is_refused(raw: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text(raw, "name", max_length=10)
    assert codes(refused.value) == [("name", code)]


def test_text_length_is_bounded_and_multiline_allows_line_breaks() -> None:
    assert clean_text(" 手机\n笔记本 ", "remark", max_length=10, multiline=True) == "手机\n笔记本"
    with pytest.raises(InvalidInput) as refused:
        clean_text("x" * 11, "name", max_length=10)
    assert refused.value.problems[0].params == {"max": 10}
    with pytest.raises(InvalidInput) as refused:
        clean_text("  ", "name", max_length=10, required=True)
    assert codes(refused.value) == [("name", "required")]


class Form(BaseModel):
    product_id: Id
    name: Line
    ratio: FiniteFloat


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"product_id": 2**63, "name": "a", "ratio": 1}, ("product_id", "too_large")),
        ({"product_id": 1, "name": "a\x00", "ratio": 1}, ("name", "control_character")),
        ({"product_id": 1, "name": "a", "ratio": float("inf")}, ("ratio", "not_finite")),
        ({"product_id": "x", "name": "a", "ratio": 1}, ("product_id", "not_an_integer")),
    ],
)
def test_schema_types_refuse_the_same_kinds_with_the_same_codes(
    data: dict[str, object], expected: tuple[str, str]
) -> None:
    with pytest.raises(ValidationError) as refused:
        Form.model_validate(data)
    assert [(p.field, p.code) for p in problems_of(refused.value)] == [expected]


@pytest.mark.parametrize("raw", ["١٢٣", "𝟏𝟐𝟑", "1²", "１２３e1"])
def test_money_refuses_digits_other_than_ascii_and_full_width(raw: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_yuan(raw)


def test_money_reads_full_width_digits_as_chinese_input_methods_type_them() -> None:
    assert parse_yuan("１２３．４５") == 12345


def test_a_length_is_counted_in_characters_for_text_and_in_items_for_a_list() -> None:
    """Pydantic names a string's length checked after a validator as it names a list's
    (``too_short``): an empty billing note was told it needs "at least 1 item"."""

    class Form(BaseModel):
        note: Annotated[Line, Field(min_length=1, max_length=3)]
        tags: Annotated[list[int], Field(min_length=1, max_length=2)]

    def found(data: dict[str, object]) -> list[tuple[str, str]]:
        try:
            Form.model_validate(data)
        except ValidationError as error:
            return [(p.field, p.code) for p in problems_of(error)]
        return []

    assert found({"note": "", "tags": []}) == [("note", "too_short"), ("tags", "too_few_items")]
    assert found({"note": "abcd", "tags": [1, 2, 3]}) == [
        ("note", "too_long"),
        ("tags", "too_many_items"),
    ]


def test_every_problem_code_has_a_chinese_sentence_with_the_same_placeholders() -> None:
    assert PROBLEM_CODES_ZH.keys() == PROBLEM_CODES.keys()
    for code, english in PROBLEM_CODES.items():
        chinese = PROBLEM_CODES_ZH[code]
        assert re.findall(r"\{(\w+)\}", chinese) == re.findall(r"\{(\w+)\}", english), code
        assert re.search(r"[\u4e00-\u9fff]", chinese), code


def test_problems_are_described_in_the_language_asked_for() -> None:
    too_large = Problem("page", "too_large", {"max": 100})
    assert describe(too_large) == "page: must be at most 100"
    assert describe(too_large, "zh") == "page：不能大于 100"
    assert describe(Problem("x", "no_such_code"), "zh") == "x：不合法"
    details = {
        "problems": [too_large.as_dict() | {"message": "page: must be at most 100"}, "as it is"],
        "limit_fen": 5,
    }
    chinese = localize_problems(details, "zh")
    assert chinese == {
        "problems": [too_large.as_dict() | {"message": "page：不能大于 100"}, "as it is"],
        "limit_fen": 5,
    }
    assert localize_problems(chinese, "en") == details
    assert localize_problems({"limit_fen": 5}, "zh") == {"limit_fen": 5}
