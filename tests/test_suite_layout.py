"""Test modules outside packages are imported by their file name alone, so two of them with the
same name make pytest refuse to collect the second (a whole file of tests silently missing
from a run that reports "errors" only at the end)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).parent


def _imported_by_basename(path: Path) -> bool:
    return not (path.parent / "__init__.py").exists() or path.parent == TESTS


def test_test_modules_outside_packages_have_unique_names() -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        if _imported_by_basename(path):
            seen[path.name].append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
