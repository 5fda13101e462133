"""Garbage-collector settings of a long-running process with heavy batch work (the worker).

CPython runs its youngest generation every 700 new container objects and every tenth of those
runs the next one, walking everything that survived. A worker turning a thousand supplier
messages into rows allocates hundreds of thousands of short-lived dicts and lists per batch, so
the collector keeps walking the same long-lived objects (modules, the ORM's mappings, the
HTTP client) that it can never free. Freezing what exists after start-up takes those out of
every later collection, and a larger first threshold lets a batch finish before the collector
looks. Reference counting still frees almost everything at once; only cycles wait longer.
"""

from __future__ import annotations

import gc


def tune_for_batches(gen0_threshold: int) -> None:
    """Freeze the start-up heap and collect the youngest generation every ``gen0_threshold``
    allocations (0: keep Python's defaults)."""
    if gen0_threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0_threshold, gen1, gen2)
