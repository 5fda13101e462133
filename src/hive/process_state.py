"""The state file `hive up` keeps in the data directory (``up.json``) and `hive status`, which
reads it.

The supervisor replaces the file atomically whenever a child starts or exits and removes it on
a clean stop. A file whose supervisor is gone (killed with SIGKILL, machine restarted) is
reported as "not running".
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

STATE_FILE = "up.json"
STATE_VERSION = 1
# `hive status` exit codes, as LSB init scripts use them.
STATUS_RUNNING = 0
STATUS_NOT_RUNNING = 3


@dataclass(frozen=True)
class ChildState:
    name: str
    pid: int | None  # None while it waits to be restarted
    started_at: datetime | None
    restarts: int


@dataclass(frozen=True)
class PlatformState:
    pid: int
    started_at: datetime
    phase: str  # starting, running, stopping
    children: list[ChildState]


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def write_state(path: Path, state: PlatformState) -> None:
    """Replace the file atomically, so a reader never sees half of it."""
    document = {
        "version": STATE_VERSION,
        "pid": state.pid,
        "started_at": state.started_at.isoformat(),
        "phase": state.phase,
        "children": [
            {
                "name": child.name,
                "pid": child.pid,
                "started_at": child.started_at.isoformat() if child.started_at else None,
                "restarts": child.restarts,
            }
            for child in state.children
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def remove_state(path: Path) -> None:
    path.unlink(missing_ok=True)


def read_state(path: Path) -> PlatformState | None:
    """The state, or None when there is no readable file of this version."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("version") != STATE_VERSION:
            return None
        return PlatformState(
            pid=int(document["pid"]),
            started_at=datetime.fromisoformat(document["started_at"]),
            phase=str(document["phase"]),
            children=[
                ChildState(
                    name=str(child["name"]),
                    pid=int(child["pid"]) if child["pid"] is not None else None,
                    started_at=(
                        datetime.fromisoformat(child["started_at"]) if child["started_at"] else None
                    ),
                    restarts=int(child["restarts"]),
                )
                for child in document["children"]
            ],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def status_report(data_dir: Path) -> tuple[str, int]:
    """What `hive status` prints, and its exit code (0 running, 3 not running)."""
    path = state_path(data_dir)
    state = read_state(path)
    if state is None:
        return "Hive is not running.", STATUS_NOT_RUNNING
    if not _is_hive_process(state.pid):
        return (
            f"Hive is not running (the supervisor, pid {state.pid}, is gone; {path} is stale).",
            STATUS_NOT_RUNNING,
        )
    now = datetime.now(UTC)
    lines = [
        f"Hive is {state.phase} (supervisor pid {state.pid}, "
        f"since {_moment(state.started_at)}, up {_duration(now - state.started_at)}).",
        "",
        f"{'process':<9} {'pid':>7}  {'since':<23} {'restarts':>8}  state",
    ]
    for child in state.children:
        alive = child.pid is not None and _is_alive(child.pid)
        lines.append(
            f"{child.name:<9} {child.pid or '-':>7}  "
            f"{_moment(child.started_at) if child.started_at else '-':<23} "
            f"{child.restarts:>8}  {'running' if alive else 'restarting'}"
        )
    return "\n".join(lines), STATUS_RUNNING


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(delta: timedelta) -> str:
    hours, rest = divmod(max(int(delta.total_seconds()), 0), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {seconds:02d}s" if hours else f"{minutes}m {seconds:02d}s"


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_hive_process(pid: int) -> bool:
    """Alive, and (where /proc tells) a hive process, not an unrelated one that reused the pid."""
    if not _is_alive(pid):
        return False
    try:
        return b"hive" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
