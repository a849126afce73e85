"""The figures units are assessed on, grouped by unit, street, category or period.

Definitions (merged duplicates are left out of every figure):

* 响应率 (response rate): cases accepted within their response deadline ÷ cases dispatched.
* 按时办结率 (on-time closure): cases closed by their completion deadline ÷ cases closed.
* 满意率 (satisfaction): return visits rated 满意 or 基本满意 ÷ return visits rated.
* 办结率 (closure rate): cases closed ÷ cases received.
* 重办率 (reopen rate): cases reopened at least once ÷ cases that had a return visit.
* 平均办理天数: mean calendar days from receipt to closure, over closed cases.

The on-time flags are decided when the case is accepted or closed and stored on the case,
so the query is one pass of sums, the same SQL on SQLite and PostgreSQL.

Unit ranking score (0–100) = 20 × 响应率 + 30 × 按时办结率 + 40 × 满意率 + 10 × (1 − 重办率);
a rate with no denominator counts as 1 so a unit is not punished for having no such cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from civicgrid.cases import states
from civicgrid.cases.models import Case
from civicgrid.errors import ValidationFailed

GROUPS = ("unit", "street", "category", "month", "day", "none")


def _group_column(session: Session, group_by: str) -> Any:
    dialect = session.get_bind().dialect.name
    if group_by == "unit":
        return Case.lead_unit
    if group_by == "street":
        return Case.street_code
    if group_by == "category":
        return func.substr(Case.category_code, 1, 2)
    if group_by == "day":
        return cast(Case.received_on, String)
    if group_by == "month":
        if dialect == "sqlite":
            return func.strftime("%Y-%m", Case.received_on)
        return func.to_char(Case.received_on, "YYYY-MM")
    return literal("all")


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def compute(
    *,
    session: Session,
    group_by: str = "unit",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    scope: Any = None,
) -> list[dict[str, Any]]:
    """One row of figures per group, for cases received in [start, end)."""
    if group_by not in GROUPS:
        raise ValidationFailed(
            f"cannot group by {group_by!r}", field="group_by", value=group_by, allowed=list(GROUPS)
        )
    key = _group_column(session, group_by).label("key")
    closed = Case.status == states.CLOSED
    query = select(
        key,
        func.count().label("received"),
        _count(Case.dispatched_at.is_not(None)).label("dispatched"),
        _count(Case.responded_on_time.is_(True)).label("responded_on_time"),
        _count(closed).label("closed"),
        _count(and_(closed, Case.closed_on_time.is_(True))).label("closed_on_time"),
        _count(Case.satisfaction.is_not(None)).label("rated"),
        _count(Case.satisfaction.in_(("satisfied", "basic"))).label("satisfied"),
        _count(Case.reopen_count > 0).label("reopened"),
        _count(Case.overdue.is_(True)).label("overdue"),
        func.avg(case((closed, Case.handling_days), else_=None)).label("avg_days"),
        _count(Case.resolution == "resolved").label("resolved"),
    ).where(Case.status != states.MERGED)
    if start is not None:
        query = query.where(Case.received_at >= start)
    if end is not None:
        query = query.where(Case.received_at < end)
    if scope is not None:
        query = query.where(scope)
    rows = session.execute(query.group_by(key).order_by(key)).mappings().all()
    return [_figures(dict(row)) for row in rows]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    ints = {k: int(v or 0) for k, v in row.items() if k not in ("key", "avg_days")}
    rated_visits = ints["rated"]
    result = {
        "key": row["key"],
        **ints,
        "response_rate": _rate(ints["responded_on_time"], ints["dispatched"]),
        "on_time_rate": _rate(ints["closed_on_time"], ints["closed"]),
        "satisfaction_rate": _rate(ints["satisfied"], rated_visits),
        "closure_rate": _rate(ints["closed"], ints["received"]),
        "reopen_rate": _rate(ints["reopened"], rated_visits),
        "avg_handling_days": round(float(row["avg_days"]), 2)
        if row["avg_days"] is not None
        else None,
    }
    return result


def rank_units(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units ordered by their ranking score (see the module docstring)."""
    ranked = []
    for row in rows:
        if row["key"] is None:
            continue

        def val(name: str) -> float:
            value = row[name]
            return 1.0 if value is None else float(value)

        score = (
            20 * val("response_rate")
            + 30 * val("on_time_rate")
            + 40 * val("satisfaction_rate")
            + 10 * (1 - (row["reopen_rate"] or 0.0))
        )
        ranked.append({**row, "score": round(score, 2)})
    ranked.sort(key=lambda r: (-r["score"], r["key"]))
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position
    return ranked
