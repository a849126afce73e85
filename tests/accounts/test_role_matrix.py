"""Every API endpoint under every role: allowed roles get through, others get 403,
anonymous callers get 401, and nothing answers 500.

The table below must name every route of the application; a new endpoint without a row
fails ``test_every_api_route_is_in_the_matrix``.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db

ALL = {"admin", "dispatcher", "handler", "grid_worker", "leader", "viewer"}
USERS = {"admin": "t_admin", "dispatcher": "t_dispatcher", "handler": "t_handler",
         "grid_worker": "t_grid", "leader": "t_leader", "viewer": "t_viewer"}
PUBLIC = None  # no login needed

# (method, path template, roles allowed or PUBLIC, request body)
MATRIX: list[tuple[str, str, set[str] | None, dict | None]] = [
    ("POST", "/api/auth/login", PUBLIC, {"username": "nobody", "password": "x"}),
    ("POST", "/api/auth/logout", PUBLIC, None),
    ("GET", "/api/auth/me", ALL, None),
    ("GET", "/api/users", {"admin"}, None),
    ("POST", "/api/users", {"admin"}, {"username": "x", "display_name": "x", "password": "short", "role": "viewer"}),
    ("GET", "/api/cases", ALL, None),
    ("POST", "/api/cases", {"admin", "dispatcher", "grid_worker"}, {"text": ""}),
    ("GET", "/api/cases/{number}", ALL, None),
    ("GET", "/api/cases/{number}/timeline", ALL, None),
    ("POST", "/api/cases/{number}/actions/{action}", ALL, {"version": 1}),
    ("GET", "/api/workflow", ALL, None),
    ("GET", "/api/metrics", {"admin", "dispatcher", "leader", "viewer", "handler"}, None),
    ("GET", "/api/mappings", {"admin", "dispatcher"}, None),
    ("GET", "/api/jurisdiction/units", ALL, None),
    ("GET", "/api/jurisdiction/regions", ALL, None),
    ("GET", "/api/jurisdiction/categories", ALL, None),
    ("GET", "/api/calendar/day", PUBLIC, None),
    ("GET", "/api/calendar/{year}.ics", PUBLIC, None),
    ("GET", "/api/inbox", ALL, None),
    ("POST", "/api/inbox/{message_id}/read", ALL, None),
    # audit
    ("GET", "/api/audit/stats", {"admin", "dispatcher", "leader", "viewer", "handler"}, None),
    ("POST", "/api/audit/check", ALL, {"request": "路灯坏了", "reply": "已修复"}),
    # assistant (南小格 knowledge assistant)
    ("POST", "/api/assistant/ask", ALL, {"question": "占道经营怎么处理"}),
    ("POST", "/api/assistant/questions/{question_id}/feedback", ALL, {"useful": True}),
    ("GET", "/api/assistant/questions", {"admin"}, None),
    ("GET", "/api/assistant/documents", ALL, None),
    ("GET", "/api/assistant/documents/{document_id}", ALL, None),
    ("POST", "/api/assistant/documents", {"admin"}, None),
    ("PUT", "/api/assistant/documents/{document_id}", {"admin"}, None),
    ("DELETE", "/api/assistant/documents/{document_id}", {"admin"}, None),
]

VALUES = {"number": "NS00000000000000", "action": "supervise", "year": "2026", "message_id": "999999"}
VALUES.update({"question_id": "999999", "document_id": "999999"})  # assistant


def _url(template: str) -> str:
    url = template
    for key, value in VALUES.items():
        url = url.replace("{" + key + "}", value)
    return url + ("?date=2026-05-09" if template == "/api/calendar/day" else "")


def test_every_api_route_is_in_the_matrix(server: str) -> None:  # noqa: ARG001
    import httpx

    spec = httpx.get(f"{server}/api/openapi.json").json()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops
              if path.startswith("/api/")}
    assert routes == {(m, p) for m, p, _r, _b in MATRIX}


@pytest.mark.parametrize(("method", "template", "allowed", "body"), MATRIX,
                         ids=[f"{m} {p}" for m, p, _r, _b in MATRIX])
def test_endpoint_under_every_role(login, server, method, template, allowed, body) -> None:  # noqa: ANN001
    import httpx

    url = _url(template)
    anonymous = httpx.request(method, server + url, json=body)
    assert anonymous.status_code != 500
    if allowed is PUBLIC:
        return
    assert anonymous.status_code == 401
    for role, username in USERS.items():
        answer = login(username).request(method, url, json=body)
        assert answer.status_code != 500, (role, answer.text)
        if role in allowed:
            assert answer.status_code != 403, (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.status_code)
