"""The one display format of money on every page: ``¥12,345.67``, ``-¥12.50``; and the plain
yuan number of a form field, which the parser reads back (and which it alone accepts)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hive.platform.money import (
    MAX_ABS_FEN,
    InvalidAmount,
    format_money,
    format_money_exact,
    format_yuan,
    parse_yuan,
)

DISPLAY = re.compile(r"-?¥(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})*)\.[0-9]{2}")


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (1, "¥0.01"),
        (99, "¥0.99"),
        (100, "¥1.00"),
        (99_999, "¥999.99"),
        (100_000, "¥1,000.00"),
        (1_234_567, "¥12,345.67"),
        (370_475, "¥3,704.75"),
        (100_000_000_000, "¥1,000,000,000.00"),
        (-5, "-¥0.05"),
        (-1250, "-¥12.50"),
        (-123_456_789, "-¥1,234,567.89"),
    ],
)
def test_format_money_known_values(fen: int, text: str) -> None:
    assert format_money(fen) == text


@given(fen=st.integers(min_value=-MAX_ABS_FEN, max_value=MAX_ABS_FEN))
def test_every_amount_prints_in_the_display_format(fen: int) -> None:
    shown = format_money(fen)
    assert DISPLAY.fullmatch(shown), shown
    assert shown.startswith("-") == (fen < 0)


@given(fen=st.integers(min_value=0, max_value=MAX_ABS_FEN))
def test_display_round_trips_through_the_parser_once_unit_and_separators_go(fen: int) -> None:
    """What a user copies from a page, with ¥ and the commas taken out, is what the form
    field holds (``format_yuan``) and parses back to the same fen."""
    plain = format_money(fen).removeprefix("¥").replace(",", "")
    assert plain == format_yuan(fen)
    assert parse_yuan(plain) == fen


@given(fen=st.integers(min_value=0, max_value=MAX_ABS_FEN))
def test_the_parser_refuses_the_display_form(fen: int) -> None:
    """Form fields take plain numbers only: a pasted "¥1,234.00" is refused, not guessed."""
    with pytest.raises(InvalidAmount):
        parse_yuan(format_money(fen))
    with pytest.raises(InvalidAmount):
        parse_yuan(f"{fen // 100 + 1000:,}.00")  # always grouped


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        ("370475.125", "¥3,704.75125"),
        ("0", "¥0.00"),
        ("1", "¥0.01"),
        ("100000", "¥1,000.00"),
        ("123456789.5", "¥1,234,567.895"),
        ("12.3456", "¥0.123456"),
        ("100.000", "¥1.00"),  # trailing zeros are not decimals it needs
        ("1E+5", "¥1,000.00"),
        ("-0.5", "-¥0.005"),
        ("-1250", "-¥12.50"),
    ],
)
def test_format_money_exact_known_values(fen: str, text: str) -> None:
    """A pricing step's exact amount: as many decimals as it needs, at least two."""
    assert format_money_exact(Decimal(fen)) == text


@given(fen=st.integers(min_value=-MAX_ABS_FEN, max_value=MAX_ABS_FEN))
def test_a_whole_number_of_fen_prints_exactly_as_format_money_does(fen: int) -> None:
    assert format_money_exact(Decimal(fen)) == format_money(fen)
