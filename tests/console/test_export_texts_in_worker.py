"""Every export source's texts are there wherever its job runs: in a fresh process that
imports what the worker imports (its task modules, then the source's module, as
hive.console.export_jobs.source_of does) and no console page, each registered source's
header comes out in words in Chinese and in English, never as a raw text key."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from hive.console import export_jobs
from hive.domains import DOMAINS
from hive.platform.domains import routers

# What a worker does before it writes a file: its task modules, then the source's module.
WORKER = """
import importlib, json, sys
from hive.platform.jobs import TASK_MODULES
for module in TASK_MODULES:
    importlib.import_module(module)
from hive.console import export_jobs
from hive.console.i18n import translator
importlib.import_module(sys.argv[1])
headers = {name: {lang: [str(cell) for cell in source.header(translator(lang))]
                  for lang in ("zh", "en")}
           for name, source in export_jobs.SOURCES.items()}
print(json.dumps({"headers": headers,
                  "app": "hive.apps.hcm" in sys.modules}, ensure_ascii=False))
"""
# A text key as the catalogue names them: dotted lower-case words ("catalog.sku").
RAW_KEY = re.compile(r"\b[a-z][a-z0-9_]*(\.[a-z0-9_]+)+\b")


def _registered_sources() -> dict[str, str]:
    """Every export source of the application (name -> the module that registers it)."""
    routers(DOMAINS, "hcm")  # imports every page module, so every source registers
    return {
        name: module for name, module in export_jobs._MODULES.items() if module.startswith("hive.")
    }


def test_every_export_sources_header_is_in_words_in_a_worker_without_the_pages() -> None:
    sources = _registered_sources()
    assert "catalog.pool" in sources and "audit.log" in sources
    modules = sorted(set(sources.values()))
    # One fresh process a module, so no module's texts hide another's missing ones.
    running = {
        module: subprocess.Popen(
            [sys.executable, "-c", WORKER, module],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for module in modules
    }
    for module, process in running.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
        found = json.loads(out.strip().splitlines()[-1])
        assert found["app"] is False  # worker-like: no console application imported
        for name in [name for name, where in sources.items() if where == module]:
            for language, cells in found["headers"][name].items():
                raw = [cell for cell in cells if RAW_KEY.search(cell)]
                assert raw == [], (name, language, cells)
