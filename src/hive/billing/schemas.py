"""Input shapes of the billing domain (console forms, the CLI and the order chain)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hive.platform.money import MAX_ABS_FEN
from hive.platform.validation import Id, Line

# An order or sub-order number, or any other key the order chain freezes money under.
REFERENCE_PATTERN = r"^[A-Za-z0-9_:.\-]{1,64}$"
NOTE_MAX = 200

Reference = Annotated[str, Field(pattern=REFERENCE_PATTERN)]
Note = Annotated[Line, Field(min_length=1, max_length=NOTE_MAX)]
PositiveFen = Annotated[int, Field(ge=1, le=MAX_ABS_FEN, strict=True)]


def _not_zero(value: int) -> int:
    if value == 0:
        raise ValueError("must not be zero")
    return value


class TopUp(BaseModel):
    """Money received from the tenant onto its prepaid balance (fen, > 0)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    tenant_id: Id
    amount_fen: PositiveFen
    note: Note


class Adjustment(BaseModel):
    """A correction of the prepaid balance by finance: ``amount_fen`` signed, never zero."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    tenant_id: Id
    amount_fen: Annotated[
        int, Field(ge=-MAX_ABS_FEN, le=MAX_ABS_FEN, strict=True), AfterValidator(_not_zero)
    ]
    note: Note


class CreditLimit(BaseModel):
    """The tenant's credit line (fen, 0 closes it for new orders)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    tenant_id: Id
    limit_fen: Annotated[int, Field(ge=0, le=MAX_ABS_FEN, strict=True)]
    note: Note
