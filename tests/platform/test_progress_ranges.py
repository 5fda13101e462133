"""The resume cursor of id-ordered jobs: ranges merge whatever order units end in, the resume
point is the end of the first unbroken run from id 0, and lanes stay apart."""

from __future__ import annotations

import pytest

from hive.platform.progress_ranges import (
    IdRange,
    done_through,
    is_done,
    ranges_of,
    resume_after,
    with_range,
)


def test_ranges_ending_out_of_order_merge_once_the_gap_closes() -> None:
    cursor = with_range({}, IdRange("7", 0, 100))
    cursor = with_range(cursor, IdRange("7", 200, 300))  # the third batch before the second
    assert ranges_of(cursor, "7") == [(0, 100), (200, 300)]
    assert resume_after(cursor, "7") == 100
    assert [is_done(ranges_of(cursor, "7"), i) for i in (100, 101, 200, 201, 300, 301)] == [
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    cursor = with_range(cursor, IdRange("7", 100, 200))
    assert cursor == {"ranges": {"7": [[0, 300]]}}
    assert resume_after(cursor, "7") == 300


def test_lanes_and_other_keys_are_kept_apart() -> None:
    cursor = with_range({"page": 3}, IdRange("1", 0, 50))
    cursor = with_range(cursor, IdRange("2", 40, 90))
    assert cursor["page"] == 3
    assert resume_after(cursor, "1") == 50
    assert resume_after(cursor, "2") == 0  # nothing from the start of lane 2 is done
    assert resume_after(cursor, "3") == 0 and ranges_of(None, "1") == []


def test_overlapping_ranges_join_and_an_empty_one_is_refused() -> None:
    cursor = with_range({}, IdRange("", 10, 30))
    cursor = with_range(cursor, IdRange("", 0, 20))
    cursor = with_range(cursor, IdRange("", 30, 30))
    assert ranges_of(cursor, "") == [(0, 30)]
    assert done_through([(5, 9)]) == 0 and done_through([]) == 0
    with pytest.raises(ValueError, match="empty"):
        with_range(cursor, IdRange("", 40, 39))
