"""Months, ISO weeks and quarters: parsing report periods and grouping dates by month in SQL.

Periods are written ``2026-W48`` (ISO week), ``2026-11`` (month) and ``2026-Q4`` (quarter);
each becomes a half-open range of dates [start, end) in the district's local calendar.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from civicgrid.errors import ValidationFailed

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
EXAMPLES = {"weekly": "2026-W48", "monthly": "2026-11", "quarterly": "2026-Q4"}


@dataclass(frozen=True)
class Period:
    """A report period: its code, a Chinese label and the date range [start, end)."""

    kind: str
    code: str
    label: str
    start: dt.date
    end: dt.date


def parse_month(text: str) -> dt.date:
    """``2026-11`` → 2026-11-01; a clear error otherwise."""
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationFailed(f"month must look like 2026-11, got {text!r}", field="month",
                               value=text)
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``first``."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(kind: str, code: str | None, *, today: dt.date) -> Period:
    """The period named by ``code``, or the last complete one before ``today``."""
    if kind not in EXAMPLES:
        raise ValidationFailed(f"report kind must be one of {sorted(EXAMPLES)}, got {kind!r}",
                               field="kind", value=kind, allowed=sorted(EXAMPLES))
    code = code or _last_complete(kind, today)
    try:
        return _parse(kind, code)
    except ValueError:
        raise ValidationFailed(
            f"{kind} period must look like {EXAMPLES[kind]}, got {code!r}", field="period",
            value=code, fix=f"for example --period {EXAMPLES[kind]}",
        ) from None


def _parse(kind: str, code: str) -> Period:
    if kind == "weekly":
        match = _WEEK.match(code)
        if not match:
            raise ValueError(code)
        year, week = int(match.group(1)), int(match.group(2))
        start = dt.date.fromisocalendar(year, week, 1)
        return Period(kind, code, f"{year}年第{week}周", start, start + dt.timedelta(days=7))
    if kind == "monthly":
        if not _MONTH.match(code) or not 1 <= int(code[5:]) <= 12:
            raise ValueError(code)
        start = parse_month(code)
        return Period(kind, code, f"{start.year}年{start.month}月", start, add_months(start, 1))
    match = _QUARTER.match(code)
    if not match:
        raise ValueError(code)
    year, quarter = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * quarter - 2, 1)
    return Period(kind, code, f"{year}年第{quarter}季度", start, add_months(start, 3))


def _last_complete(kind: str, today: dt.date) -> str:
    if kind == "weekly":
        year, week, _ = (today - dt.timedelta(days=7)).isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "monthly":
        return add_months(today.replace(day=1), -1).strftime("%Y-%m")
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = add_months(first, -3)
    return f"{last.year}-Q{(last.month - 1) // 3 + 1}"


def month_key(session: Session, column: Any) -> Any:
    """SQL expression giving ``YYYY-MM`` of a date column, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")
