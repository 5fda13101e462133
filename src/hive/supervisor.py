"""`hive up`'s supervisor: start the children, prefix and keep their output, restart a child that
dies, stop everything on SIGINT/SIGTERM. See docs/processes.md.

Children run in their own process groups, so a Ctrl-C in the terminal reaches only this
process, which then stops them in order; the supervisor is the one place that decides.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

import httpx

from hive.platform.config import Settings
from hive.platform.errors import StartupError
from hive.platform.logging import get_logger
from hive.process_state import ChildState, PlatformState, remove_state, state_path, write_state
from hive.stop_signals import StopSignals

log = get_logger("hive.supervisor")

# Set in every child's environment; the child exits when this process dies (Linux).
SUPERVISOR_PID_ENV = "HIVE_SUPERVISOR_PID"
HEALTH_TIMEOUT_S = 1.0
PR_SET_PDEATHSIG = 1


class CrashLoopError(StartupError):
    """A child crashed too often within the window; the platform stops (exit code 2)."""


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: list[str]
    health_url: str | None = None
    # Called by the other children (the supplier simulator): stopped after them, so their
    # last calls still get an answer.
    stops_last: bool = False


@dataclass
class Child:
    """One supervised process and its history."""

    spec: ChildSpec
    tail: deque[str]
    process: subprocess.Popen[bytes] | None = None
    pump: threading.Thread | None = None
    started_at: datetime | None = None
    restarts: int = 0
    crashes: deque[float] = field(default_factory=deque)
    restart_at: float | None = None
    healthy: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


class OutputPrefixer:
    """Copies each child's output line by line to our stderr as ``name | line``."""

    def __init__(self, names: list[str], out: IO[str]) -> None:
        self._width = max(len(name) for name in names)
        self._out = out
        self._lock = threading.Lock()

    def follow(self, child: Child, stream: IO[bytes]) -> threading.Thread:
        thread = threading.Thread(
            target=self._pump, args=(child, stream), name=f"output-{child.name}", daemon=True
        )
        thread.start()
        return thread

    def _pump(self, child: Child, stream: IO[bytes]) -> None:
        prefix = f"{child.name:<{self._width}} | "
        # Keep reading even when our own stderr is gone, so a child never blocks on its pipe.
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            child.tail.append(line)
            with self._lock:
                try:
                    self._out.write(prefix + line + "\n")
                    self._out.flush()
                except (OSError, ValueError):
                    pass
        stream.close()


class Supervisor:
    """Starts, watches, restarts and stops ``hive up``'s children; writes the state file."""

    def __init__(
        self,
        specs: list[ChildSpec],
        settings: Settings,
        signals: StopSignals,
        env: Mapping[str, str],
        out: IO[str] | None = None,
    ) -> None:
        self._settings = settings
        self._signals = signals
        self._env = {**env, SUPERVISOR_PID_ENV: str(os.getpid())}
        self._prefixer = OutputPrefixer([spec.name for spec in specs], out or sys.stderr)
        self._state_path = state_path(settings.data_dir)
        self._started_at = _now()
        self._phase = "starting"
        self.children = [Child(spec, deque(maxlen=settings.up_log_tail_lines)) for spec in specs]

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)
        self._write_state()

    def wait_until_healthy(self) -> bool:
        """Watch the children until every HTTP one answers /healthz. False: a stop came."""
        deadline = time.monotonic() + self._settings.up_startup_deadline_s
        while not self._signals.requested:
            self.check_children()
            pending = [c for c in self.children if c.spec.health_url and not c.healthy]
            for child in pending:
                child.healthy = child.process is not None and _is_healthy(child)
            if all(child.healthy for child in pending):
                self._phase = "running"
                self._write_state()
                return True
            if time.monotonic() > deadline:
                names = ", ".join(c.name for c in pending if not c.healthy)
                limit = self._settings.up_startup_deadline_s
                raise StartupError(f"{names} did not become healthy within {limit:.0f} s.")
            time.sleep(self._settings.up_poll_interval_s)
        return False

    def run(self) -> int:
        """Supervise until SIGINT/SIGTERM; a crash loop raises :class:`CrashLoopError`."""
        while not self._signals.requested:
            self.check_children()
            time.sleep(self._settings.up_poll_interval_s)
        return 0

    def check_children(self) -> None:
        """Notice children that exited, schedule their restart, restart those due."""
        changed = False
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                self._on_exit(child)
                changed = True
            elif child.restart_at is not None and time.monotonic() >= child.restart_at:
                child.restarts += 1
                self._spawn(child)
                log.info("child restarted", child=child.name, pid=child.pid, restart=child.restarts)
                changed = True
        if changed:
            self._write_state()

    def _spawn(self, child: Child) -> None:
        process = subprocess.Popen(  # noqa: S603
            child.spec.argv,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,  # our Ctrl-C is not theirs: we stop them in order
        )
        assert process.stdout is not None
        child.process, child.started_at, child.restart_at = process, _now(), None
        child.healthy = False
        child.pump = self._prefixer.follow(child, process.stdout)

    def _on_exit(self, child: Child) -> None:
        assert child.process is not None
        code = child.process.returncode
        if child.pump is not None:
            child.pump.join(timeout=self._settings.up_stop_grace_s)  # its last lines
        child.process = None
        now = time.monotonic()
        child.crashes.append(now)
        while child.crashes and child.crashes[0] < now - self._settings.up_crash_window_s:
            child.crashes.popleft()
        if len(child.crashes) >= self._settings.up_crash_limit:
            raise CrashLoopError(self._crash_loop_message(child, code))
        delay = restart_delay(self._settings, len(child.crashes))
        child.restart_at = now + delay
        log.warning(
            "child exited; restarting it",
            child=child.name,
            exit=describe_exit(code),
            restart_in_s=round(delay, 2),
        )

    def _crash_loop_message(self, child: Child, code: int) -> str:
        window = self._settings.up_crash_window_s
        lines = "\n".join(f"  {child.name} | {line}" for line in child.tail) or "  (no output)"
        return (
            f"`hive {child.name}` crashed {len(child.crashes)} times within {window:g} s "
            f"(last: {describe_exit(code)}); stopping Hive. Its last output:\n{lines}"
        )

    def stop(self) -> None:
        """SIGTERM the children, those that others call last; each wave gets the grace period
        to exit before it is killed."""
        self._phase = "stopping"
        running = [c for c in self.children if c.process is not None]
        if running:
            self._write_state()
        for last in (False, True):
            self._stop_wave([c for c in running if c.spec.stops_last is last])
        for child in running:
            if child.pump is not None:
                child.pump.join(timeout=self._settings.up_stop_grace_s)
        remove_state(self._state_path)

    def _stop_wave(self, children: list[Child]) -> None:
        for child in children:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self._settings.up_stop_grace_s
        for child in children:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("child did not stop in time; killing it", child=child.name)
                _signal_group(child, signal.SIGKILL)
                child.process.wait()

    def _write_state(self) -> None:
        write_state(
            self._state_path,
            PlatformState(
                pid=os.getpid(),
                started_at=self._started_at,
                phase=self._phase,
                children=[
                    ChildState(
                        name=child.name,
                        pid=child.pid,
                        started_at=child.started_at,
                        restarts=child.restarts,
                    )
                    for child in self.children
                ],
            ),
        )


def restart_delay(settings: Settings, recent_crashes: int) -> float:
    """Exponential backoff: the first restart after ``up_restart_backoff_s``, doubling with
    each further crash inside the window, never more than ``up_restart_backoff_max_s``."""
    doublings = min(max(recent_crashes - 1, 0), 32)
    delay = settings.up_restart_backoff_s * 2**doublings
    return float(min(settings.up_restart_backoff_max_s, delay))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _is_healthy(child: Child) -> bool:
    try:
        response = httpx.get(child.spec.health_url or "", timeout=HEALTH_TIMEOUT_S)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _signal_group(child: Child, sig: signal.Signals) -> None:
    if child.process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.process.pid, sig)


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def follow_supervisor() -> None:
    """In a child of ``hive up``: exit (SIGTERM) when the supervisor dies, even by SIGKILL,
    so no child is left behind. Linux only; elsewhere the supervisor's own stop suffices."""
    supervisor = os.environ.get(SUPERVISOR_PID_ENV, "")
    if not supervisor.isdigit() or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != int(supervisor):  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
