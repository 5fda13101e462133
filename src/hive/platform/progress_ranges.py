"""The resume cursor of a job that works through rows by id: which id ranges are done.

A long action that reads rows in id order (a full reprice, a pool calibration) covers one range
of ids per unit of work: ``(after, upto]``, every row with ``after < id <= upto``. Its progress
row (:mod:`hive.platform.progress`) keeps the ranges done so far, by *lane* (one per supplier
for a calibration, a single ``""`` lane for a reprice), merged, in the same transaction as the
unit's writes::

    {"ranges": {"12": [[0, 4200], [4500, 4800]]}}

Units that run side by side may end out of order (the calibration's concurrent batches): a
range beyond a gap is kept as it is until the gap closes. A job run again after its worker died
goes on from :func:`resume_after` (every id up to it is done) and passes over the ids
:func:`is_done` says a later range already covers, so no unit is done twice and ``done`` only
grows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RANGES = "ranges"


@dataclass(frozen=True, slots=True)
class IdRange:
    """The rows of ``lane`` with ``after < id <= upto``: one unit of work, done."""

    lane: str
    after: int
    upto: int


def ranges_of(cursor: Mapping[str, Any] | None, lane: str) -> list[tuple[int, int]]:
    """The merged ranges of ``lane`` done so far, in id order."""
    found = ((cursor or {}).get(RANGES) or {}).get(lane) or []
    return [(int(low), int(high)) for low, high in found]


def with_range(cursor: Mapping[str, Any] | None, done: IdRange) -> dict[str, Any]:
    """``cursor`` with the range ``done`` merged into its lane (other keys kept)."""
    if done.upto < done.after:
        raise ValueError(f"an empty range: {done}")
    lanes = dict((cursor or {}).get(RANGES) or {})
    merged = _merged([*ranges_of(cursor, done.lane), (done.after, done.upto)])
    lanes[done.lane] = [[low, high] for low, high in merged]
    return {**(cursor or {}), RANGES: lanes}


def resume_after(cursor: Mapping[str, Any] | None, lane: str) -> int:
    """The id up to which every row of ``lane`` is done (0: none is)."""
    return done_through(ranges_of(cursor, lane))


def done_through(ranges: Sequence[tuple[int, int]]) -> int:
    """The id up to which merged ``ranges`` cover every row from the first (0: not even that)."""
    return ranges[0][1] if ranges and ranges[0][0] <= 0 else 0


def is_done(ranges: Sequence[tuple[int, int]], row_id: int) -> bool:
    """Whether a range done covers ``row_id``."""
    return any(low < row_id <= high for low, high in ranges)


def _merged(ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges that overlap or touch (``(a, b]`` and ``(b, c]``) joined, in id order."""
    result: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if result and low <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], high))
        else:
            result.append((low, high))
    return result
