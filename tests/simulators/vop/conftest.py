"""Fixtures: simulators on real sockets (manual clock, state under a temporary directory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from vop_sim_harness import RunningSimulator, VopClient

from hive.simulators.vop.config import SimulatorConfig


def make_config(data_dir: Path, **overrides: Any) -> SimulatorConfig:
    return SimulatorConfig(data_dir=data_dir, **{"manual_clock": True, **overrides})


@pytest.fixture(scope="session")
def shared_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSimulator]:
    """One simulator for tests that only read (catalogue, areas, search, prices)."""
    with RunningSimulator(make_config(tmp_path_factory.mktemp("vop-shared"))) as running:
        yield running


@pytest.fixture
def vop(shared_sim: RunningSimulator) -> Iterator[VopClient]:
    client = shared_sim.client()
    yield client
    client.close()


@pytest.fixture
def start_sim(tmp_path: Path) -> Iterator[Callable[..., RunningSimulator]]:
    """Start a private simulator with config overrides; stopped after the test."""
    running: list[RunningSimulator] = []

    def start(data_dir: Path | None = None, **overrides: Any) -> RunningSimulator:
        sim = RunningSimulator(make_config(data_dir or tmp_path, **overrides))
        running.append(sim.__enter__())
        return sim

    yield start
    for sim in reversed(running):
        sim.__exit__(None, None, None)


@pytest.fixture
def private_vop(start_sim: Callable[..., RunningSimulator]) -> Iterator[VopClient]:
    """A client of a fresh simulator of its own (for tests that change state)."""
    client = start_sim().client()
    yield client
    client.close()
