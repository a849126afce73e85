"""The plain-dict input of weekly, monthly and quarterly reports, checked up front.

A report is built from one dict the caller assembles (from the database, or by hand):

.. code-block:: python

    {
        "kind": "weekly",                   # weekly (每周一议) | monthly | quarterly
        "period": "2026年第49周",            # label shown in the title
        "district": "南山区",                # optional
        "totals": {"受理": 1234, "办结": 1100},             # label → number
        "rates": {"响应率": 0.98, "按时办结率": 0.91, "满意率": 0.95},  # shares 0..1
        "trend": [{"period": "11-27", "cases": 120}, ...],
        "top_classes": [{"id": "C0007", "label": "搅拌站·噪音", "size": 31, "heat": 88.0}],
        "top_places": [{"place": "丽发新城", "count": 17}],
        "units": [{"unit": "城管局", "cases": 80, "on_time_rate": 0.9, "satisfaction_rate": 0.96}],
        "alerts": [{"title": "噪音类激增", "level": "高", "since": "2026-12-01"}],
        "tickets": [{"id": "T1", "class_label": "搅拌站·噪音", "unit": "环保局",
                     "status": "治理中", "due": "2026-12-31"}],
        "notes": ["…"],                      # optional extra remarks
    }

:func:`check_report_data` reports every problem at once, naming the field and the fix.
Missing lists are allowed (the report then says 本期无数据 for that section).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KINDS = {"weekly": "每周一议周报", "monthly": "月度报告", "quarterly": "季度报告"}
RATE_NAMES = ("响应率", "按时办结率", "满意率")
LIST_FIELDS = {
    "trend": ("period", "cases"),
    "top_classes": ("label", "size"),
    "top_places": ("place", "count"),
    "units": ("unit", "cases"),
    "alerts": ("title",),
    "tickets": ("class_label", "status"),
}
FEW_CASES = 20


class ReportDataError(ValueError):
    """The report input is not usable; the message lists every problem found."""


def check_report_data(data: Mapping[str, Any]) -> list[str]:
    """Raise :class:`ReportDataError` listing all problems; return notes on thin data."""
    problems = []
    if data.get("kind") not in KINDS:
        problems.append(f"kind must be one of {sorted(KINDS)}, got {data.get('kind')!r}")
    for name, value in (data.get("rates") or {}).items():
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            problems.append(f"rates[{name!r}] must be a share between 0 and 1, got {value!r}")
    for field, required in LIST_FIELDS.items():
        problems.extend(_check_list(data.get(field), field, required))
    if problems:
        raise ReportDataError("report data: " + "; ".join(problems))
    return _thin_data_notes(data)


def _check_list(items: Any, field: str, required: tuple[str, ...]) -> list[str]:
    if items is None:
        return []
    if not isinstance(items, list):
        return [f"{field} must be a list of dicts, got {type(items).__name__}"]
    problems = []
    for n, item in enumerate(items):
        missing = [k for k in required if not isinstance(item, Mapping) or k not in item]
        if missing:
            problems.append(f"{field}[{n}] lacks {missing}")
    return problems


def _thin_data_notes(data: Mapping[str, Any]) -> list[str]:
    notes = list(data.get("notes") or [])
    cases = sum(int(p.get("cases") or 0) for p in data.get("trend") or [])
    if data.get("trend") and cases < FEW_CASES:
        notes.append(f"本期仅 {cases} 件诉求，比例和趋势波动大，请谨慎解读。")
    missing_rates = [r for r in RATE_NAMES if r not in (data.get("rates") or {})]
    if missing_rates:
        notes.append("缺少指标：" + "、".join(missing_rates) + "（数据未提供）。")
    return notes


def rate_text(value: float | None) -> str:
    """A share as a percentage with one decimal, or 无数据."""
    return "无数据" if value is None else f"{100 * value:.1f}%"
