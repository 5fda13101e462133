"""Money is integer fen. These helpers are the only place yuan and fen meet.

* ``to_fen`` rounds a ``Decimal`` yuan amount half-up to fen, once.
* ``parse_yuan`` turns outside text ("12.30", "12", "-0.5") into fen, refusing anything else.
* ``format_yuan`` prints fen as a plain yuan number with two decimals ("12345.67"): the value
  of a form field, a link's price filter, an export cell. It is what ``parse_yuan`` reads back.
* ``format_money`` prints fen as every page shows an amount ("¥12,345.67", "-¥12.50"): the
  unit in the value, thousands grouped by commas.
* ``format_money_exact`` shows a fractional fen amount (a pricing step) the same way, exactly.
* ``split_largest_remainder`` divides a whole among parties so the parts add up exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hive.platform.errors import ValidationFailed
from hive.platform.validation import normalise_digits

FEN_PER_YUAN = 100
CURRENCY_SIGN = "¥"
# Above any real amount (one trillion yuan) yet far inside BIGINT, so sums cannot overflow.
MAX_ABS_FEN = 10**14

# ASCII digits only: ``\d`` would also match Arabic-Indic or mathematical digits.
_YUAN_PATTERN = re.compile(
    r"(?P<sign>-)?(?P<whole>[0-9]{1,13})(?:\.(?P<frac>[0-9]{1,2}))?", re.ASCII
)


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"
    default_message = "金额格式不正确 / Invalid amount"


def to_fen(yuan: Decimal) -> int:
    """Round a yuan ``Decimal`` half-up to integer fen."""
    if not yuan.is_finite():
        raise InvalidAmount(f"amount is not a finite number: {yuan}")
    fen = int(yuan.scaleb(2).to_integral_value(rounding=ROUND_HALF_UP))  # yuan → fen, half-up
    _check_range(fen)
    return fen


def parse_yuan(text: str, *, allow_negative: bool = False) -> int:
    """Parse a yuan string with at most two decimals into fen.

    Full-width digits (as Chinese input methods type them) are read as ASCII digits; any other
    digit (Arabic-Indic, mathematical …), exponents, thousands separators, more than two
    decimals, blanks and out-of-range values are refused with :class:`InvalidAmount` rather
    than guessed.
    """
    match = (
        _YUAN_PATTERN.fullmatch(normalise_digits(text).strip()) if isinstance(text, str) else None
    )
    if match is None:
        raise InvalidAmount(f"not a yuan amount with at most 2 decimals: {text!r}")
    if match["sign"] and not allow_negative:
        raise InvalidAmount(f"amount must not be negative: {text!r}")
    fen = int(match["whole"]) * FEN_PER_YUAN + int((match["frac"] or "0").ljust(2, "0"))
    fen = -fen if match["sign"] else fen
    _check_range(fen)
    return fen


def yuan_to_fen_lenient(value: str | int | float | Decimal) -> int:
    """Convert a supplier's yuan value (string or JSON number) to fen, half-up.

    Suppliers sometimes send numbers with more than two decimals; those are rounded once here.
    """
    if isinstance(value, bool):
        raise InvalidAmount(f"not an amount: {value!r}")
    try:
        yuan = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidAmount(f"not an amount: {value!r}") from None
    return to_fen(yuan)


def format_yuan(fen: int) -> str:
    """``1234`` → ``"12.34"``; ``-5`` → ``"-0.05"``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def format_money(fen: int) -> str:
    """An amount as the pages show it: ``1234567`` → ``"¥12,345.67"``; ``-1250`` → ``"-¥12.50"``.

    The minus goes before the currency sign (as Excel's and most Chinese finance software's
    ¥ formats print it), so a column of amounts keeps its digits aligned and a negative is never
    read as a hyphenated label. Not for form fields: :func:`parse_yuan` refuses the sign and
    the separators, on purpose (a typed "1,234" could be a European 1.234).
    """
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{CURRENCY_SIGN}{whole:,}.{cents:02d}"


def format_money_exact(fen: Decimal) -> str:
    """An exact amount of fen that may hold fractions of a fen (a pricing step before its
    rounding) in the display format, with as many decimals as it needs and at least two:
    ``Decimal("370475.125")`` → ``"¥3,704.75125"``."""
    sign = "-" if fen < 0 else ""
    whole, _, fraction = format(abs(fen).scaleb(-2).normalize(), "f").partition(".")
    return f"{sign}{CURRENCY_SIGN}{int(whole):,}.{fraction.ljust(2, '0')}"


def split_largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` fen in proportion to ``weights`` so the parts sum to ``total`` exactly.

    Each part gets the floor of its exact share; the fen left over go one each to the parts with
    the largest remainders (ties: the earlier part). ``total`` and every weight must be
    non-negative, and at least one weight positive, so no part is ever negative.
    """
    if total < 0:
        raise InvalidAmount("total to split must not be negative")
    if not weights:
        raise InvalidAmount("nothing to split among")
    if any(w < 0 for w in weights):
        raise InvalidAmount("split weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise InvalidAmount("split weights must not all be zero")
    shares = [divmod(total * w, weight_sum) for w in weights]
    parts = [quotient for quotient, _ in shares]
    leftover = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for index in by_remainder[:leftover]:
        parts[index] += 1
    return parts


def _check_range(fen: int) -> None:
    if abs(fen) > MAX_ABS_FEN:
        raise InvalidAmount(f"amount out of range: {fen} fen")
