"""One request end to end through the HTTP API (runs on SQLite and PostgreSQL).

A resident submits at a 南山 address; the case carries its suggestions; the dispatcher
dispatches; the handler's first reply is returned by the reply audit, the fixed one passes
review; the resident rates 不满意 and the case reopens to the same unit; more residents
report the same thing at the same place, a concentration alert is raised and acknowledged
within its 24-hour clock; the leaders' dashboard counts the day's requests.
"""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest

from tests.support.texts import GOOD_REPLY

pytestmark = pytest.mark.db

ADDRESS = f"南山区桂庙路{uuid.uuid4().int % 900 + 100}号海悦花园3栋"
TEXT = f"{ADDRESS}楼下烧烤店油烟太大，每天开到凌晨2点"


def submit(server: str, phone: str) -> dict:
    answer = httpx.post(
        f"{server}/api/public/requests", data={"text": TEXT, "address": ADDRESS, "phone": phone}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def act(client: httpx.Client, case: dict, action: str, **fields: object) -> dict:
    answer = client.post(
        f"/api/cases/{case['number']}/actions/{action}", json={"version": case["version"], **fields}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_one_request_from_submission_to_alert_and_dashboard(server: str, login) -> None:
    dispatcher, handler, leader = login("t_dispatcher"), login("t_handler"), login("t_leader")
    submitted = submit(server, "13912340001")
    case = dispatcher.get(f"/api/cases/{submitted['number']}").json()

    suggestions = case["suggestions"]
    assert suggestions is not None and any(f["kind"] == "address" for f in suggestions["facts"])
    assert case["channel"] == "web" and case["status"] == "received"

    unit = handler.get("/api/auth/me").json()["unit_code"]
    case = act(dispatcher, case, "dispatch", unit_code=unit)
    case = act(handler, case, "accept")
    case = act(handler, case, "reply", text="已处理")
    assert case["status"] == "in_progress" and case["reply_audit"]["verdict"] == "return"
    case = act(handler, case, "reply", text=GOOD_REPLY)
    assert case["status"] == "replied"
    case = act(dispatcher, case, "review", passed=True)

    rated = httpx.post(
        f"{server}/api/public/requests/{submitted['token']}/rating",
        json={"satisfaction": "dissatisfied"},
    )
    assert rated.status_code == 200, rated.text
    case = dispatcher.get(f"/api/cases/{submitted['number']}").json()
    assert (case["status"], case["lead_unit"], case["reopen_count"]) == ("dispatched", unit, 1)

    others = [submit(server, f"1391234{n:04d}")["number"] for n in range(2, 9)]
    alerts = dispatcher.get("/api/risk/alerts", params={"type": "concentration"}).json()
    items = alerts["items"]
    ours = [a for a in items if set(others) & set(a["evidence"].get("case_ids", []))]
    assert len(ours) == 1
    acknowledged = dispatcher.post(
        f"/api/risk/alerts/{ours[0]['id']}/actions/acknowledge", json={"note": "已派员核查"}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    alert = acknowledged.json()
    detected = dt.datetime.fromisoformat(alert["detected_at"])
    done = dt.datetime.fromisoformat(alert["acknowledged_at"])
    assert done - detected < dt.timedelta(hours=24)

    board = leader.get("/api/insights/dashboard").json()
    assert board["totals"]["received_today"] >= 8  # our eight submissions, at least
    assert set(board["rates"]) == {"响应率", "按时办结率", "满意率"}
