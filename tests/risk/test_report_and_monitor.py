"""Daily report export and the incremental per-series surge monitor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
from docx import Document

from civicgrid.risk.alerts import AlertCandidate, AlertType, Evidence, Severity
from civicgrid.risk.incremental import SeriesMonitor
from civicgrid.risk.report import build_daily_report


def _alert(n: int) -> AlertCandidate:
    return AlertCandidate(AlertType.SURGE, Severity.ORANGE, {"region": "粤海", "category": "噪音"},
                          Evidence(case_ids=("C1", "C2"), statistic=40.0, baseline=20.0,
                                   p_value=1e-6), f"surge|粤海|噪音|{n}",
                          dt.date(2026, 12, 4), "粤海“噪音”诉求激增")


def test_daily_report_exports_xlsx_and_docx_with_every_section(tmp_path: Path) -> None:
    overdue = {"id": "A7", "type": "hazard", "severity": "red", "title": "燃气泄漏",
               "unit": "燃气集团", "status": "new", "due": "2026-12-04 09:00"}
    files = build_daily_report(dt.date(2026, 12, 4), [_alert(1), _alert(2)], [], [overdue],
                               tmp_path)
    book = openpyxl.load_workbook(files.xlsx)
    assert book.sheetnames == ["概览", "今日预警", "状态变化", "超时未处置"]
    assert book["今日预警"].max_row == 3
    assert book["超时未处置"]["G2"].value == "燃气集团"
    text = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    assert "三、超时未处置（1）" in text


def test_monitor_alerts_on_the_case_that_makes_the_day_significant() -> None:
    monitor = SeriesMonitor.from_counts(dt.date(2026, 3, 2), np.full(40, 5.0), np.ones(7))
    day = monitor.today
    verdicts = [monitor.add_case(day) for _ in range(30)]
    fired = [i for i, v in enumerate(verdicts) if v is not None]
    assert len(fired) == 1
    assert verdicts[fired[0]].count == fired[0] + 1
    assert abs(verdicts[fired[0]].expected - 5.0) < 0.05


def test_monitor_keeps_a_running_surge_to_one_alert() -> None:
    monitor = SeriesMonitor.from_counts(dt.date(2026, 3, 2), np.full(40, 5.0), np.ones(7))
    first = monitor.today
    alerts = 0
    for offset in range(3):
        for _ in range(20):
            alerts += monitor.add_case(first + dt.timedelta(days=offset)) is not None
    assert alerts == 1


def test_report_command_writes_both_files(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from civicgrid.cli.main import app

    alerts = tmp_path / "alerts.json"
    alerts.write_text(json.dumps({"today": [_alert(1).as_dict()], "overdue": []}),
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["risk", "report", "--alerts", str(alerts), "--day",
                                      "2026-12-04", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert Path(out["xlsx"]).exists() and Path(out["docx"]).exists()


def test_monitor_survives_a_pickle_round_trip() -> None:
    import pickle

    monitor = SeriesMonitor.from_counts(dt.date(2026, 3, 2), np.full(40, 5.0), np.ones(7))
    copy = pickle.loads(pickle.dumps(monitor))
    day = monitor.today
    original = [monitor.add_case(day) is not None for _ in range(20)]
    restored = [copy.add_case(day) is not None for _ in range(20)]
    assert original == restored
    assert any(original)
