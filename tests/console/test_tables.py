"""List conventions: paging, sorting and filters read from the URL, refused when unknown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hive.console.tables import Table, read_table, refuse_unknown
from hive.platform.validation import InvalidInput

PATH = "/admin/things"


def codes(error: InvalidInput) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in error.problems]


def test_defaults_and_links_keep_the_other_parameters() -> None:
    table = read_table(
        {"q": "手机", "page": "2"}, path=PATH, sorts=("id", "name"), default_sort="id"
    )
    assert (table.page, table.sort, table.direction) == (2, "id", "desc")
    assert table.page_link(3) == "/admin/things?q=%E6%89%8B%E6%9C%BA&page=3"
    assert (
        table.sort_link("id") == "/admin/things?q=%E6%89%8B%E6%9C%BA&page=1&sort=id&direction=asc"
    )
    assert table.sort_state("id") == "desc" and table.sort_state("name") == ""


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"page": "0"}, [("page", "too_small")]),
        ({"page": "abc"}, [("page", "not_an_integer")]),
        ({"sort": "password"}, [("sort", "not_a_choice")]),
        (
            {"direction": "sideways", "page": "-1"},
            [("page", "too_small"), ("direction", "not_a_choice")],
        ),
    ],
)
def test_bad_paging_or_sorting_is_refused_naming_the_field(
    params: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_table(params, path=PATH, sorts=("id",), default_sort="id")
    assert codes(refused.value) == expected


def test_unknown_filters_are_refused_not_ignored() -> None:
    refuse_unknown({"status": "x", "page": "1"}, ["status", "page"])
    with pytest.raises(InvalidInput) as refused:
        refuse_unknown({"colour": "red", "status": "x"}, ["status", "page"])
    assert codes(refused.value) == [("colour", "not_allowed")]


@given(page=st.integers(1, 10_000), size=st.integers(1, 100), total=st.integers(0, 10**6))
def test_the_page_shown_is_never_past_the_last(page: int, size: int, total: int) -> None:
    table = Table(path=PATH, params={}, page=page, page_size=size).with_total(total)
    assert 1 <= table.page <= table.pages
    assert table.pages == max(1, -(-total // size))
    assert table.offset == (table.page - 1) * size
