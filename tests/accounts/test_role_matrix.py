"""Every API endpoint under every role: allowed roles get through, others get 403,
anonymous callers get 401, and nothing answers 500.

The table below must name every route of the application; a new endpoint without a row
fails ``test_every_api_route_is_in_the_matrix``.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db

ALL = {"admin", "dispatcher", "handler", "grid_worker", "leader", "viewer"}
USERS = {
    "admin": "t_admin",
    "dispatcher": "t_dispatcher",
    "handler": "t_handler",
    "grid_worker": "t_grid",
    "leader": "t_leader",
    "viewer": "t_viewer",
}
PUBLIC = None  # no login needed

# (method, path template, roles allowed or PUBLIC, request body)
MATRIX: list[tuple[str, str, set[str] | None, dict | None]] = [
    ("POST", "/api/auth/login", PUBLIC, {"username": "nobody", "password": "x"}),
    ("POST", "/api/auth/logout", PUBLIC, None),
    ("GET", "/api/auth/me", ALL, None),
    ("GET", "/api/users", {"admin"}, None),
    (
        "POST",
        "/api/users",
        {"admin"},
        {"username": "x", "display_name": "x", "password": "short", "role": "viewer"},
    ),
    ("GET", "/api/cases", ALL, None),
    ("POST", "/api/cases", {"admin", "dispatcher", "grid_worker"}, {"text": ""}),
    ("GET", "/api/cases/{number}", ALL, None),
    ("GET", "/api/cases/{number}/timeline", ALL, None),
    ("POST", "/api/cases/{number}/actions/{action}", ALL, {"version": 1}),
    (
        "PUT",
        "/api/cases/{number}/category",
        {"admin", "dispatcher"},
        {"version": 1, "category_code": "x"},
    ),
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
    # grids
    ("GET", "/api/places/regions.geojson", ALL, None),
    ("GET", "/api/places/grids/{code}", ALL, None),
    ("GET", "/api/places/locate", ALL, None),
    ("GET", "/api/places/grids/{code}/profile", ALL, None),
    ("GET", "/api/places/grids/{code}/profile.xlsx", ALL, None),
    ("GET", "/api/places/workers/{user_id}/profile", {"admin", "dispatcher", "leader"}, None),
    ("GET", "/api/places/workers/{user_id}/profile.xlsx", {"admin", "dispatcher", "leader"}, None),
    ("POST", "/api/places/workers", {"admin"}, {"user_id": 999999, "grid_code": "x"}),
    ("GET", "/api/places/cases.geojson", ALL, None),
    ("GET", "/api/places/versions", ALL, None),
    ("GET", "/api/places/versions/diff", ALL, None),
    ("POST", "/api/places/versions", {"admin"}, {"type": "Feature"}),
    ("POST", "/api/places/versions/{version_id}/approve", {"admin"}, None),
    ("POST", "/api/places/versions/{version_id}/apply", {"admin"}, None),
    ("GET", "/api/places/professional.geojson", ALL, None),
    ("POST", "/api/places/professional/{kind}", {"admin"}, {"type": "Feature"}),
    ("GET", "/api/places/adjustments", ALL, None),
    ("POST", "/api/places/adjustments", {"admin"}, {"street_code": "nowhere"}),
    ("GET", "/api/places/adjustments/{plan_id}", ALL, None),
    ("GET", "/api/places/adjustments/{plan_id}/units.geojson", ALL, None),
    ("POST", "/api/places/adjustments/{plan_id}/approve", {"admin"}, None),
    ("POST", "/api/places/adjustments/{plan_id}/apply", {"admin"}, None),
    # risk early warning (civicgrid.risk)
    ("GET", "/api/risk/alerts", ALL, None),
    ("GET", "/api/risk/labels", ALL, None),
    ("GET", "/api/risk/alerts/{alert_id}", ALL, None),
    (
        "POST",
        "/api/risk/alerts/{alert_id}/actions/{action}",
        {"admin", "dispatcher", "handler", "leader"},
        {},
    ),
    ("GET", "/api/risk/report", ALL, None),
    ("GET", "/api/risk/report.xlsx", ALL, None),
    ("GET", "/api/risk/report.docx", ALL, None),
    # insights (一类事 governance, heat map, dashboard, reports)
    ("GET", "/api/insights/classes", ALL, None),
    ("GET", "/api/insights/classes/{class_id}", ALL, None),
    (
        "POST",
        "/api/insights/classes/decisions",
        {"admin", "dispatcher", "leader"},
        {"kind": "rename", "class_id": "C9999", "label": "x"},
    ),
    ("GET", "/api/insights/runs", ALL, None),
    (
        "POST",
        "/api/insights/runs",
        {"admin", "dispatcher", "leader"},
        {"month": "2019-01", "months": 1},
    ),
    ("GET", "/api/insights/tickets", ALL, None),
    ("POST", "/api/insights/tickets", {"admin", "dispatcher", "leader"}, {"class_id": "C9999"}),
    ("GET", "/api/insights/tickets/{ticket_id}", ALL, None),
    ("POST", "/api/insights/tickets/{ticket_id}/notes", ALL, {"text": "x"}),
    ("POST", "/api/insights/tickets/{ticket_id}/status", ALL, {"status": "analysis"}),
    ("POST", "/api/insights/tickets/{ticket_id}/attachments", ALL, None),
    ("GET", "/api/insights/tickets/{ticket_id}/attachments/{name}", ALL, None),
    ("GET", "/api/insights/tickets/{ticket_id}/effect", ALL, None),
    ("GET", "/api/insights/heatmap", ALL, None),
    ("GET", "/api/insights/heatmap/h3", ALL, None),
    ("GET", "/api/insights/dashboard", ALL, None),
    ("GET", "/api/insights/reports/{kind}", ALL, None),
    # assistant (南小格 knowledge assistant)
    ("POST", "/api/assistant/ask", ALL, {"question": "占道经营怎么处理"}),
    ("POST", "/api/assistant/questions/{question_id}/feedback", ALL, {"useful": True}),
    ("GET", "/api/assistant/questions", {"admin"}, None),
    ("GET", "/api/assistant/documents", ALL, None),
    ("GET", "/api/assistant/documents/{document_id}", ALL, None),
    ("POST", "/api/assistant/documents", {"admin"}, None),
    ("PUT", "/api/assistant/documents/{document_id}", {"admin"}, None),
    ("DELETE", "/api/assistant/documents/{document_id}", {"admin"}, None),
    # intake (import, 市12345 exchange, resident and grid-worker pages)
    ("POST", "/api/city/orders", PUBLIC, {}),
    ("POST", "/api/imports", {"admin", "dispatcher"}, None),
    ("GET", "/api/import-mappings", {"admin", "dispatcher"}, None),
    ("POST", "/api/import-mappings", {"admin", "dispatcher"}, {}),
    ("GET", "/api/import-queue", {"admin", "dispatcher"}, None),
    ("POST", "/api/import-queue/{mapping_id}", {"admin", "dispatcher"}, {}),
    ("POST", "/api/public/requests", PUBLIC, {}),
    ("GET", "/api/public/requests/{token}", PUBLIC, None),
    ("POST", "/api/public/requests/{token}/rating", PUBLIC, {}),
    ("POST", "/api/public/phone-code", PUBLIC, {}),
    ("POST", "/api/public/phone-code/check", PUBLIC, {}),
    ("POST", "/api/grid/reports", {"admin", "dispatcher", "grid_worker"}, {}),
    ("GET", "/api/grid/cases", ALL, None),  # scoped to the caller's cases
    ("POST", "/api/grid/cases/{number}/notes", ALL, {}),  # scoped to the caller's cases
    # ground data (civicgrid.ground)
    ("GET", "/api/ground/people", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    ("POST", "/api/ground/people", {"admin", "grid_worker"}, {"house_code": "MX1", "name": "张三"}),
    (
        "PUT",
        "/api/ground/people/{person_id}",
        {"admin", "grid_worker"},
        {"house_code": "MX1", "name": "张三"},
    ),
    (
        "GET",
        "/api/ground/people/{person_id}",
        {"admin", "dispatcher", "grid_worker", "leader"},
        None,
    ),
    (
        "GET",
        "/api/ground/people/{person_id}/history",
        {"admin", "dispatcher", "grid_worker", "leader"},
        None,
    ),
    ("GET", "/api/ground/people/{person_id}/views", {"admin"}, None),
    ("GET", "/api/ground/export/people.xlsx", {"admin", "leader"}, None),
    ("GET", "/api/ground/enterprises", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    (
        "POST",
        "/api/ground/enterprises",
        {"admin", "grid_worker"},
        {"name": "x", "credit_code": "x"},
    ),
    ("GET", "/api/ground/visits", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    (
        "POST",
        "/api/ground/visits",
        {"admin", "grid_worker"},
        {"house_code": "MX1", "findings": "正常"},
    ),
    ("POST", "/api/ground/check", {"admin", "grid_worker"}, {"field": "id_number", "value": "1"}),
    ("GET", "/api/ground/duplicates", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    ("POST", "/api/ground/merge", {"admin"}, {"record_type": "person", "keep_id": 1, "drop_id": 1}),
    ("GET", "/api/ground/tags", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    ("GET", "/api/ground/tags/counts", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    (
        "POST",
        "/api/ground/tags/{tag_id}/review",
        {"admin", "dispatcher"},
        {"decision": "confirmed"},
    ),
    ("GET", "/api/ground/heads", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    ("POST", "/api/ground/heads", {"admin", "grid_worker"}, {"name": "x", "building_code": "MXB"}),
    ("GET", "/api/ground/heads/board", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    (
        "POST",
        "/api/ground/heads/{head_id}/actions",
        {"admin", "grid_worker"},
        {"kind": "meeting", "occurred_on": "2026-12-01"},
    ),
    ("POST", "/api/ground/actions/{action_id}/verify", {"admin", "grid_worker"}, {"accept": True}),
    ("POST", "/api/ground/heads/{head_id}/redeem", {"admin"}, {"points": 1, "item": "x"}),
    ("GET", "/api/ground/utility/signals", {"admin", "dispatcher", "grid_worker", "leader"}, None),
    ("GET", "/api/ground/utility/unmatched", {"admin", "dispatcher", "grid_worker", "leader"},
     None),
    # addresses (standard address base, geocoding, matching, gas linkage, doorplates)
    ("GET", "/api/addresses/houses", ALL, None),
    ("GET", "/api/addresses/houses/{house_code}", ALL, None),
    ("POST", "/api/addresses/geocode", ALL, {"text": "南海大道1号某某花园1栋1单元101"}),
    (
        "POST",
        "/api/addresses/match",
        {"admin", "dispatcher"},
        {"addresses": [{"ref": "r1", "text": "某某花园1栋101"}]},
    ),
    ("POST", "/api/addresses/gas/link", {"admin"}, {"customers": []}),
    ("GET", "/api/addresses/gas/tasks", {"admin", "dispatcher", "leader", "grid_worker"}, None),
    (
        "POST",
        "/api/addresses/gas/tasks/{task_id}/result",
        {"admin", "dispatcher", "leader", "grid_worker"},
        {"result": "vacant"},
    ),
    ("GET", "/api/addresses/door/{house_code}", PUBLIC, None),
    ("GET", "/api/addresses/door/{house_code}/qr.svg", PUBLIC, None),
]

VALUES = {
    "number": "NS00000000000000",
    "action": "supervise",
    "year": "2026",
    "message_id": "999999",
    "class_id": "C9999",
    "ticket_id": "999999",
    "name": "x.pdf",
    "kind": "weekly",
}
VALUES.update(
    {"code": "440305001901001", "user_id": "999999", "version_id": "999999", "plan_id": "999999"}
)  # grids
VALUES["alert_id"] = "999999"  # risk early warning (civicgrid.risk)
VALUES.update({"question_id": "999999", "document_id": "999999"})  # assistant
VALUES.update({"mapping_id": "999999", "token": "no-such-token"})  # intake
VALUES.update(
    {"person_id": "999999", "tag_id": "999999", "head_id": "999999", "action_id": "999999"}
)  # ground
VALUES.update({"house_code": "HNOSUCHHOUSE", "task_id": "999999"})  # addresses


def _url(template: str) -> str:
    url = template
    for key, value in VALUES.items():
        url = url.replace("{" + key + "}", value)
    return url + ("?date=2026-05-09" if template == "/api/calendar/day" else "")


def test_every_api_route_is_in_the_matrix(server: str) -> None:  # noqa: ARG001
    import httpx

    spec = httpx.get(f"{server}/api/openapi.json").json()
    routes = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if path.startswith("/api/")
    }
    assert routes == {(m, p) for m, p, _r, _b in MATRIX}


@pytest.mark.parametrize(
    ("method", "template", "allowed", "body"), MATRIX, ids=[f"{m} {p}" for m, p, _r, _b in MATRIX]
)
def test_endpoint_under_every_role(login, server, method, template, allowed, body) -> None:
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
