"""Mutation testing of the modules where a silent bug costs money or data (``make mutation``).

The scope is ``[tool.mutmut]`` in pyproject.toml: each ``only_mutate`` pattern is one module of
the report, and ``pytest_add_cli_args_test_selection`` names the tests that exercise them. mutmut
runs that selection once to learn which tests call which function, then runs, for each mutant,
only the tests that called the mutated function.

This script starts one embedded PostgreSQL and migrates one template database for the whole
run (every one of the short per-mutant test runs clones it instead of migrating its own), runs
``mutmut run``, and prints the share of mutants killed per module and overall::

    RESULT mutation src/hive/platform/money.py: killed=<pct>% (<killed>/<mutants>; …) goal >= 90 met
    RESULT mutation: killed=<pct>% (<killed>/<mutants>; …) goal >= 90 met|not met

A mutant counts as killed when a test failed with it or its test run overran mutmut's time
limit (an endless loop would hang the suite too; the line then says ``<n> of them by time
limit``); survivors and mutants no test reached count against the goal. The exit status is
1 when any module misses the goal. The survivors are listed with ``mutmut results`` and
shown with ``mutmut show NAME``; docs/testing.md says why each remaining one is left.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the tests' database helpers

from hive.platform.database_server import release_embedded, start_embedded  # noqa: E402
from tests.support.databases import prepare_template  # noqa: E402

GOAL_PERCENT = 90.0
STOP_GRACE_S = 10.0
DETECTED = frozenset({"killed", "timeout", "segfault"})  # segfault: SIGKILL after the time limit
MUTMUT = Path(sys.executable).parent / "mutmut"
# "hive.platform.money.x_to_fen__mutmut_3", "hive.x.y.xǁClassǁmethod__mutmut_1"
_RESULT_LINE = re.compile(r"^\s*(?P<name>[\w.ǁ]+__mutmut_\d+): (?P<status>.+)$")
_MODULE = re.compile(r"^(?P<module>[\w.]+?)\.x[_ǁ]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-children", type=int, default=2, help="mutants tested at once")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the previous run's results (mutants/); with --module, test only the "
        "module's mutants not checked yet (a stopped run goes on where it was)",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="only report the last run's results"
    )
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        metavar="PATH",
        help="test only this module's mutants (an only_mutate pattern or a file it matches, "
        "e.g. src/hive/platform/money.py; repeatable); keeps the other modules' results",
    )
    parser.add_argument(
        "names", nargs="*", help='mutants to test, e.g. "hive.platform.money.x*" (default: all)'
    )
    args = parser.parse_args()
    # Stopped from outside: unwind, so mutmut saves its results and the server stops.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.chdir(REPO)
    patterns = _scope()
    names = [*args.names, *_module_names(args.module, patterns, unchecked_only=args.resume)]
    if args.module and not names:
        print("every mutant of the module has a result already", file=sys.stderr)
    elif not args.report_only:
        if args.resume or names:
            _drop_stale_copies()
        else:
            shutil.rmtree(REPO / "mutants", ignore_errors=True)
        status = _run_mutmut(args.max_children, names)
        if status != 0:
            print(f"mutmut run exited with {status}", file=sys.stderr)
    reported = [p for p in patterns if _selected(p, args.module)] if args.module else patterns
    return _report(reported, _results(), overall=not args.module)


def _scope() -> list[str]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mutmut"]
    patterns: list[str] = config["only_mutate"]
    for pattern in patterns:
        if not any(fnmatch.fnmatch(str(p.relative_to(REPO)), pattern) for p in _sources()):
            raise SystemExit(f"only_mutate pattern matches no file (moved?): {pattern}")
    return patterns


def _sources() -> list[Path]:
    return sorted((REPO / "src").rglob("*.py"))


def mutant_glob(module: str, patterns: list[str]) -> str:
    """The mutmut name pattern of the mutants of ``module`` — a file (src/hive/x/y.py) or an
    ``only_mutate`` pattern (src/hive/x/*) — refused unless it is in the scope.

    mutmut names a mutant ``<dotted module>.x_<function>__mutmut_<n>`` or
    ``<dotted module>.xǁ<Class>ǁ<method>__mutmut_<n>``, so a file's mutants are
    ``<dotted module>.x*`` (not ``<dotted module>*``, which would also take hive.x.y_z).
    """
    module = module.removeprefix("./")
    in_scope = module in patterns or (
        module.endswith(".py")
        and (REPO / module).is_file()
        and any(fnmatch.fnmatch(module, p) for p in patterns)
    )
    if not in_scope or not module.startswith("src/"):
        raise SystemExit(f"--module {module}: not a file or pattern of [tool.mutmut] only_mutate")
    dotted = module.removeprefix("src/").replace("/", ".")
    if dotted.endswith(".py"):
        return dotted.removesuffix(".py") + ".x*"
    return dotted  # a package's pattern: hive.suppliers.resilience.*


def _module_names(modules: list[str], patterns: list[str], *, unchecked_only: bool) -> list[str]:
    """What to name to mutmut for ``modules``: their name patterns, or with ``unchecked_only``
    (and a previous run's results) the names of their mutants not checked yet.

    mutmut tests again every mutant named on its command line, result or not, so a pattern
    would start a stopped module's run from its first mutant."""
    globs = [mutant_glob(module, patterns) for module in modules]
    if not (unchecked_only and globs and (REPO / "mutants").is_dir()):
        return globs
    return [
        name
        for name, status in _results().items()
        if status == "not checked" and any(fnmatch.fnmatchcase(name, g) for g in globs)
    ]


def _selected(pattern: str, modules: list[str]) -> bool:
    """Whether a run of ``modules`` tested (some of) ``pattern``'s mutants."""
    return any(m == pattern or fnmatch.fnmatch(m, pattern) for m in modules)


def _drop_stale_copies() -> None:
    """Before a run that keeps ``mutants/``: remove from it what is stale.

    mutmut rewrites every Python source file of ``src/`` on each run, but copies a non-Python
    file (a template) only when the copy is missing, merges ``tests/`` into the old copy, and
    never deletes: a test file or module removed or moved since (a rebase) stays in the copy,
    is collected with the selected test directories, and a test run against a stale template
    fails. A named run then stopped at mutmut's stats collection ("failed to collect stats")
    while a clean run worked. The copy of ``tests/`` is rebuilt, and copies of files that are
    gone from ``src/`` or differ from it are removed (mutmut copies them again); mutmut's own
    results (``*.meta``, the stats) and the mutated files stay.
    """
    copy = REPO / "mutants"
    if not copy.is_dir():
        return
    shutil.rmtree(copy / "tests", ignore_errors=True)
    for path in sorted((copy / "src").rglob("*")):
        if not path.is_file() or path.suffix == ".meta" or "__pycache__" in path.parts:
            continue
        original = REPO / path.relative_to(copy)
        gone = not original.exists()
        if gone or (path.suffix != ".py" and original.read_bytes() != path.read_bytes()):
            path.unlink()


def _run_mutmut(max_children: int, names: list[str]) -> int:
    """``mutmut run`` against one embedded PostgreSQL with one migrated template."""
    pgdata = REPO / ".hive" / "mutation-pgdata"
    server = start_embedded(pgdata)
    try:
        admin_url = server.get_uri("postgres")
        template = f"hive_tmpl_mut_{uuid.uuid4().hex[:8]}"
        prepare_template(admin_url, template)
        env = {**os.environ, "HIVE_TEST_DATABASE_URL": admin_url, "HIVE_TEST_TEMPLATE": template}
        command = [str(MUTMUT), "run", "--max-children", str(max_children), *names]
        with subprocess.Popen(command, env=env) as mutmut:
            try:
                return mutmut.wait()
            finally:
                if mutmut.poll() is None:  # stopped from outside: mutmut records what it did
                    mutmut.send_signal(signal.SIGINT)
                    mutmut.wait()
    finally:
        release_embedded(pgdata, STOP_GRACE_S)


def _results() -> dict[str, str]:
    """Every mutant's status by name, as mutmut recorded it."""
    out = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    statuses = {}
    for line in out.splitlines():
        match = _RESULT_LINE.match(line)
        if match:
            statuses[match["name"]] = match["status"]
    return statuses


def _module_path(mutant: str) -> str:
    match = _MODULE.match(mutant)
    if match is None:
        raise SystemExit(f"cannot tell the module of mutant {mutant}")
    base = REPO / "src" / Path(*match["module"].split("."))
    path = base.with_suffix(".py") if base.with_suffix(".py").exists() else base / "__init__.py"
    return str(path.relative_to(REPO))


def _report(patterns: list[str], statuses: dict[str, str], *, overall: bool = True) -> int:
    by_pattern: dict[str, Counter[str]] = {pattern: Counter() for pattern in patterns}
    reported = {}
    for mutant, status in statuses.items():
        path = _module_path(mutant)
        pattern = next((p for p in patterns if fnmatch.fnmatch(path, p)), None)
        if pattern is not None:
            by_pattern[pattern][status] += 1
            reported[mutant] = status
    statuses = reported
    survivors = sorted(m for m, s in statuses.items() if s not in DETECTED | {"not checked"})
    if survivors:
        print(f"\n{len(survivors)} mutants not killed (mutmut show NAME shows one):")
        for mutant in survivors:
            print(f"  {mutant}: {statuses[mutant]}")
    print()
    met_all = True
    total: Counter[str] = Counter()
    for pattern, counts in by_pattern.items():
        total += counts
        met_all &= _result_line(f"mutation {pattern}", counts)
    if overall:
        met_all &= _result_line("mutation", total)
    return 0 if met_all else 1


def _result_line(label: str, counts: Counter[str]) -> bool:
    mutants = sum(counts.values())
    killed = sum(n for status, n in counts.items() if status in DETECTED)
    percent = 100.0 * killed / mutants if mutants else 0.0
    met = mutants > 0 and percent >= GOAL_PERCENT
    # Detected by overrunning the time limit rather than by a failing test: said apart, since
    # on a loaded machine a slow but correct run can overrun it too.
    timed_out = sum(n for status, n in counts.items() if status in DETECTED - {"killed"})
    by_time = f", {timed_out} of them by time limit" if timed_out else ""
    others = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in DETECTED)
    detail = f" ({killed}/{mutants}{by_time}{'; ' + others if others else ''})"
    goal = f"goal >= {GOAL_PERCENT:.0f} {'met' if met else 'not met'}"
    print(f"RESULT {label}: killed={percent:.1f}%{detail} {goal}")
    return met


if __name__ == "__main__":
    sys.exit(main())
