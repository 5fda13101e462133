"""CSRF on every form: no console POST route does anything for a signed-in user's request
without the form's token. Each route posted without one, as the platform admin and as a
tenant's admin, is refused (4xx); one without an id in its address is refused for the missing
token itself ("表单已过期") to at least one of them, so a route that forgot the check fails."""

from __future__ import annotations

from hive.apps.hcm import create_hcm_app
from hive.platform.config import Settings
from tests.support.console import app_routes, signed_in

USERS = (("admin", "admin-pass-1"), ("acme-admin", "acme-pass-1"))
EXPIRED = "表单已过期"


def test_every_post_route_refuses_a_request_without_the_forms_token(
    hcm_url: str, settings: Settings
) -> None:
    app = create_hcm_app(settings, settings.database_url)
    posts = sorted(
        {route.path for route in app_routes(app) if "POST" in route.methods}
        - {"/login"}  # signed in already; tests/console/test_login.py checks its token
    )
    assert len(posts) > 20
    answers: dict[str, list[tuple[int, bool]]] = {path: [] for path in posts}
    for username, password in USERS:
        with signed_in(hcm_url, username, password) as client:
            for path in posts:
                if path == "/logout":
                    continue  # below, last: it would end this session
                address = path
                while "{" in address:
                    start = address.index("{")
                    address = address[:start] + "1" + address[address.index("}", start) + 1 :]
                answer = client.post(address, data={"name": "x"})
                answers[path].append((answer.status_code, EXPIRED in answer.text))
            answer = client.post("/logout", data={})
            answers["/logout"].append((answer.status_code, EXPIRED in answer.text))
    done = {path: got for path, got in answers.items() if any(s < 400 for s, _ in got)}
    assert done == {}
    unchecked = [
        path
        for path, got in answers.items()
        if "{" not in path and not any(s == 403 and expired for s, expired in got)
    ]
    assert unchecked == []
