"""Ground API: masked reads, reasons for views, export watermark, checks as one types."""

from __future__ import annotations

import io

import httpx
import pytest

from tests.ground.test_checks import VALID_ID

pytestmark = pytest.mark.db


def _create(login) -> dict:  # noqa: ANN001
    answer = login("t_grid").post("/api/ground/people", json={
        "house_code": "API-H1", "name": "赵六", "id_number": VALID_ID,
        "phone": "13800138000", "grid_code": "G-API"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_created_person_comes_back_masked(login) -> None:  # noqa: ANN001
    person = _create(login)["person"]
    assert person["id_number"] != VALID_ID and person["masked"] is True


def test_view_without_reason_is_refused_naming_reason(login) -> None:  # noqa: ANN001
    person = _create(login)["person"]
    answer = login("t_grid").get(f"/api/ground/people/{person['id']}")
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "reason"


def test_admin_view_is_unmasked_and_logged(login) -> None:  # noqa: ANN001
    person = _create(login)["person"]
    admin = login("t_admin")
    shown = admin.get(f"/api/ground/people/{person['id']}", params={"reason": "核查"}).json()
    assert shown["id_number"] == VALID_ID
    views = admin.get(f"/api/ground/people/{person['id']}/views").json()["items"]
    assert views[0]["reason"] == "核查" and views[0]["username"]


def test_export_xlsx_is_watermarked_with_user(login) -> None:  # noqa: ANN001
    import openpyxl

    _create(login)
    answer = login("t_leader").get("/api/ground/export/people.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert "导出人" in sheet["A1"].value
    assert VALID_ID not in [c.value for row in sheet.iter_rows() for c in row]


def test_check_reports_wrong_check_digit(login) -> None:  # noqa: ANN001
    wrong = VALID_ID[:17] + ("0" if VALID_ID[-1] != "0" else "1")
    answer = login("t_grid").post("/api/ground/check", json={"field": "id_number",
                                                             "value": wrong}).json()
    assert [p["code"] for p in answer["problems"]] == ["check_digit"]


def test_phone_page_is_served(server: str) -> None:
    answer = httpx.get(f"{server}/grid/records")
    assert answer.status_code == 200 and "ground.js" in answer.text


def test_merge_withdraws_tags_of_the_dropped_record(login) -> None:  # noqa: ANN001
    from civicgrid.privacy.masking import id_check_character

    first17 = "44030519400202123"
    number = first17 + id_check_character(first17)
    grid = login("t_grid")
    ids = [grid.post("/api/ground/people", json={"house_code": house, "name": "钱七",
                                                  "id_number": number}).json()["person"]["id"]
           for house in ("MERGE-H1", "MERGE-H2")]
    admin = login("t_admin")
    groups = admin.get("/api/ground/duplicates").json()["groups"]
    assert any(g["ids"] == ids for g in groups)
    answer = admin.post("/api/ground/merge", json={"record_type": "person", "keep_id": ids[0],
                                                   "drop_id": ids[1]})
    assert answer.status_code == 200, answer.text
    tags = admin.get("/api/ground/tags", params={"limit": 1000}).json()["items"]
    dropped = {t["status"] for t in tags if t["person_id"] == ids[1]}
    assert dropped == {"withdrawn"}
