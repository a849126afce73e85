"""The import endpoints the console's import screen uses: upload with a mapping, saved
mappings, and the queue of unknown source values with the action that maps them."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.db


def _csv(rows: list[str]) -> bytes:
    return ("\r\n".join(["工单编号,受理时间,诉求内容,诉求分类", *rows]) + "\r\n").encode("gbk")


def test_upload_imports_and_reports_rejected_rows(login) -> None:
    tag = uuid.uuid4().hex[:6]
    body = _csv([f"U{tag}1,2026-11-02 09:30,噪音,{tag}分类", f"U{tag}2,昨天,灯,{tag}分类"])
    answer = login("t_dispatcher").post(
        "/api/imports", files={"file": ("h.csv", body, "text/csv")},
        data={"fields": '{"source_id": "工单编号", "time": "受理时间", "text": "诉求内容", '
                        '"category": "诉求分类"}'})
    result = answer.json()
    assert answer.status_code == 200, answer.text
    assert (result["added"], result["encoding"], result["rejected"][0]["row"]) == (1, "gbk", 2)


def test_upload_needs_the_mapping_permission(login) -> None:
    answer = login("t_handler").post("/api/imports", files={"file": ("h.csv", _csv([]))})
    assert answer.status_code == 403


def test_saved_mapping_is_listed_with_the_presets(login) -> None:
    client = login("t_dispatcher")
    name = f"hotline-{uuid.uuid4().hex[:6]}"
    saved = client.post("/api/import-mappings", json={
        "name": name, "fields": {"time": "受理时间", "text": "诉求内容"}})
    names = {m["name"] for m in client.get("/api/import-mappings").json()["mappings"]}
    assert saved.status_code == 201
    assert {name, "tipdm-replies", "shangluo-mailbox", "sf311", "nyc311"} <= names


def test_mapping_a_queued_category_fills_the_cases(login) -> None:
    client = login("t_dispatcher")
    tag = uuid.uuid4().hex[:6]
    client.post("/api/imports", files={"file": ("h.csv", _csv([
        f"Q{tag}1,2026-11-02 09:30,噪音,{tag}噪音类", f"Q{tag}2,2026-11-02 10:30,吵,{tag}噪音类"]))},
        data={"fields": '{"source_id": "工单编号", "time": "受理时间", "text": "诉求内容", '
                        '"category": "诉求分类"}'})
    queued = next(m for m in client.get("/api/import-queue").json()
                  if m["raw_value"] == f"{tag}噪音类")
    mapped = client.post(f"/api/import-queue/{queued['id']}", json={"code": "01"}).json()
    remaining = {m["raw_value"] for m in client.get("/api/import-queue").json()}
    assert (queued["seen"], mapped["cases_updated"]) == (2, 2)
    assert f"{tag}噪音类" not in remaining


def test_mapping_to_an_unknown_code_is_refused(login) -> None:
    client = login("t_dispatcher")
    tag = uuid.uuid4().hex[:6]
    client.post("/api/imports", files={"file": ("h.csv", _csv([f"N{tag},2026-11-02,噪音,{tag}类"]))},
                data={"fields": '{"time": "受理时间", "text": "诉求内容", "category": "诉求分类"}'})
    queued = next(m for m in client.get("/api/import-queue").json() if m["raw_value"] == f"{tag}类")
    answer = client.post(f"/api/import-queue/{queued['id']}", json={"code": "NOPE"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "code"
