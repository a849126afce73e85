"""Report builders: DOCX and XLSX open and carry the expected headings and notes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from typer.testing import CliRunner

from civicgrid.cli.main import app
from civicgrid.insights.report_data import ReportDataError
from civicgrid.insights.reports import SECTIONS, write_docx, write_xlsx


def _data(kind: str = "weekly") -> dict[str, Any]:
    return {
        "kind": kind, "period": "2026年第49周", "district": "南山区",
        "totals": {"受理": 1234, "办结": 1100},
        "rates": {"响应率": 0.98, "按时办结率": 0.91, "满意率": 0.95},
        "trend": [{"period": f"12-0{d}", "cases": 150 + d} for d in range(1, 8)],
        "top_classes": [{"id": "C0001", "label": "搅拌站·噪音", "size": 31, "heat": 88.0}],
        "top_places": [{"place": "丽发新城", "count": 17}],
        "units": [{"unit": "城管局", "cases": 80, "on_time_rate": 0.9, "satisfaction_rate": 0.96}],
        "alerts": [],
        "tickets": [{"id": "T1", "class_label": "搅拌站·噪音", "unit": "生态环境局",
                     "status": "治理中", "due": "2026-12-31"}],
    }


def _text(path: Path) -> tuple[list[str], str]:
    document = Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    return headings, "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize("kind,title", [("weekly", "每周一议"), ("monthly", "月度报告"),
                                        ("quarterly", "季度报告")])
def test_docx_has_title_and_every_section_heading(tmp_path: Path, kind: str, title: str) -> None:
    path = write_docx(_data(kind), tmp_path / "r.docx")
    headings, text = _text(path)
    assert title in text
    assert [h for h in headings if h in SECTIONS] == list(SECTIONS)


def test_docx_embeds_chart_images(tmp_path: Path) -> None:
    document = Document(str(write_docx(_data(), tmp_path / "r.docx")))
    assert len(document.inline_shapes) == 2


def test_empty_section_says_no_data_instead_of_an_empty_chart(tmp_path: Path) -> None:
    data = _data()
    data["trend"] = []
    document = Document(str(write_docx(data, tmp_path / "r.docx")))
    _, text = _text(tmp_path / "r.docx")
    assert "本期无数据" in text
    assert len(document.inline_shapes) == 1


def test_thin_month_gets_a_caution_note(tmp_path: Path) -> None:
    data = _data("monthly")
    data["trend"] = [{"period": "11月", "cases": 6}]
    _, text = _text(write_docx(data, tmp_path / "r.docx"))
    assert "谨慎解读" in text


def test_xlsx_has_a_sheet_per_section_and_native_charts(tmp_path: Path) -> None:
    path = write_xlsx(_data(), tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SECTIONS)
    assert book["总体情况"]["B5"].value == pytest.approx(0.98)
    assert _has_chart(path, "chart1.xml")


def _has_chart(path: Path, name: str) -> bool:
    import zipfile

    return any(n.endswith(name) for n in zipfile.ZipFile(path).namelist())


def test_bad_data_lists_every_problem(tmp_path: Path) -> None:
    data = _data()
    data["kind"] = "daily"
    data["rates"]["满意率"] = 95
    with pytest.raises(ReportDataError, match="kind.*满意率"):
        write_docx(data, tmp_path / "r.docx")


def test_report_command_writes_docx(tmp_path: Path) -> None:
    source = tmp_path / "data.json"
    source.write_text(json.dumps(_data(), ensure_ascii=False), "utf-8")
    result = CliRunner().invoke(app, ["classes", "report", "weekly", "--input", str(source),
                                      "--out", str(tmp_path / "w.docx"), "--json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "w.docx").stat().st_size > 0


def test_units_are_ranked_by_on_time_rate_then_satisfaction() -> None:
    from civicgrid.insights.reports import ranked_units

    units = [{"unit": "甲", "cases": 5, "on_time_rate": 0.8},
             {"unit": "乙", "cases": 9, "on_time_rate": 0.95, "satisfaction_rate": 0.9},
             {"unit": "丙", "cases": 3}]
    assert [(u["rank"], u["unit"]) for u in ranked_units(units)] == [(1, "乙"), (2, "甲"), (3, "丙")]
