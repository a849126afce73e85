"""One request end to end through the HTTP API (runs on SQLite and PostgreSQL).

A resident submits at a 南山 address; the case carries its suggestions; the dispatcher
dispatches; the handler's first reply is returned by the reply audit, the fixed one passes
review; the resident rates 不满意 and the case reopens to the same unit; more residents
report the same thing at the same place, a concentration alert is raised and acknowledged
within its 24-hour clock; the monthly class mining puts the same-place cases into one class;
a governance ticket is raised from that class; the leaders' dashboard and the weekly report
(its XLSX) show the day's requests, the alert, the class and the ticket.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid

import httpx
import pytest

from tests.support.texts import GOOD_REPLY

pytestmark = pytest.mark.db

OTHERS = 11  # with the first, twelve: above the miner's smallest class (10 cases)
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

    others = [submit(server, f"1391234{n:04d}")["number"] for n in range(2, 2 + OTHERS)]
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

    problem = mined_class(leader, [submitted["number"], *others])
    ticket = raise_ticket(leader, problem, unit)

    board = leader.get("/api/insights/dashboard").json()
    assert board["totals"]["received_today"] >= 1 + OTHERS  # ours, at least
    assert set(board["rates"]) == {"响应率", "按时办结率", "满意率"}
    assert alert["id"] in [a["id"] for a in board["alerts"]]
    top = {c["id"]: c for c in board["top_classes"]}
    assert top[problem["id"]]["size"] >= 1 + OTHERS

    sheets = weekly_report(leader, dt.date.fromisoformat(board["today"]))
    overview = dict(row[:2] for row in sheets["总体情况"][2:6])
    assert overview["受理"] >= 1 + OTHERS and overview["重办"] >= 1
    assert any(alert["title"] in row for row in sheets_rows(sheets, "预警"))
    assert any(problem["label"] in row for row in sheets_rows(sheets, "问题类"))
    assert any(f"T{ticket['id']}" in row for row in sheets_rows(sheets, "治理"))


def mined_class(leader: httpx.Client, numbers: list[str]) -> dict:
    """Run the monthly miner through the API; every one of ``numbers`` lands in one class."""
    run = leader.post("/api/insights/runs", json={"months": 1})
    assert run.status_code == 200, run.text
    assert run.json()["class_count"] >= 1
    holding = []
    for problem in leader.get("/api/insights/classes").json():
        detail = leader.get(f"/api/insights/classes/{problem['id']}").json()
        if {c["number"] for c in detail["cases"]} & set(numbers):
            holding.append(detail)
    assert len(holding) == 1, [c["label"] for c in holding]
    labels = {c["number"]: c["status_label"] for c in holding[0]["cases"]}
    assert set(numbers) <= set(labels) and labels[numbers[0]] == "已分拨"  # reopened
    return holding[0]


def raise_ticket(leader: httpx.Client, problem: dict, unit: str) -> dict:
    """Hand the class to ``unit`` as a governance ticket; it starts at 发现."""
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    answer = leader.post(
        "/api/insights/tickets",
        json={
            "class_id": problem["id"],
            "unit_code": unit,
            "plan": "联合执法整治油烟",
            "governance_due": due,
        },
    )
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert (ticket["class_id"], ticket["unit_code"], ticket["status"]) == (
        problem["id"],
        unit,
        "found",
    )
    return ticket


def weekly_report(leader: httpx.Client, day: dt.date) -> dict[str, list[tuple]]:
    """The report of the week holding ``day`` as XLSX, read back: sheet → rows of values."""
    openpyxl = pytest.importorskip("openpyxl")
    year, week, _ = day.isocalendar()
    answer = leader.get(
        "/api/insights/reports/weekly", params={"format": "xlsx", "period": f"{year}-W{week:02d}"}
    )
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}


def sheets_rows(sheets: dict[str, list[tuple]], word: str) -> list[tuple]:
    """Rows of every sheet whose name holds ``word``."""
    found = [row for name, rows in sheets.items() if word in name for row in rows]
    assert found, f"no sheet named with {word!r} in {sorted(sheets)}"
    return found
