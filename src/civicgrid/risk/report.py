"""Daily risk report (日研判日报告) as XLSX and DOCX files.

:func:`build_daily_report` takes three lists of alerts, today's new ones, those whose state
changed, and those overdue (not notified within 24 hours, or not handled by their deadline),
and writes one workbook (a summary sheet plus one sheet per list) and one Word document
(summary table, then one table per list). Alerts may be :class:`AlertCandidate` objects or
dicts from the alert store; the fields read are listed in :data:`COLUMNS` and any that are
missing stay empty. Nothing here touches a database.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicgrid.risk.alerts import SEVERITY_LABEL_ZH, AlertCandidate

# (field, Chinese header, column width in characters)
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "编号", 10),
    ("severity", "等级", 6),
    ("type", "类型", 12),
    ("title", "预警内容", 36),
    ("subject", "对象", 28),
    ("evidence", "依据", 40),
    ("unit", "责任单位", 16),
    ("status", "状态", 10),
    ("detected_on", "发现时间", 12),
    ("due", "时限", 18),
)
TYPE_LABEL_ZH = {
    "surge": "数量激增", "cluster": "时空聚集", "repeat": "重复诉求", "concentration": "群体诉求",
    "hazard": "安全隐患", "weak_signal": "苗头信号",
}
SECTIONS = (("today", "今日预警"), ("changed", "状态变化"), ("overdue", "超时未处置"))


@dataclass(frozen=True)
class ReportFiles:
    """Paths of the written report."""

    xlsx: Path
    docx: Path


def _row(alert: AlertCandidate | Mapping[str, Any]) -> dict[str, str]:
    data = alert.as_dict() if isinstance(alert, AlertCandidate) else dict(alert)
    evidence = data.get("evidence") or {}
    if isinstance(evidence, Mapping):
        parts = [f"{k}={evidence[k]}" for k in ("statistic", "baseline", "p_value", "score")
                 if evidence.get(k) is not None]
        ids = list(evidence.get("case_ids") or [])
        if ids:
            parts.append("工单 " + "、".join(map(str, ids[:5])) + (" 等" if len(ids) > 5 else ""))
        if evidence.get("note"):
            parts.append(str(evidence["note"]))
        evidence = "；".join(parts)
    subject = data.get("subject") or {}
    if isinstance(subject, Mapping):
        subject = "，".join(f"{k}:{v}" for k, v in subject.items() if v)
    severity = str(data.get("severity") or "")
    known = {str(level): text for level, text in SEVERITY_LABEL_ZH.items()}
    label = known.get(severity, severity)
    row = {field: str(data.get(field) or "") for field, _, _ in COLUMNS}
    row.update(severity=label, subject=str(subject), evidence=str(evidence),
               type=TYPE_LABEL_ZH.get(str(data.get("type")), str(data.get("type") or "")))
    return row


def _summary(sections: dict[str, list[dict[str, str]]]) -> list[tuple[str, str]]:
    lines = [(title, str(len(sections[key]))) for key, title in SECTIONS]
    by_level = Counter(r["severity"] for r in sections["today"])
    lines += [(f"今日{label}预警", str(by_level.get(label, 0)))
              for label in SEVERITY_LABEL_ZH.values()]
    return lines


def build_daily_report(day: dt.date, today: Sequence[AlertCandidate | Mapping[str, Any]],
                       changed: Sequence[AlertCandidate | Mapping[str, Any]],
                       overdue: Sequence[AlertCandidate | Mapping[str, Any]], out_dir: Path,
                       *, district: str = "南山区") -> ReportFiles:
    """Write ``日研判日报告_<day>.xlsx`` and ``.docx`` into ``out_dir``; returns their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = {"today": [_row(a) for a in today], "changed": [_row(a) for a in changed],
                "overdue": [_row(a) for a in overdue]}
    title = f"{district}风险预警日研判报告（{day.isoformat()}）"
    stem = out_dir / f"日研判日报告_{day.isoformat()}"
    xlsx, docx = stem.with_suffix(".xlsx"), stem.with_suffix(".docx")
    _write_xlsx(xlsx, title, sections)
    _write_docx(docx, title, sections)
    return ReportFiles(xlsx, docx)


def _write_xlsx(path: Path, title: str, sections: dict[str, list[dict[str, str]]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    summary = book.add_worksheet("概览")
    summary.write(0, 0, title, bold)
    summary.set_column(0, 0, 20)
    for i, (label, value) in enumerate(_summary(sections), start=2):
        summary.write(i, 0, label, cell)
        summary.write(i, 1, int(value), cell)
    for key, name in SECTIONS:
        sheet = book.add_worksheet(name)
        for c, (_, header, width) in enumerate(COLUMNS):
            sheet.set_column(c, c, width)
            sheet.write(0, c, header, head)
        for r, row in enumerate(sections[key], start=1):
            for c, (field, _, _) in enumerate(COLUMNS):
                sheet.write_string(r, c, row[field], cell)
        sheet.freeze_panes(1, 0)
    book.close()


def _write_docx(path: Path, title: str, sections: dict[str, list[dict[str, str]]]) -> None:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in _summary(sections):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    shown = [c for c in COLUMNS if c[0] not in ("id", "due")]
    for number, (key, name) in enumerate(SECTIONS, start=1):
        document.add_heading(f"{'一二三'[number - 1]}、{name}（{len(sections[key])}）", level=2)
        if not sections[key]:
            document.add_paragraph("无。")
            continue
        grid = document.add_table(rows=1, cols=len(shown))
        grid.style = "Table Grid"
        for c, (_, header, _) in enumerate(shown):
            grid.rows[0].cells[c].text = header
        for row in sections[key]:
            cells = grid.add_row().cells
            for c, (field, _, _) in enumerate(shown):
                cells[c].text = row[field]
    document.save(str(path))
