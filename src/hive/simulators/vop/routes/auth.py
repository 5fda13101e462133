"""``oauth2/*``: token issue and refresh (no access token needed)."""

from __future__ import annotations

from hive.simulators.vop.envelope import Form, Reply
from hive.simulators.vop.routes import Handler
from hive.simulators.vop.simulator import Simulator


def access_token(sim: Simulator, form: Form) -> Reply:
    return Reply(sim.auth.access_token(form))


def refresh_token(sim: Simulator, form: Form) -> Reply:
    return Reply(sim.auth.refresh(form))


METHODS: dict[str, Handler] = {
    "oauth2/accessToken": access_token,
    "oauth2/refreshToken": refresh_token,
}
