from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hive.platform.money import (
    MAX_ABS_FEN,
    InvalidAmount,
    format_yuan,
    parse_yuan,
    split_largest_remainder,
    to_fen,
    yuan_to_fen_lenient,
)

fen_amounts = st.integers(min_value=0, max_value=MAX_ABS_FEN)
weights = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=50).filter(
    lambda ws: sum(ws) > 0
)


@given(total=fen_amounts, parts_weights=weights)
def test_split_parts_always_sum_to_the_whole_and_are_never_negative(
    total: int, parts_weights: list[int]
) -> None:
    parts = split_largest_remainder(total, parts_weights)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    assert len(parts) == len(parts_weights)


@given(total=fen_amounts, parts_weights=weights)
def test_split_parts_stay_within_one_fen_of_the_exact_share(
    total: int, parts_weights: list[int]
) -> None:
    parts = split_largest_remainder(total, parts_weights)
    weight_sum = sum(parts_weights)
    for part, weight in zip(parts, parts_weights, strict=True):
        exact = Decimal(total) * weight / weight_sum
        assert abs(Decimal(part) - exact) < 1
        if weight == 0:
            assert part == 0


def test_split_gives_leftover_fen_to_the_largest_remainders() -> None:
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert split_largest_remainder(10, [3, 3, 4]) == [3, 3, 4]
    assert split_largest_remainder(1, [1, 2]) == [0, 1]


@pytest.mark.parametrize(
    ("total", "parts_weights"), [(-1, [1]), (10, []), (10, [0, 0]), (10, [1, -1])]
)
def test_split_refuses_impossible_input(total: int, parts_weights: list[int]) -> None:
    with pytest.raises(InvalidAmount):
        split_largest_remainder(total, parts_weights)


@given(fen=st.integers(min_value=-MAX_ABS_FEN, max_value=MAX_ABS_FEN))
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_yuan(format_yuan(fen), allow_negative=True) == fen


@pytest.mark.parametrize(
    ("text", "fen"),
    [("0", 0), ("12", 1200), ("12.3", 1230), ("12.30", 1230), ("0.01", 1), (" 7.5 ", 750)],
)
def test_parse_yuan_accepts_plain_amounts(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "abc",
        "1.234",
        "1e3",
        "1,000.00",
        "+5",
        ".5",
        "5.",
        "NaN",
        "Infinity",
        "-1",
        "12345678901234",
    ],
)
def test_parse_yuan_refuses_anything_else(text: str) -> None:
    with pytest.raises(InvalidAmount) as raised:
        parse_yuan(text)
    assert raised.value.code == "invalid_amount"


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [("0.005", 1), ("0.004", 0), ("1.115", 112), ("-0.005", -1), ("2.675", 268)],
)
def test_to_fen_rounds_half_up_once(yuan: str, fen: int) -> None:
    assert to_fen(Decimal(yuan)) == fen


def test_supplier_values_convert_from_strings_and_numbers() -> None:
    assert yuan_to_fen_lenient("39.90") == 3990
    assert yuan_to_fen_lenient(39.9) == 3990
    assert yuan_to_fen_lenient(12) == 1200
    for bad in ("", "abc", True, "inf"):
        with pytest.raises(InvalidAmount):
            yuan_to_fen_lenient(bad)  # type: ignore[arg-type]


def _message_of(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(InvalidAmount) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    assert raised.value.code == "invalid_amount" and raised.value.http_status == 422
    return raised.value.message


def test_each_refusal_says_what_was_wrong() -> None:
    assert _message_of(parse_yuan, "1.234") == (
        "not a yuan amount with at most 2 decimals: '1.234'"
    )
    assert _message_of(parse_yuan, "-1") == "amount must not be negative: '-1'"
    assert _message_of(parse_yuan, 12) == "not a yuan amount with at most 2 decimals: 12"
    assert _message_of(parse_yuan, None) == "not a yuan amount with at most 2 decimals: None"
    assert _message_of(yuan_to_fen_lenient, True) == "not an amount: True"
    assert _message_of(yuan_to_fen_lenient, "abc") == "not an amount: 'abc'"
    assert _message_of(to_fen, Decimal("NaN")) == "amount is not a finite number: NaN"
    assert _message_of(split_largest_remainder, -1, [1]) == "total to split must not be negative"
    assert _message_of(split_largest_remainder, 10, []) == "nothing to split among"
    assert _message_of(split_largest_remainder, 10, [1, -1]) == (
        "split weights must not be negative"
    )
    assert _message_of(split_largest_remainder, 10, [0, 0]) == (
        "split weights must not all be zero"
    )


def test_amounts_up_to_the_limit_are_accepted_and_beyond_it_refused() -> None:
    assert to_fen(Decimal(MAX_ABS_FEN) / 100) == MAX_ABS_FEN
    assert to_fen(-Decimal(MAX_ABS_FEN) / 100) == -MAX_ABS_FEN
    over = Decimal(MAX_ABS_FEN + 1) / 100
    assert _message_of(to_fen, over) == f"amount out of range: {MAX_ABS_FEN + 1} fen"
    assert _message_of(to_fen, -over) == f"amount out of range: {-MAX_ABS_FEN - 1} fen"


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (5, "0.05"), (1, "0.01"), (1234, "12.34"), (-5, "-0.05"), (-100, "-1.00")],
)
def test_format_yuan_known_values(fen: int, text: str) -> None:
    assert format_yuan(fen) == text  # zero has no sign
