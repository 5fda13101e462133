"""The files export jobs write: one per export, under ``Settings.exports_dir``, kept for
``export_ttl_hours`` after the export ended, then deleted by the hourly purge.

A file is named by its export's ``job_progress`` id and a random token kept in the row's
params (``<id>-<token>.csv``), so a file name cannot be guessed from the id alone; the job
writes ``….csv.part`` and renames it when complete, so a download never sees half a file.
Who may download it is decided from the row (hive.console.export_pages), never from the name.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

from hive.platform.config import Settings

PART = ".part"


def file_path(settings: Settings, progress_id: int, token: str) -> Path:
    return settings.exports_dir / f"{progress_id}-{token}.csv"


def expires_at(settings: Settings, finished_at: datetime) -> datetime:
    return finished_at + timedelta(hours=settings.export_ttl_hours)


async def write_file(path: Path, chunks: AsyncIterator[bytes]) -> int:
    """Write ``chunks`` to ``path`` (through a ``.part`` file renamed at the end); the size in
    bytes. A failure leaves no file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + PART)
    size = 0
    try:
        with part.open("wb") as out:
            async for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return size


def size_of(path: Path) -> int | None:
    """The file's size in bytes, None when it is not there (expired, or not written yet)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def purge(directory: Path, older_than: timedelta) -> int:
    """Delete the export files (and the leftovers of jobs that died) last written more than
    ``older_than`` ago; how many were deleted."""
    if not directory.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    deleted = 0
    for entry in os.scandir(directory):
        ours = entry.is_file() and entry.name.endswith((".csv", ".csv" + PART))
        if ours and entry.stat().st_mtime < cutoff:
            Path(entry.path).unlink(missing_ok=True)
            deleted += 1
    return deleted
