"""The resident's and the grid worker's endpoints against the running server."""

from __future__ import annotations

from tests.support.texts import STREETLIGHT_REPLY

import io
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from civicgrid.cases import workflow
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import ActionIn

pytestmark = pytest.mark.db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _submit(server: str, **extra) -> httpx.Response:
    data = {"text": "小区门口路灯坏了一周", "address": "南山区桂庙路XX号", **extra}
    files = extra.pop("files", None)
    data.pop("files", None)
    return httpx.post(server + "/api/public/requests", data=data, files=files)


def test_resident_submits_without_login_and_gets_number_and_token(server) -> None:
    answer = _submit(server)
    body = answer.json()
    assert answer.status_code == 201
    assert body["number"].startswith("NS") and len(body["token"]) >= 16


def test_photo_is_stored_in_the_data_folder(server, session, tmp_path_factory) -> None:
    answer = _submit(server, files=[("photos", ("lamp.png", io.BytesIO(PNG), "image/png"))])
    number = answer.json()["number"]
    case = session.scalar(select(Case).where(Case.number == number))
    event = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                   CaseEvent.kind == "attachment"))
    # The server fixture's data folder is a "data*" folder of this run's temporary base.
    stored = list(Path(tmp_path_factory.getbasetemp()).glob(f"data[0-9]*/photos/{number}/*.png"))
    assert event.payload["photos"][0].endswith(".png")
    assert [p.read_bytes() for p in stored] == [PNG], stored


def test_oversized_photo_is_refused_in_chinese(server) -> None:
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    answer = _submit(server, files=[("photos", ("big.png", io.BytesIO(big), "image/png"))])
    assert answer.status_code == 422 and "超过 5 MB" in answer.json()["error"]["message"]


def test_wrong_photo_type_is_refused(server) -> None:
    answer = _submit(server, files=[("photos", ("x.png", io.BytesIO(b"MZ\x90\x00" * 10),
                                                "image/png"))])
    assert answer.status_code == 422 and "不是 JPEG" in answer.json()["error"]["message"]


def test_request_needs_address_or_point(server) -> None:
    answer = httpx.post(server + "/api/public/requests", data={"text": "噪音"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "address"


def test_resident_follows_status_by_token(server) -> None:
    token = _submit(server).json()["token"]
    body = httpx.get(f"{server}/api/public/requests/{token}").json()
    assert (body["status_label"], body["can_rate"], body["timeline"][0]["label"]) == (
        "已受理", False, "已受理")


def test_unknown_token_is_404(server) -> None:
    assert httpx.get(f"{server}/api/public/requests/nope").status_code == 404


def _to_review(session, number: str) -> Case:
    case = session.scalar(select(Case).where(Case.number == number))
    for action, extra in [("dispatch", {"unit_code": "CGJ"}), ("accept", {}),
                          ("reply", {"text": STREETLIGHT_REPLY}), ("review", {"passed": True})]:
        workflow.perform(session=session, case=case, action=action, actor=workflow.SYSTEM,
                         data=ActionIn(version=case.version, **extra))
    session.commit()
    return case


def test_dissatisfied_rating_reopens_the_case(server, session) -> None:
    submitted = _submit(server).json()
    case = _to_review(session, submitted["number"])
    answer = httpx.post(f"{server}/api/public/requests/{submitted['token']}/rating",
                        json={"satisfaction": "dissatisfied"})
    session.expire_all()
    case = session.get(Case, case.id)
    assert answer.json()["status"] == "dispatched"
    assert (case.status, case.reopen_count, case.satisfaction) == ("dispatched", 1,
                                                                    "dissatisfied")


def test_rating_before_the_return_visit_is_409(server) -> None:
    token = _submit(server).json()["token"]
    answer = httpx.post(f"{server}/api/public/requests/{token}/rating",
                        json={"satisfaction": "satisfied"})
    assert answer.status_code == 409


def test_grid_worker_reports_and_sees_it_in_the_grid_list(login) -> None:
    grid = login("t_grid")
    number = grid.post("/api/grid/reports", data={"text": "井盖缺失", "address": "巡查点A"}
                       ).json()["number"]
    listed = grid.get("/api/grid/cases").json()
    assert number in {c["number"] for c in listed["items"]}


def test_grid_worker_adds_an_onsite_note(login, session) -> None:
    grid = login("t_grid")
    number = grid.post("/api/grid/reports", data={"text": "占道经营", "address": "巡查点B"}
                       ).json()["number"]
    answer = grid.post(f"/api/grid/cases/{number}/notes", json={"text": "现场已核实"})
    case = session.scalar(select(Case).where(Case.number == number))
    kinds = set(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)))
    assert answer.status_code == 201 and {"create", "grid_note"} <= kinds
    assert case.channel == "grid"
