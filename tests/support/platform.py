"""Running `hive up` in tests: a real start on its own embedded PostgreSQL and free ports, its
output in files (a pipe nobody reads would block it), signals as a terminal or a process
manager sends them, and what is left running afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# Generous: the machine running the tests may be loaded.
START_DEADLINE_S = 300.0
STOP_DEADLINE_S = 90.0
POLL_S = 0.1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def up_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIVE_")}
    env.update(
        HIVE_DATA_DIR=str(data_dir),
        HIVE_HCM_PORT=str(free_port()),
        HIVE_HAG_PORT=str(free_port()),
        HIVE_VOP_SIM_PORT=str(free_port()),
        HIVE_WORKER_METRICS_PORT=str(free_port()),
        HIVE_LOG_FORMAT="json",
        HIVE_UP_STARTUP_DEADLINE_S=str(START_DEADLINE_S),
        **settings,
    )
    return env


def wait_for(condition: Callable[[], Any], deadline_s: float, what: str) -> Any:
    """Poll until ``condition()`` is truthy and return its value; fail after the deadline."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(POLL_S)


class Platform:
    """One `hive up` process in its own session (so a signal to its group is a Ctrl-C)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.data_dir = Path(env["HIVE_DATA_DIR"])
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._stdout = self.data_dir / "test-up.stdout"
        self._stderr = self.data_dir / "test-up.stderr"
        with self._stdout.open("wb") as out, self._stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hive", "up"],
                env=env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def pgdata(self) -> Path:
        return (self.data_dir / "pgdata").resolve()

    @property
    def state_file(self) -> Path:
        return self.data_dir / "up.json"

    def stdout(self) -> str:
        return self._stdout.read_text(errors="replace")

    def stderr(self) -> str:
        return self._stderr.read_text(errors="replace")

    def wait_until_running(self) -> str:
        """The banner, once `hive up` printed all of it."""

        def banner() -> str | None:
            if self.process.poll() is not None:
                raise AssertionError(f"hive up exited early:\n{self.stderr()[-5000:]}")
            text = self.stdout()
            # The banner is one write ending in a blank line; its last lines change as
            # domains add demo data (logins, then the demo Open API app).
            done = "Hive is running" in text and text.endswith("\n\n")
            return text if done else None

        try:
            return str(wait_for(banner, START_DEADLINE_S, "the banner"))
        except AssertionError:
            self.kill()
            raise

    def state(self) -> dict[str, Any] | None:
        try:
            state: dict[str, Any] = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        return state

    def child_pids(self) -> dict[str, int | None]:
        state = self.state() or {"children": []}
        return {child["name"]: child["pid"] for child in state["children"]}

    def children_started(self) -> dict[str, int | None]:
        """The children's pids once this `hive up` has started them (empty before)."""
        state = self.state()
        return self.child_pids() if state and state["pid"] == self.process.pid else {}

    def interrupt(self) -> None:
        """Ctrl-C in a terminal: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def terminate(self) -> None:
        """A process manager: SIGTERM to the `hive up` process alone."""
        self.process.send_signal(signal.SIGTERM)

    def wait(self, deadline_s: float = STOP_DEADLINE_S) -> int:
        return self.process.wait(timeout=deadline_s)

    def kill(self) -> None:
        """Clean-up after a failed test (not a proof of anything)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # Only pids this run wrote: a stale file's pids may belong to other processes by now.
        for pid in [*self.children_started().values(), *postgres_pids(self.pgdata)]:
            if pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def remove_data_dir(data_dir: Path) -> None:
    """After a test: stop a server a failed test may have left, then remove its data."""
    for pid in postgres_pids((data_dir / "pgdata").resolve()):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(data_dir, ignore_errors=True)


def postgres_pids(pgdata: Path) -> list[int]:
    """The embedded PostgreSQL server started with this data directory, if it runs."""
    found = subprocess.run(
        ["pgrep", "-f", f"postgres -D {pgdata}"], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def hive_status(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hive", "status"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_stopped_cleanly(platform: Platform, pids: dict[str, int | None]) -> None:
    """Nothing of this platform runs any more, and it said nothing alarming on the way out."""
    left = [name for name, pid in pids.items() if pid and is_alive(pid)]
    assert not left, f"children still running: {left}"
    assert not postgres_pids(platform.pgdata), "embedded PostgreSQL left running"
    assert not platform.state_file.exists()
    stderr = platform.stderr()
    assert "Traceback" not in stderr, stderr[-5000:]
    assert "exited with code" not in stderr, stderr[-5000:]
    assert not [line for line in stderr.splitlines() if line.startswith("hive:")], stderr[-5000:]
