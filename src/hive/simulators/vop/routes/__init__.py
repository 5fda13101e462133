"""VOP methods by path (``domain/action``): each a function of the simulator and the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hive.simulators.vop.envelope import Form, Reply

if TYPE_CHECKING:
    from hive.simulators.vop.simulator import Simulator

Handler = Callable[["Simulator", Form], Reply]
