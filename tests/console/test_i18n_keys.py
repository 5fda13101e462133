"""One catalogue key, one text: every page module's texts join the shared catalogue on import
(``i18n.extend``), and a key two modules define with different texts is refused there, since
whichever module was imported last would otherwise decide what every page shows (``field.name``
was "名称" on every form, or "应用名称" once the Open API apps page had been imported)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import hive
from hive.console import i18n


def _page_modules() -> list[str]:
    """Every module of the package that adds texts to the catalogue."""
    found = []
    for module in pkgutil.walk_packages(hive.__path__, "hive."):
        if module.ispkg:
            continue
        path = Path(hive.__path__[0], *module.name.split(".")[1:]).with_suffix(".py")
        if "extend(" in path.read_text(encoding="utf-8"):
            found.append(module.name)
    return found


def test_every_page_module_joins_the_catalogue_without_a_clash() -> None:
    modules = _page_modules()
    assert "hive.openapi.workbench" in modules and "hive.console.error_pages" in modules
    for name in modules:
        importlib.import_module(name)  # an import clashing with an earlier one raises
    assert i18n.translator("zh")("field.name") == "名称"
    assert i18n.translator("en")("field.name") == "Name"


def test_a_key_defined_again_with_another_text_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "MESSAGES", {"zh": {"field.name": "名称"}})
    i18n.extend({"zh": {"field.name": "名称", "field.other": "其他"}})  # the same text: fine
    with pytest.raises(ValueError, match=r"field\.name"):
        i18n.extend({"zh": {"field.name": "应用名称"}})
    assert i18n.MESSAGES["zh"]["field.name"] == "名称"
