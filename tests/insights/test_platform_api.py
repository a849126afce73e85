"""The insights API, the report command and the console pages on a real server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.insights.platform import plant_cases

pytestmark = pytest.mark.db

WEEK_DAYS = [dt.date(2024, 5, 6) + dt.timedelta(days=n % 7) for n in range(30)]


@pytest.fixture(scope="module")
def report_week(engine: Any) -> str:
    """30 generated cases in ISO week 2024-W19, with a street, and a class run over them."""
    from civicgrid.db.core import make_session_factory
    from civicgrid.insights.register import run_month
    from civicgrid.jurisdiction.models import Region

    texts = [f"{'路灯不亮晚上很黑' if n % 2 else '小区垃圾桶满溢无人清运'}，第{n}号楼"
             for n in range(30)]
    with make_session_factory(engine)() as session:
        street = session.scalar(select(Region.code).where(Region.level == "street").limit(1))
        plant_cases(session, texts, WEEK_DAYS, prefix="INSRPT", street=street)
        run_month(session=session, month="2024-05", months=1, min_class_size=5)
        session.commit()
    return "2024-W19"


@pytest.fixture
def cli_database(
    database_url: tuple[str, str | None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Point the command line at the test database (its PostgreSQL schema included)."""
    from civicgrid.settings import get_settings

    url, schema = database_url
    monkeypatch.setenv("CIVICGRID_DATABASE_URL",
                       f"{url}?options=-csearch_path%3D{schema}" if schema else url)
    monkeypatch.setenv("CIVICGRID_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_report_weekly_command_writes_headings_and_a_chart(
    report_week: str, cli_database: None, tmp_path: Path
) -> None:
    from docx import Document
    from typer.testing import CliRunner

    from civicgrid.cli.main import app

    out = tmp_path / "x.docx"
    result = CliRunner().invoke(app, ["report", "weekly", "--period", report_week,
                                      "--out", str(out)])
    document = Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert result.exit_code == 0, result.output
    assert {"总体情况", "诉求趋势", "高频问题类", "承办单位排名", "类事治理工单"} <= set(headings)
    assert len(document.inline_shapes) >= 1
    assert any(p.text.startswith("受理 30；") for p in document.paragraphs)


def test_report_with_a_malformed_period_fails_with_the_example(
    tmp_path: Path, cli_database: None
) -> None:
    from typer.testing import CliRunner

    from civicgrid.cli.main import app

    result = CliRunner().invoke(app, ["report", "monthly", "--period", "2026-13",
                                      "--out", str(tmp_path / "m.xlsx")])
    assert result.exit_code != 0
    assert "2026-11" in result.output


def test_dashboard_api_returns_the_three_rates(login: Any) -> None:
    answer = login("t_leader").get("/api/insights/dashboard")
    body = answer.json()
    assert answer.status_code == 200
    assert set(body["rates"]) == {"响应率", "按时办结率", "满意率"}
    assert {"received_today", "closed_today", "open", "overdue"} <= set(body["totals"])
    assert len(body["trend"]) == 31


def test_heatmap_api_names_regions_and_counts_cases(login: Any, report_week: str) -> None:
    answer = login("t_viewer").get("/api/insights/heatmap", params={
        "level": "street", "start": "2024-05-06", "end": "2024-05-13"})
    body = answer.json()
    assert answer.status_code == 200
    assert body["total"] == 30 and body["regions"][0]["count"] == 30
    assert body["regions"][0]["name"] != body["regions"][0]["code"]


def test_heatmap_of_cases_without_place_says_so(login: Any, report_week: str) -> None:
    body = login("t_viewer").get("/api/insights/heatmap", params={
        "level": "grid", "start": "2024-05-06", "end": "2024-05-13"}).json()
    assert body["regions"] == [] and body["unplaced"] == 30
    assert any("没有网格信息" in note for note in body["notes"])


def test_ticket_raised_over_http_records_notes_and_stages(login: Any, report_week: str) -> None:
    leader = login("t_leader")
    classes = leader.get("/api/insights/classes").json()
    unit = leader.get("/api/jurisdiction/units").json()[0]["code"]
    created = leader.post("/api/insights/tickets", json={
        "class_id": classes[0]["id"], "unit_code": unit, "plan": "排查",
        "feedback_due": "2026-12-31"})
    ticket_id = created.json()["id"]
    leader.post(f"/api/insights/tickets/{ticket_id}/notes", json={"text": "已约谈物业"})
    moved = leader.post(f"/api/insights/tickets/{ticket_id}/status", json={"status": "analysis"})
    effect = leader.get(f"/api/insights/tickets/{ticket_id}/effect")
    assert created.status_code == 201
    assert [e["kind"] for e in moved.json()["events"]] == ["raised", "note", "status"]
    assert effect.status_code == 200 and "before_after" in effect.json()["effect"]


def test_handler_of_another_unit_cannot_update_a_ticket(login: Any, report_week: str) -> None:
    leader = login("t_leader")
    classes = leader.get("/api/insights/classes").json()
    units = [u["code"] for u in leader.get("/api/jurisdiction/units").json()]
    mine = login("t_handler").get("/api/auth/me").json()["unit_code"]
    other = next(u for u in units if u != mine)
    ticket = leader.post("/api/insights/tickets", json={"class_id": classes[0]["id"],
                                                        "unit_code": other}).json()
    answer = login("t_handler").post(f"/api/insights/tickets/{ticket['id']}/notes",
                                     json={"text": "x"})
    assert answer.status_code == 403


def test_report_download_is_a_docx(login: Any, report_week: str) -> None:
    answer = login("t_viewer").get("/api/insights/reports/weekly", params={"period": report_week})
    assert answer.status_code == 200
    assert answer.content[:2] == b"PK"
    assert "weekly-2024-W19.docx" in answer.headers["content-disposition"]


@pytest.mark.parametrize("path", ["/console/classes", "/console/heatmap", "/console/dashboard",
                                  "/console/tickets/1"])
def test_console_pages_load_their_script(server: str, path: str) -> None:
    import httpx

    answer = httpx.get(server + path)
    assert answer.status_code == 200
    assert "/static/insights.js" in answer.text


def test_h3_heatmap_counts_cases_with_coordinates(login: Any, engine: Any) -> None:
    from civicgrid.cases.models import Case
    from civicgrid.db.core import make_session_factory

    days = [dt.date(2023, 2, 6)] * 4
    with make_session_factory(engine)() as session:
        ids = plant_cases(session, ["井盖缺失"] * 4, days, prefix="INSHEX")
        for case_id in ids[:3]:
            session.get(Case, case_id).lat, session.get(Case, case_id).lon = 22.533, 113.930
        session.commit()
    body = login("t_viewer").get("/api/insights/heatmap/h3", params={
        "start": "2023-02-06", "end": "2023-02-07"}).json()
    assert body["cells"][0]["count"] == 3 and body["unplaced"] == 1
    assert body["geojson"]["features"][0]["geometry"]["type"] == "Polygon"


def test_attachment_uploaded_over_http_downloads_again(login: Any, report_week: str) -> None:
    leader = login("t_leader")
    classes = leader.get("/api/insights/classes").json()
    unit = leader.get("/api/jurisdiction/units").json()[0]["code"]
    ticket = leader.post("/api/insights/tickets", json={"class_id": classes[0]["id"],
                                                        "unit_code": unit}).json()
    headers = {k: v for k, v in leader.headers.items() if k.lower() == "authorization"}
    uploaded = leader.post(f"/api/insights/tickets/{ticket['id']}/attachments", headers=headers,
                           files={"file": ("plan.pdf", b"%PDF-1.4 plan", "application/pdf")})
    stored = uploaded.json()["events"][-1]["payload"]["file"]
    again = leader.get(f"/api/insights/tickets/{ticket['id']}/attachments/{stored}")
    outside = leader.get(f"/api/insights/tickets/{ticket['id']}/attachments/..%2Fsecret.key")
    assert uploaded.status_code == 200
    assert again.status_code == 200 and again.content == b"%PDF-1.4 plan"
    assert outside.status_code == 404


def test_report_of_an_empty_week_has_no_chart_and_says_why(session: Any) -> None:
    from civicgrid.insights.analytics import report_data

    data = report_data(session=session, kind="weekly", period="2019-W02")
    assert data["trend"] == [] and data["totals"]["受理"] == 0
    assert any("没有工单" in note for note in data["notes"])


def test_report_top_classes_carry_their_heat_index(session: Any, report_week: str) -> None:
    from civicgrid.insights.analytics import report_data

    data = report_data(session=session, kind="weekly", period=report_week)
    assert data["top_classes"], data["notes"]
    assert all(0 <= c["heat"] <= 100 for c in data["top_classes"])
    assert sum(c["size"] for c in data["top_classes"]) <= 30
