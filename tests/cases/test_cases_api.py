"""Cases over real HTTP: creation, errors in one shape, masking by role, optimistic locking."""

from __future__ import annotations

import threading

import httpx
import pytest

pytestmark = pytest.mark.db


def a_category(client: httpx.Client) -> str:
    cats = client.get("/api/jurisdiction/categories").json()
    return next(c["code"] for c in cats if c["level"] == 3)


def a_unit(client: httpx.Client, index: int = 0) -> str:
    units = [u for u in client.get("/api/jurisdiction/units").json() if u["kind"] == "department"]
    return units[index]["code"]


def create(client: httpx.Client, **fields) -> dict:  # noqa: ANN003
    body = {
        "text": "小区门口垃圾堆积三天无人清运",
        "reporter_name": "陈大文",
        "reporter_phone": "13800138000",
        "category_code": a_category(client),
        **fields,
    }
    answer = client.post("/api/cases", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_create_returns_number_deadline_free_received_case(login) -> None:  # noqa: ANN001
    case = create(login("t_dispatcher"))
    assert case["status"] == "received" and case["status_label"] == "已受理"
    assert case["number"].startswith("NS") and len(case["number"]) == 16
    assert case["allowed_actions"][0] == "dispatch"


def test_unknown_category_error_names_field_value_and_fix(login) -> None:  # noqa: ANN001
    answer = login("t_dispatcher").post("/api/cases", json={"text": "x", "category_code": "9999"})
    body = answer.json()["error"]
    assert answer.status_code == 422
    assert (body["code"], body["field"], body["value"]) == ("invalid", "category_code", "9999")
    assert "categories" in body["fix"]


def test_malformed_phone_is_refused_with_the_field(login) -> None:  # noqa: ANN001
    answer = login("t_dispatcher").post("/api/cases", json={"text": "x", "reporter_phone": "12345"})
    error = answer.json()["error"]
    assert answer.status_code == 422
    assert error["field"] == "reporter_phone" and error["value"] == "12345"
    assert "13800000000" in error["message"]


def test_blank_text_is_refused(login) -> None:  # noqa: ANN001
    answer = login("t_dispatcher").post("/api/cases", json={"text": "   "})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "text"


def test_expired_or_bad_token_gets_401_with_fix(server: str) -> None:
    import datetime as dt

    import jwt

    expired = jwt.encode(
        {"sub": "1", "exp": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        "test-secret-key-0123456789abcdef",
        algorithm="HS256",
    )
    for token in (expired, "not-a-token"):
        answer = httpx.get(f"{server}/api/cases", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401
        assert "log in again" in answer.json()["error"]["fix"]
    assert httpx.get(f"{server}/api/cases").json()["error"]["code"] == "not_authenticated"


def test_wrong_state_answers_409_naming_state_and_allowed(login) -> None:  # noqa: ANN001
    client = login("t_dispatcher")
    case = create(client)
    answer = client.post(
        f"/api/cases/{case['number']}/actions/review",
        json={"version": case["version"], "passed": True},
    )
    error = answer.json()["error"]
    assert answer.status_code == 409
    assert error["code"] == "invalid_transition" and error["value"] == "received"
    assert error["allowed"] == ["dispatch", "merge"]


def test_stale_version_answers_409(login) -> None:  # noqa: ANN001
    client = login("t_dispatcher")
    case = create(client)
    url = f"/api/cases/{case['number']}/actions/dispatch"
    assert (
        client.post(url, json={"version": case["version"], "unit_code": a_unit(client)}).status_code
        == 200
    )
    answer = login("t_leader").post(
        f"/api/cases/{case['number']}/actions/supervise",
        json={"version": case["version"], "text": "加快"},
    )
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "stale_version"


def test_two_handlers_on_the_same_version_only_one_wins(login) -> None:  # noqa: ANN001
    dispatcher = login("t_dispatcher")
    case = create(dispatcher)
    unit = a_unit(dispatcher)
    dispatched = dispatcher.post(
        f"/api/cases/{case['number']}/actions/dispatch",
        json={"version": case["version"], "unit_code": unit},
    ).json()
    handler, admin = login("t_handler"), login("t_admin")
    results: list[int] = []

    def accept(client: httpx.Client) -> None:
        answer = client.post(
            f"/api/cases/{case['number']}/actions/accept", json={"version": dispatched["version"]}
        )
        results.append(answer.status_code)

    threads = [threading.Thread(target=accept, args=(c,)) for c in (handler, admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 409]


def test_personal_data_masked_for_roles_without_the_right(login) -> None:  # noqa: ANN001
    case = create(login("t_dispatcher"))
    full = login("t_dispatcher").get(f"/api/cases/{case['number']}").json()
    masked = login("t_viewer").get(f"/api/cases/{case['number']}").json()
    assert (full["reporter_phone"], full["reporter_name"]) == ("13800138000", "陈大文")
    assert (masked["reporter_phone"], masked["reporter_name"]) == ("138****8000", "陈**")


def test_handler_sees_only_own_unit_cases(login) -> None:  # noqa: ANN001
    dispatcher = login("t_dispatcher")
    case = create(dispatcher)
    dispatcher.post(
        f"/api/cases/{case['number']}/actions/dispatch",
        json={"version": case["version"], "unit_code": a_unit(dispatcher, 1)},
    )
    assert login("t_handler").get(f"/api/cases/{case['number']}").status_code == 404
    assert login("t_handler_b").get(f"/api/cases/{case['number']}").status_code == 200
    listed = login("t_handler").get("/api/cases", params={"limit": 500}).json()["items"]
    own = a_unit(dispatcher, 0)
    assert all(
        c["lead_unit"] == own or any(p["unit_code"] == own for p in c["participants"])
        for c in listed
    )


def test_timeline_lists_every_step_in_order(login) -> None:  # noqa: ANN001
    dispatcher = login("t_dispatcher")
    case = create(dispatcher)
    dispatcher.post(
        f"/api/cases/{case['number']}/actions/dispatch",
        json={"version": case["version"], "unit_code": a_unit(dispatcher)},
    )
    events = dispatcher.get(f"/api/cases/{case['number']}/timeline").json()
    assert [e["kind"] for e in events] == ["create", "dispatch"]
    assert events[1]["payload"]["unit_code"] == a_unit(dispatcher)


def test_unknown_path_answers_json_error(server: str) -> None:
    answer = httpx.get(f"{server}/api/nothing-here")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_home_answers_without_login(server: str) -> None:
    answer = httpx.get(f"{server}/", follow_redirects=False)
    assert answer.status_code in (200, 307)
    page = httpx.get(f"{server}/", follow_redirects=True)
    assert page.status_code == 200 and "CivicGrid" in page.text


def test_phone_inside_the_text_is_masked_for_viewers(login) -> None:  # noqa: ANN001
    case = create(login("t_dispatcher"), text="请回电13912345678，身份证11010519491231002X，谢谢")
    seen = login("t_viewer").get(f"/api/cases/{case['number']}").json()["text"]
    assert "13912345678" not in seen and "139****5678" in seen
    assert "11010519491231002X" not in seen


def test_creating_and_acting_logs_no_personal_data(login, caplog) -> None:  # noqa: ANN001
    import logging

    caplog.set_level(logging.DEBUG)
    client = login("t_dispatcher")
    case = create(client, text="联系电话13700001111", reporter_phone="13700002222")
    client.post(
        f"/api/cases/{case['number']}/actions/dispatch",
        json={"version": case["version"], "unit_code": a_unit(client)},
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "13700001111" not in logged and "13700002222" not in logged


def test_audit_stats_count_returned_replies_per_unit(login) -> None:  # noqa: ANN001
    dispatcher = login("t_dispatcher")
    case = create(dispatcher)
    unit = a_unit(dispatcher)
    case = dispatcher.post(
        f"/api/cases/{case['number']}/actions/dispatch",
        json={"version": case["version"], "unit_code": unit},
    ).json()
    handler = login("t_handler")
    case = handler.post(
        f"/api/cases/{case['number']}/actions/accept", json={"version": case["version"]}
    ).json()
    before = {r["unit"]: r["returned"] for r in dispatcher.get("/api/audit/stats").json()}
    case = handler.post(
        f"/api/cases/{case['number']}/actions/reply",
        json={"version": case["version"], "text": "已处理"},
    ).json()
    assert case["status"] == "in_progress" and case["reply_audit"]["verdict"] == "return"
    after = {r["unit"]: r["returned"] for r in dispatcher.get("/api/audit/stats").json()}
    assert after[unit] == before.get(unit, 0) + 1
