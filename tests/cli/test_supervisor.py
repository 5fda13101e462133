"""The supervisor's parts without a whole platform: prefixed output and its tail, restarts with
backoff, the crash-loop stop, stop signals, the state file and `hive status`."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hive.platform.config import Settings
from hive.process_state import (
    ChildState,
    PlatformState,
    read_state,
    state_path,
    status_report,
    write_state,
)
from hive.stop_signals import StopRequested, StopSignals
from hive.supervisor import ChildSpec, CrashLoopError, Supervisor, restart_delay
from tests.support.platform import wait_for


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def settings_for(data_dir: Path, **values: object) -> Settings:
    return Settings(data_dir=data_dir, **values)  # type: ignore[arg-type]


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A live process whose command line names hive, as a supervisor's does."""
    process = subprocess.Popen(python("import time; time.sleep(120)  # hive"))
    cmdline = Path(f"/proc/{process.pid}/cmdline")
    wait_for(lambda: not cmdline.exists() or b"hive" in cmdline.read_bytes(), 60, "exec")
    yield process
    process.kill()
    process.wait()


def test_each_line_of_a_child_gets_its_name_in_front_and_the_last_lines_are_kept(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    settings = settings_for(tmp_path, up_log_tail_lines=2)
    specs = [
        ChildSpec("talker", python("for i in range(3): print('line', i, flush=True)")),
        ChildSpec("vop-sim", python("import time; time.sleep(120)")),
    ]
    supervisor = Supervisor(specs, settings, StopSignals(), os.environ, out=out)
    supervisor.start()
    try:
        wait_for(lambda: "line 2" in out.getvalue(), 60, "the child's output")
        assert "talker  | line 0\ntalker  | line 1\ntalker  | line 2\n" in out.getvalue()
        assert list(supervisor.children[0].tail) == ["line 1", "line 2"]
    finally:
        supervisor.stop()
    assert not state_path(tmp_path).exists()


def test_restart_delay_doubles_per_recent_crash_up_to_the_maximum() -> None:
    settings = Settings(up_restart_backoff_s=0.5, up_restart_backoff_max_s=3)
    assert [restart_delay(settings, n) for n in (1, 2, 3, 4, 50)] == [0.5, 1, 2, 3, 3]


def test_a_crashing_child_is_restarted_then_stops_the_platform_with_its_last_output(
    tmp_path: Path,
) -> None:
    settings = settings_for(
        tmp_path, up_restart_backoff_s=0.01, up_crash_limit=3, up_crash_window_s=600
    )
    specs = [ChildSpec("crasher", python("import sys; print('boom', flush=True); sys.exit(3)"))]
    supervisor = Supervisor(specs, settings, StopSignals(), os.environ, out=io.StringIO())
    supervisor.start()
    restarts_seen = set()
    try:
        with pytest.raises(CrashLoopError) as failure:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                supervisor.check_children()
                written = read_state(state_path(tmp_path))
                assert written is not None
                restarts_seen.add(written.children[0].restarts)
                time.sleep(0.01)
    finally:
        supervisor.stop()
    message = str(failure.value)
    assert message.startswith(
        "`hive crasher` crashed 3 times within 600 s (last: exited with code 3)"
    )
    assert message.endswith(
        "Its last output:\n  crasher | boom\n  crasher | boom\n  crasher | boom"
    )
    assert restarts_seen == {0, 1, 2}


def test_a_stop_signal_interrupts_start_up_work_but_waits_for_a_deferred_block() -> None:
    signals = StopSignals()
    with pytest.raises(StopRequested):
        signals._handle(signal.SIGTERM, None)
    assert signals.requested

    signals = StopSignals()
    finished = False
    with pytest.raises(StopRequested), signals.deferred():
        signals._handle(signal.SIGINT, None)
        finished = True
    assert finished

    signals = StopSignals()
    with pytest.raises(StopRequested), signals.deferred():
        signals._handle(signal.SIGINT, None)
        raise RuntimeError("pg_ctl was interrupted too")

    signals = StopSignals()
    signals.hold()
    signals._handle(signal.SIGINT, None)  # cleanup is never interrupted
    assert signals.requested


def state(pid: int, child_pid: int | None) -> PlatformState:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return PlatformState(
        pid=pid,
        started_at=moment,
        phase="running",
        children=[ChildState("hcm", child_pid, moment, 2), ChildState("worker", None, None, 5)],
    )


def test_status_shows_the_children_their_pids_start_and_restarts_with_exit_code_0(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    write_state(state_path(tmp_path), state(sleeper.pid, sleeper.pid))
    report, code = status_report(tmp_path)
    assert code == 0, report
    assert f"Hive is running (supervisor pid {sleeper.pid}" in report
    rows = {line.split()[0]: line.split() for line in report.splitlines()[3:]}
    assert rows["hcm"] == [
        "hcm", str(sleeper.pid), "2026-01-02", "03:04:05", "UTC", "2", "running"
    ]  # fmt: skip
    assert rows["worker"] == ["worker", "-", "-", "5", "restarting"]


def test_status_without_a_live_supervisor_says_not_running_with_exit_code_3(
    tmp_path: Path,
) -> None:
    assert status_report(tmp_path) == ("Hive is not running.", 3)
    gone = subprocess.Popen(python("pass  # hive"))
    gone.wait()
    write_state(state_path(tmp_path), state(gone.pid, None))
    report, code = status_report(tmp_path)
    assert code == 3 and "not running" in report and "stale" in report


# Sends the process itself SIGINT at a moment of `hive up` before it installs its StopSignals:
# the first import of a module (imports are where loading spends its time), or when typer has
# chosen `up` and it creates its StopSignals.
CTRL_C_AT_A_MOMENT = """
import builtins, os, signal, sys
import hive.stop_signals
real_import, real_init = builtins.__import__, hive.stop_signals.StopSignals.__init__
moment = sys.argv[1]

def importing(name, *args, **kwargs):
    if name == moment:
        builtins.__import__ = real_import
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)

def creating(self):
    os.kill(os.getpid(), signal.SIGINT)
    real_init(self)

builtins.__import__ = importing
hive.stop_signals.StopSignals.__init__ = creating if moment == "StopSignals()" else real_init
sys.argv = ["hive", "up"]
from hive.__main__ import run
run()
"""


@pytest.mark.parametrize(
    "moment",
    [
        "hive.cli",  # the CLI loads
        "hive.supervisor",  # main() links to a supervisor, before it hands signals on
        "StopSignals()",  # typer chose `up`, before it takes over
    ],
)
def test_ctrl_c_before_hive_up_takes_over_exits_0_without_a_traceback(
    tmp_path: Path, moment: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    result = subprocess.run(
        [sys.executable, "-c", CTRL_C_AT_A_MOMENT, moment],
        env={**env, "HIVE_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert not (tmp_path / "pgdata").exists()  # it stopped before starting anything
