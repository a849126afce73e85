"""Weekly (每周一议), monthly and quarterly reports as DOCX (with charts) and XLSX (native charts).

Both writers take the plain dict described in :mod:`.report_data` and write one file; they
read no database. Every section has a heading; an empty section says 本期无数据 instead of
showing an empty chart, and notes on thin data (few cases, missing rates, no CJK font) are
printed under 说明.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from civicgrid.insights.report_charts import NO_FONT_NOTE, bar_chart, cjk_font, line_chart
from civicgrid.insights.report_data import KINDS, RATE_NAMES, check_report_data, rate_text

log = logging.getLogger(__name__)

EMPTY = "本期无数据。"
SECTIONS = ("总体情况", "诉求趋势", "高频问题类", "热点地点", "承办单位排名", "未处置预警",
            "类事治理工单", "说明")

# (heading, data field, [(column title, key, format)]) for each tabular section.
_TABLES: tuple[tuple[str, str, list[tuple[str, str, str]]], ...] = (
    ("高频问题类", "top_classes",
     [("类编号", "id", "text"), ("问题类", "label", "text"), ("件数", "size", "int"),
      ("热度", "heat", "float")]),
    ("热点地点", "top_places", [("地点", "place", "text"), ("件数", "count", "int")]),
    ("承办单位排名", "units",
     [("名次", "rank", "int"), ("承办单位", "unit", "text"), ("件数", "cases", "int"),
      ("按时办结率", "on_time_rate", "rate"), ("满意率", "satisfaction_rate", "rate")]),
    ("未处置预警", "alerts",
     [("预警", "title", "text"), ("级别", "level", "text"), ("开始", "since", "text")]),
    ("类事治理工单", "tickets",
     [("工单", "id", "text"), ("问题类", "class_label", "text"), ("承办单位", "unit", "text"),
      ("状态", "status", "text"), ("期限", "due", "text")]),
)


def ranked_units(units: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Units ordered by on-time rate, then satisfaction, then cases (missing rates last)."""

    def key(unit: Mapping[str, Any]) -> tuple[float, float, float]:
        on_time = unit.get("on_time_rate")
        satisfied = unit.get("satisfaction_rate")
        return (
            -(on_time if on_time is not None else -1.0),
            -(satisfied if satisfied is not None else -1.0),
            -float(unit.get("cases") or 0),
        )

    return [{**unit, "rank": n} for n, unit in enumerate(sorted(units, key=key), start=1)]


def _section_items(data: Mapping[str, Any], field: str) -> list[Mapping[str, Any]]:
    items = list(data.get(field) or [])
    if field != "units" or all("rank" in item for item in items):
        return items  # units ranked by the caller (the platform's scores) keep that order
    return ranked_units(items)


def report_title(data: Mapping[str, Any]) -> str:
    """The report's title, e.g. 南山区 每周一议周报（2026年第49周）."""
    district = data.get("district") or ""
    return f"{district} {KINDS[data['kind']]}（{data.get('period', '')}）".strip()


def _cell(item: Mapping[str, Any], key: str, kind: str) -> str:
    value = item.get(key)
    if value is None or value == "":
        return "—"
    if kind == "rate":
        return rate_text(float(value))
    if kind == "float":
        return f"{float(value):.1f}"
    return str(value)


def _notes(data: Mapping[str, Any]) -> list[str]:
    notes = check_report_data(data)
    if cjk_font() is None:
        notes.append(NO_FONT_NOTE)
    return notes


def write_docx(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write the report as a Word document with charts; returns the path."""
    from docx import Document
    from docx.shared import Cm

    notes = _notes(data)
    document = Document()
    document.add_heading(report_title(data), level=0)
    _docx_overview(document, data)
    document.add_heading("诉求趋势", level=1)
    trend = data.get("trend") or []
    if trend:
        png = line_chart([str(p["period"]) for p in trend], [p["cases"] for p in trend], "诉求量")
        document.add_picture(_stream(png), width=Cm(15))
    else:
        document.add_paragraph(EMPTY)
    for heading, field, columns in _TABLES:
        _docx_table(document, heading, _section_items(data, field), columns)
        if field == "top_classes" and data.get(field):
            items = data[field][:10]
            png = bar_chart([str(i["label"]) for i in items], [i["size"] for i in items], "件数")
            document.add_picture(_stream(png), width=Cm(15))
    document.add_heading("说明", level=1)
    for note in notes or ["无。"]:
        document.add_paragraph(note, style="List Bullet")
    path = Path(path)
    document.save(str(path))
    log.info("report written: %s", path)
    return path


def _stream(png: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(png)


def _docx_overview(document: Any, data: Mapping[str, Any]) -> None:
    document.add_heading("总体情况", level=1)
    totals = data.get("totals") or {}
    rates = data.get("rates") or {}
    if not totals and not rates:
        document.add_paragraph(EMPTY)
        return
    parts = [f"{name} {value}" for name, value in totals.items()]
    parts += [f"{name} {rate_text(rates.get(name))}" for name in RATE_NAMES]
    document.add_paragraph("；".join(parts) + "。")


def _docx_table(
    document: Any,
    heading: str,
    items: Sequence[Mapping[str, Any]],
    columns: list[tuple[str, str, str]],
) -> None:
    document.add_heading(heading, level=1)
    if not items:
        document.add_paragraph(EMPTY)
        return
    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, (title, _, _) in zip(table.rows[0].cells, columns, strict=True):
        cell.text = title
    for item in items:
        cells = table.add_row().cells
        for cell, (_, key, kind) in zip(cells, columns, strict=True):
            cell.text = _cell(item, key, kind)


def write_xlsx(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write the report as an Excel workbook, one sheet per section, native charts."""
    import xlsxwriter

    notes = _notes(data)
    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path))
    try:
        bold = workbook.add_format({"bold": True})
        _xlsx_overview(workbook, data, bold)
        _xlsx_trend(workbook, data.get("trend") or [], bold)
        for heading, field, columns in _TABLES:
            _xlsx_table(workbook, heading, _section_items(data, field), columns, bold)
        sheet = workbook.add_worksheet("说明")
        sheet.write(0, 0, "说明", bold)
        for n, note in enumerate(notes or ["无。"], start=1):
            sheet.write(n, 0, note)
    finally:
        workbook.close()
    log.info("report written: %s", path)
    return path


def _xlsx_overview(workbook: Any, data: Mapping[str, Any], bold: Any) -> None:
    sheet = workbook.add_worksheet("总体情况")
    sheet.write(0, 0, report_title(data), bold)
    row = 2
    for name, value in (data.get("totals") or {}).items():
        sheet.write(row, 0, name)
        sheet.write(row, 1, value)
        row += 1
    percent = workbook.add_format({"num_format": "0.0%"})
    for name in RATE_NAMES:
        value = (data.get("rates") or {}).get(name)
        sheet.write(row, 0, name)
        sheet.write(row, 1, value if value is not None else "无数据", percent)
        row += 1
    sheet.set_column(0, 0, 16)


def _xlsx_trend(workbook: Any, trend: Sequence[Mapping[str, Any]], bold: Any) -> None:
    sheet = workbook.add_worksheet("诉求趋势")
    sheet.write_row(0, 0, ["时段", "件数"], bold)
    if not trend:
        sheet.write(1, 0, EMPTY)
        return
    for n, point in enumerate(trend, start=1):
        sheet.write(n, 0, str(point["period"]))
        sheet.write(n, 1, point["cases"])
    chart = workbook.add_chart({"type": "line"})
    chart.add_series({
        "name": "件数", "categories": ["诉求趋势", 1, 0, len(trend), 0],
        "values": ["诉求趋势", 1, 1, len(trend), 1], "marker": {"type": "circle"},
    })
    chart.set_title({"name": "诉求趋势"})
    sheet.insert_chart("D2", chart)


def _xlsx_table(
    workbook: Any, heading: str, items: Sequence[Mapping[str, Any]],
    columns: list[tuple[str, str, str]], bold: Any,
) -> None:
    sheet = workbook.add_worksheet(heading)
    sheet.write_row(0, 0, [c[0] for c in columns], bold)
    if not items:
        sheet.write(1, 0, EMPTY)
        return
    for n, item in enumerate(items, start=1):
        for col, (_, key, kind) in enumerate(columns):
            value = item.get(key)
            sheet.write(n, col, value if kind in ("int", "float", "rate") and value is not None
                        else _cell(item, key, kind))
    count_column = next(
        (i for i, c in enumerate(columns) if c[2] == "int" and c[1] != "rank"), None
    )
    name_column = next(i for i, c in enumerate(columns) if c[2] == "text" and c[1] != "id")
    if count_column is not None:
        chart = workbook.add_chart({"type": "bar"})
        chart.add_series({
            "name": columns[count_column][0],
            "categories": [heading, 1, name_column, len(items), name_column],
            "values": [heading, 1, count_column, len(items), count_column],
        })
        chart.set_title({"name": heading})
        sheet.insert_chart(1, len(columns) + 1, chart)
