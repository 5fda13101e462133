"""SIGINT/SIGTERM in the supervising process (`hive up`): a stop may come at any moment.

Standard library only, so `hive up` can install it before it imports the rest of Hive.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopRequested(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived while start-up work that cannot poll for it was running.

    A KeyboardInterrupt, so libraries that catch ``Exception`` let it through, and
    ``subprocess`` gives a child the same grace it gives one on Ctrl-C."""


def exit_quietly_on_stop() -> None:
    """While Hive loads: SIGINT or SIGTERM raise :class:`StopRequested` (the caller exits 0).
    The CLI puts the defaults back before running a command (see ``hive.cli.main``)."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        raise StopRequested(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handle)


# SIGINT/SIGTERM noted by :func:`hold_stops` and not yet acted on.
_held: list[int] = []


def hold_stops() -> None:
    """From the end of loading until the command takes over (``hive.cli``): SIGINT or SIGTERM
    are only noted. A KeyboardInterrupt raised while typer chooses the command would become
    click's "Aborted!" and exit code 1; instead the command acts on the stop as soon as it
    installs its handling (:func:`restore_default_handling` or :meth:`StopSignals.install`)."""

    def note(signum: int, _frame: FrameType | None) -> None:
        _held.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, note)


def _take_held() -> int | None:
    first = _held[0] if _held else None
    _held.clear()
    return first


def restore_default_handling() -> None:
    """Python's defaults again; a stop held by :func:`hold_stops` takes effect now, as if it
    came this moment (SIGINT: KeyboardInterrupt, SIGTERM: the process ends)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    held = _take_held()
    if held is not None:
        signal.raise_signal(held)


class StopSignals:
    """SIGINT/SIGTERM handling for the supervising process.

    The first signal is recorded; while start-up work runs that cannot look at the flag
    (database start, migrations, demo data) it also raises :class:`StopRequested` there.
    Inside :meth:`deferred` nothing is raised; the code there polls :attr:`requested`.
    """

    def __init__(self) -> None:
        self.count = 0
        self._interruptible = True

    def install(self) -> None:
        """Handle SIGINT/SIGTERM from now on; one held by :func:`hold_stops` (it came while the
        command was being chosen) counts as arrived now: :class:`StopRequested` is raised."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)
        held = _take_held()
        if held is not None:
            self._handle(held, None)

    @property
    def requested(self) -> bool:
        return self.count > 0

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.count += 1
        if self._interruptible and self.count == 1:
            raise StopRequested(signum)

    def hold(self) -> None:
        """From now on never raise (cleanup must not be interrupted)."""
        self._interruptible = False

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Run a block without being interrupted; a stop that arrived meanwhile is raised as
        :class:`StopRequested` at its end, and so is any failure the stop caused (a Ctrl-C
        also reaches helper programs such as ``pg_ctl`` in our process group)."""
        previous = self._interruptible
        self._interruptible = False
        try:
            yield
        except Exception:
            if self.requested:
                raise StopRequested from None
            raise
        finally:
            self._interruptible = previous
        if self.requested:
            raise StopRequested
