"""``message/get`` and ``message/del``."""

from __future__ import annotations

from hive.simulators.vop.envelope import Form, Reply, id_list
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator


def get(sim: Simulator, form: Form) -> Reply:
    types = id_list(form, "type")
    batch = sim.feed.pending(
        types, sim.config.message_batch_size, sim.faults.settings, sim.faults.rng
    )
    return Reply(batch)


def delete(sim: Simulator, form: Form) -> Reply:
    sim.feed.delete(id_list(form, "id"))
    return Reply(True)


METHODS: dict[str, Handler] = {"message/get": get, "message/del": delete}
