"""Lists in the console: paging, sorting and filters, all in the page's URL.

A list page reads its query with :func:`read_table` (refusing an unknown sort, direction or a
page that is not a positive number with a translated problem, like any other input), asks its
service for one page and the total, and gives the template a :class:`Table`, which the
``_macros.html`` pager and sortable headings read::

    table = read_table(params, path=PATH, sorts=("id", "received_at"), default_sort="id")
    rows, total = await service.list_page(session, offset=..., limit=table.page_size, ...)
    table = table.with_total(total)     # a page past the end shows the last page

Every link keeps the other parameters of the URL (the current search and filters), so a
"back" link or a page change never loses them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from hive.console import i18n
from hive.platform.validation import InvalidInput, Problem, parse_int, unknown_parameters

DIRECTIONS = ("asc", "desc")
# Parameters every console page understands (the language of the answer).
ALWAYS_KNOWN = ("lang",)
# Parameters of a list's URL that page, sort or route it rather than choose its rows.
NOT_FILTERS = ("page", "sort", "direction", "fragment", "back", *ALWAYS_KNOWN)
MAX_PAGE = 10_000

i18n.extend(
    {
        "zh": {
            "table.paging": "分页",
            "table.previous": "上一页",
            "table.next": "下一页",
            "table.page": "第 {page} / {pages} 页",
            "table.total": "共 {total} 条",
            "table.total_capped": "超过 {total} 条",
            "table.empty": "没有符合条件的记录",
            "table.none_yet": "还没有记录",
            "table.no_match": "没有符合筛选条件的记录。",
            "table.clear_filters": "清除筛选条件",
            "field.direction": "排序方向",
            "field.sort": "排序",
        },
        "en": {
            "table.paging": "Pages",
            "table.previous": "Previous",
            "table.next": "Next",
            "table.page": "Page {page} of {pages}",
            "table.total": "{total} in all",
            "table.total_capped": "more than {total}",
            "table.empty": "Nothing matches",
            "table.none_yet": "Nothing here yet",
            "table.no_match": "No rows match these filters.",
            "table.clear_filters": "Clear the filters",
            "field.direction": "Sort direction",
            "field.sort": "Sort",
        },
    }
)


@dataclass(frozen=True, slots=True)
class Table:
    """One page of a list as the URL asks for it: ``page`` from 1, ``total`` rows in all
    (``total_capped`` when the count stopped early), the sort key and direction, and the other
    query parameters (``params``) every link keeps."""

    path: str
    params: Mapping[str, str]
    page: int = 1
    page_size: int = 20
    sort: str = ""
    direction: str = "desc"
    total: int = 0
    total_capped: bool = False
    default_sort: str = ""
    default_direction: str = "desc"
    sorts: tuple[str, ...] = field(default_factory=tuple)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def with_total(self, total: int, *, capped: bool = False) -> Table:
        """This table knowing its total; a page past the last becomes the last page."""
        counted = replace(self, total=max(0, total), total_capped=capped)
        return replace(counted, page=min(self.page, counted.pages))

    def link(self, **changes: object) -> str:
        """This list's address with ``changes``; a changed filter starts at page 1."""
        query = {**self.params, "page": 1, **changes}
        kept = {k: str(v) for k, v in query.items() if v is not None and v != ""}
        return f"{self.path}?{urlencode(kept)}"

    @property
    def filtered(self) -> bool:
        """Whether the URL narrows the rows (a search, a filter): an empty page then means
        "nothing matches", not "nothing yet"."""
        return any(str(v).strip() for k, v in self.params.items() if k not in NOT_FILTERS)

    def clear_link(self) -> str:
        """This list with no filters (its sort kept): every row again."""
        kept = {k: self.params[k] for k in ("sort", "direction") if self.params.get(k)}
        return f"{self.path}?{urlencode(kept)}" if kept else self.path

    def page_link(self, page: int) -> str:
        return self.link(page=page)

    def sort_state(self, key: str) -> str:
        return self.direction if key == self.sort else ""

    def sort_link(self, key: str) -> str:
        """Sort by ``key``: the other direction when it is the current key, else descending."""
        if key == self.sort:
            direction = "asc" if self.direction == "desc" else "desc"
        else:
            direction = self.default_direction
        return self.link(sort=key, direction=direction)


def read_table(
    params: Mapping[str, str],
    *,
    path: str,
    sorts: Sequence[str] = (),
    default_sort: str = "",
    default_direction: str = "desc",
    page_size: int = 20,
) -> Table:
    """The paging and sorting the URL asks for; raises :class:`InvalidInput` (``page``:
    ``not_an_integer``/``too_small``/``too_large``; ``sort``, ``direction``: ``not_a_choice``)."""
    problems: list[Problem] = []
    page = 1
    try:
        page = parse_int(params.get("page"), "page", minimum=1, maximum=MAX_PAGE, default=1) or 1
    except InvalidInput as error:
        problems.extend(error.problems)
    sort = params.get("sort", "").strip() or default_sort
    if sorts and sort not in sorts:
        problems.append(Problem("sort", "not_a_choice", {"choices": ", ".join(sorts)}))
    direction = params.get("direction", "").strip() or default_direction
    if direction not in DIRECTIONS:
        problems.append(Problem("direction", "not_a_choice", {"choices": ", ".join(DIRECTIONS)}))
    if problems:
        raise InvalidInput(problems)
    return Table(
        path=path,
        params=dict(params),
        page=page,
        page_size=page_size,
        sort=sort,
        direction=direction,
        default_sort=default_sort,
        default_direction=default_direction,
        sorts=tuple(sorts),
    )


def refuse_unknown(params: Mapping[str, str], known: Sequence[str]) -> None:
    """Refuse query parameters a list does not know (a mistyped filter is an error, not
    silently ignored): ``not_allowed`` for each."""
    unknown = unknown_parameters(params, [*known, *ALWAYS_KNOWN])
    if unknown:
        raise InvalidInput(unknown)
