"""``hive vop-sim``: serve the simulator with uvicorn."""

from __future__ import annotations

import pathlib

import uvicorn

from hive.simulators.vop.app import create_app
from hive.simulators.vop.config import SimulatorConfig


def serve(host: str, port: int, data_dir: pathlib.Path) -> None:
    """Run the simulator until interrupted (blocking). Settings come from ``HIVE_VOP_SIM_*``."""
    config = SimulatorConfig(data_dir=data_dir)
    # log_config=None keeps the caller's logging setup (the CLI configures structlog).
    uvicorn.run(create_app(config), host=host, port=port, log_config=None, access_log=False)
