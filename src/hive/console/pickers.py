"""Data for the category and area pickers (``_macros.html``: ``category_picker``,
``province_select``): a tree of named nodes, searchable in the page by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class PickerNode:
    """One choice: its id (the value submitted), its name, the names on the way to it (shown
    when the tree is filtered) and its children."""

    id: int
    name: str
    path: str
    children: list[PickerNode] = field(default_factory=list)


def tree(rows: Iterable[tuple[int, int | None, str]]) -> list[PickerNode]:
    """The roots of the tree of ``(id, parent id, name)`` rows (any order; a row whose parent
    is missing becomes a root)."""
    listed = list(rows)
    nodes = {row_id: PickerNode(row_id, name, name) for row_id, _parent, name in listed}
    roots: list[PickerNode] = []
    for row_id, parent, _name in listed:
        node = nodes[row_id]
        if parent is not None and parent in nodes:
            nodes[parent].children.append(node)
        else:
            roots.append(node)
    _set_paths(roots, "")
    return roots


def _set_paths(nodes: list[PickerNode], prefix: str) -> None:
    for node in nodes:
        node.path = f"{prefix} › {node.name}" if prefix else node.name
        _set_paths(node.children, node.path)


def label_of(roots: Iterable[PickerNode], chosen: str | int | None) -> str:
    """The full path of the chosen id, or ``""``."""
    stack = list(roots)
    while stack:
        node = stack.pop()
        if str(node.id) == str(chosen):
            return node.path
        stack.extend(node.children)
    return ""
