"""Figures leaders read, straight from the database: heat map counts, the dashboard (大屏)
and the input dict of weekly, monthly and quarterly reports.

Every figure is one grouped SQL query (the same on SQLite and PostgreSQL), so the dashboard
and the reports stay quick at a million cases. Rates come from
:func:`civicgrid.cases.metrics.compute`; units are ranked by
:func:`civicgrid.cases.metrics.rank_units`. Empty or thin data never gives a silent empty
chart: each part carries notes saying why it is empty or thin.

Open alerts come from the risk package's ``Alert`` table when it exists (imported lazily);
otherwise the section says the alert module is not installed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.cases import metrics, states
from civicgrid.cases.deadlines import LOCAL, local_date
from civicgrid.cases.models import Case
from civicgrid.errors import ValidationFailed
from civicgrid.insights.models import ClassMembership, ProblemClass
from civicgrid.insights.periods import Period, parse_period
from civicgrid.insights.register import display_label
from civicgrid.insights.tickets import STAGES, list_tickets
from civicgrid.jurisdiction.models import Category, Region, Unit

log = logging.getLogger(__name__)

LEVELS = {"street": Case.street_code, "community": Case.community_code, "grid": Case.grid_code}
LEVEL_NAMES = {"street": "街道", "community": "社区", "grid": "网格"}
RATE_KEYS = {"响应率": "response_rate", "按时办结率": "on_time_rate", "满意率": "satisfaction_rate"}


def _moment(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` as an aware datetime."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL)


def _live() -> Any:
    return Case.status != states.MERGED


def _date_range(start: dt.date | None, end: dt.date | None) -> list[Any]:
    conditions = [_live()]
    if start is not None:
        conditions.append(Case.received_on >= start)
    if end is not None:
        conditions.append(Case.received_on < end)
    return conditions


def heat_map(
    *, session: Session, level: str = "street", start: dt.date | None = None,
    end: dt.date | None = None, category: str | None = None,
) -> dict[str, Any]:
    """Cases per region of ``level`` (and per top-level category) in [start, end)."""
    if level not in LEVELS:
        raise ValidationFailed(f"level must be one of {sorted(LEVELS)}, got {level!r}",
                               field="level", value=level, allowed=sorted(LEVELS))
    column = LEVELS[level]
    conditions = _date_range(start, end)
    if category:
        conditions.append(Case.category_code.like(f"{category}%"))
    top = func.substr(Case.category_code, 1, 2).label("top")
    rows = session.execute(
        select(column.label("region"), top, func.count()).where(*conditions)
        .group_by(column, top)
    ).all()
    names = _region_names(session, level)
    categories = _category_names(session)
    regions: dict[str | None, dict[str, Any]] = {}
    for region, cat, count in rows:
        item = regions.setdefault(region, {"code": region, "name": names.get(region, region),
                                           "count": 0, "categories": {}})
        item["count"] += int(count)
        key = categories.get(cat, cat or "未分类")
        item["categories"][key] = item["categories"].get(key, 0) + int(count)
    return _heat_result(level, regions, start, end, category)


def hexagons(
    *, session: Session, start: dt.date | None = None, end: dt.date | None = None,
    category: str | None = None, resolution: int = 8,
) -> dict[str, Any]:
    """Cases per H3 hexagon (from case coordinates, WGS-84) as GeoJSON with a count each."""
    from civicgrid.insights.heatmap import h3_counts, h3_geojson

    conditions = _date_range(start, end)
    if category:
        conditions.append(Case.category_code.like(f"{category}%"))
    points = session.execute(select(Case.lat, Case.lon).where(*conditions))
    try:
        counts = h3_counts(({"lat": lat, "lng": lon} for lat, lon in points),
                           resolution=resolution)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="resolution", value=resolution) from None
    notes = ["所选范围内没有带坐标的工单，无六边形可画。"] if not counts.counts else []
    if counts.left_out:
        notes.append(f"{sum(counts.left_out.values())} 件工单没有坐标，未计入六边形。")
    return {"level": "h3", "resolution": resolution, "total": counts.total,
            "unplaced": sum(counts.left_out.values()),
            "cells": [{"code": c, "count": n} for c, n in counts.counts.items()],
            "geojson": h3_geojson(counts.counts), "notes": notes}


def _heat_result(
    level: str, regions: dict[str | None, dict[str, Any]], start: dt.date | None,
    end: dt.date | None, category: str | None,
) -> dict[str, Any]:
    unplaced = regions.pop(None, {"count": 0})["count"]
    items = sorted(regions.values(), key=lambda r: (-r["count"], r["code"]))
    total = sum(r["count"] for r in items) + unplaced
    notes = []
    if not total:
        notes.append("所选时间范围内没有工单，热力图为空。")
    elif unplaced:
        notes.append(f"{unplaced} 件工单没有{LEVEL_NAMES[level]}信息，未计入地图。")
    if 0 < total < 20:
        notes.append(f"仅 {total} 件工单，热度仅供参考。")
    return {"level": level, "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None, "category": category, "total": total,
            "unplaced": unplaced, "regions": items, "notes": notes}


def _region_names(session: Session, level: str) -> dict[str | None, str]:
    query = select(Region.code, Region.name).where(Region.level == level)
    return dict(session.execute(query).all())


def _category_names(session: Session) -> dict[str | None, str]:
    query = select(Category.code, Category.name).where(Category.level == 1)
    return dict(session.execute(query).all())


def _unit_names(session: Session) -> dict[str | None, str]:
    return dict(session.execute(select(Unit.code, Unit.name)).all())


def _rates(session: Session, start: dt.date, end: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = metrics.compute(session=session, group_by="none", start=_moment(start),
                           end=_moment(end))
    row = rows[0] if rows else {}
    rates = {name: row.get(key) for name, key in RATE_KEYS.items()}
    return rates, row


def daily_trend(session: Session, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Cases received per day in [start, end), every day present (0 when none)."""
    counts = dict(session.execute(
        select(Case.received_on, func.count()).where(*_date_range(start, end))
        .group_by(Case.received_on)
    ).all())
    days = (end - start).days
    return [{"period": (start + dt.timedelta(days=i)).strftime("%m-%d"),
             "cases": int(counts.get(start + dt.timedelta(days=i), 0))} for i in range(days)]


def weekly_trend(session: Session, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Cases per week (Monday-based) in [start, end), for quarterly reports."""
    daily = daily_trend(session, start, end)
    weeks: list[dict[str, Any]] = []
    for i in range(0, len(daily), 7):
        chunk = daily[i:i + 7]
        weeks.append({"period": chunk[0]["period"], "cases": sum(d["cases"] for d in chunk)})
    return weeks


def top_classes(
    session: Session, *, start: dt.date | None = None, end: dt.date | None = None, top: int = 10
) -> list[dict[str, Any]]:
    """Classes with most cases received in [start, end) (all time when no range)."""
    rows = session.execute(
        select(ClassMembership.class_id, func.count().label("n"))
        .join(Case, Case.id == ClassMembership.case_id).where(*_date_range(start, end))
        .group_by(ClassMembership.class_id).order_by(func.count().desc()).limit(top)
    ).all()
    classes = {c.id: c for c in session.scalars(
        select(ProblemClass).where(ProblemClass.id.in_([r[0] for r in rows])))}
    heat = class_heat(session, [r[0] for r in rows], start=start, end=end)
    return [{"id": cid, "label": display_label(classes[cid]), "size": int(n),
             "total": classes[cid].size, "heat": heat.get(cid)}
            for cid, n in rows if cid in classes]


def class_heat(
    session: Session, class_ids: list[str], *, start: dt.date | None, end: dt.date | None
) -> dict[str, float]:
    """Heat index (0–100, :mod:`civicgrid.insights.heat`) of each class over its cases in
    range: volume, distinct reporters, intensity in time and spread over communities."""
    from civicgrid.insights.heat import CaseFacts, ClassMembers, hot_issues

    if not class_ids:
        return {}
    facts = session.execute(
        select(ClassMembership.class_id, Case.reporter_phone, Case.received_at,
               func.coalesce(Case.community_code, Case.street_code))
        .join(Case, Case.id == ClassMembership.case_id)
        .where(ClassMembership.class_id.in_(class_ids), *_date_range(start, end))
    ).all()
    rows: dict[str, list[int]] = {}
    for index, fact in enumerate(facts):
        rows.setdefault(fact[0], []).append(index)
    members = [ClassMembers(cid, cid, rows[cid]) for cid in class_ids if cid in rows]
    case_facts = CaseFacts(reporters=[f[1] for f in facts], times=[f[2] for f in facts],
                           places=[f[3] for f in facts])
    issues, _notes = hot_issues(members, case_facts, top=len(members))
    return {issue.id: issue.heat for issue in issues}


def top_places(
    session: Session, *, start: dt.date, end: dt.date, level: str = "community", top: int = 10
) -> list[dict[str, Any]]:
    """Regions with most cases in [start, end), named from the jurisdiction tables; streets
    when no case of the period has a community."""
    heat = heat_map(session=session, level=level, start=start, end=end)
    if not heat["regions"] and level == "community":
        heat = heat_map(session=session, level="street", start=start, end=end)
    return [{"place": r["name"], "code": r["code"], "count": r["count"]}
            for r in heat["regions"][:top]]


def open_alerts(
    session: Session, *, limit: int = 20
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Open risk alerts (not closed, not a false alarm), newest first, and no note."""
    from civicgrid.risk.models import RiskAlert

    rows = session.scalars(
        select(RiskAlert)
        .where(RiskAlert.status.not_in(("closed", "false_alarm")))
        .order_by(RiskAlert.detected_at.desc())
        .limit(limit)
    )
    items = [
        {"id": a.id, "title": a.title, "level": a.severity, "type": a.type, "status": a.status,
         "since": a.detected_at.isoformat()[:16], "overdue": a.overdue}
        for a in rows
    ]
    return items, None


def dashboard(*, session: Session, now: dt.datetime | None = None) -> dict[str, Any]:
    """The leaders' screen: today's totals, the three rates (last 30 days), 30-day trend,
    heat by street, top classes and open alerts."""
    now = now or dt.datetime.now(dt.UTC)
    today = local_date(now)
    month_ago = today - dt.timedelta(days=30)
    tomorrow = today + dt.timedelta(days=1)
    rates, figures = _rates(session, month_ago, tomorrow)
    alerts, alert_note = open_alerts(session)
    notes = [alert_note] if alert_note else []
    if not figures.get("received"):
        notes.append("最近 30 天没有工单，比率无从计算。")
    classes = top_classes(session, start=month_ago, end=tomorrow)
    if not classes:
        notes.append("最近 30 天没有已归类的工单（尚未运行问题类挖掘：civicgrid classes run）。")
    return {
        "generated_at": now.isoformat(), "today": today.isoformat(),
        "totals": _today_totals(session, today, now), "rates": rates,
        "rates_window": {"start": month_ago.isoformat(), "end": tomorrow.isoformat()},
        "trend": daily_trend(session, month_ago, tomorrow),
        "heat": heat_map(session=session, level="street", start=month_ago, end=tomorrow),
        "top_classes": classes, "alerts": alerts, "notes": notes,
    }


def _today_totals(session: Session, today: dt.date, now: dt.datetime) -> dict[str, int]:
    received = session.scalar(select(func.count()).where(Case.received_on == today, _live()))
    closed = session.scalar(select(func.count()).where(
        Case.status == states.CLOSED, Case.closed_at >= _moment(today), Case.closed_at <= now))
    open_now = session.scalar(select(func.count()).where(Case.status.in_(states.OPEN_STATUSES)))
    overdue = session.scalar(select(func.count()).where(
        Case.status.in_(states.OPEN_STATUSES), Case.overdue.is_(True)))
    return {"received_today": int(received or 0), "closed_today": int(closed or 0),
            "open": int(open_now or 0), "overdue": int(overdue or 0)}


def report_data(
    *, session: Session, kind: str, period: str | None = None, today: dt.date | None = None,
    district: str = "南山区",
) -> dict[str, Any]:
    """The dict :mod:`civicgrid.insights.reports` writes, for one period from the database."""
    span = parse_period(kind, period, today=today or local_date(dt.datetime.now(dt.UTC)))
    rates, figures = _rates(session, span.start, span.end)
    alerts, alert_note = open_alerts(session)
    notes = [alert_note] if alert_note else []
    units = _ranked_units(session, span)
    if not figures.get("received"):
        notes.append(f"{span.label}没有工单：各节为空，趋势图从略。")
    data: dict[str, Any] = {
        "kind": kind, "period": span.label, "period_code": span.code, "district": district,
        "totals": _period_totals(figures),
        "rates": {k: v for k, v in rates.items() if v is not None},
        "trend": (weekly_trend if kind == "quarterly" else daily_trend)(session, span.start,
                                                                         span.end)
        if figures.get("received") else [],
        "top_classes": top_classes(session, start=span.start, end=span.end),
        "top_places": top_places(session, start=span.start, end=span.end),
        "units": units, "alerts": alerts or [],
        "tickets": _report_tickets(session), "notes": notes + _report_notes(figures, rates),
    }
    return data


def _period_totals(figures: dict[str, Any]) -> dict[str, int]:
    return {"受理": int(figures.get("received", 0)), "办结": int(figures.get("closed", 0)),
            "超期": int(figures.get("overdue", 0)), "重办": int(figures.get("reopened", 0))}


def _report_notes(figures: dict[str, Any], rates: dict[str, Any]) -> list[str]:
    notes = []
    missing = [name for name, value in rates.items() if value is None]
    if missing and figures.get("received"):
        notes.append(f"{'、'.join(missing)}本期无分母（无相应工单），未列出。")
    return notes


def _ranked_units(session: Session, span: Period) -> list[dict[str, Any]]:
    rows = metrics.compute(session=session, group_by="unit", start=_moment(span.start),
                           end=_moment(span.end))
    names = _unit_names(session)
    return [
        {"rank": r["rank"], "unit": names.get(r["key"], r["key"]), "cases": r["received"],
         "on_time_rate": r["on_time_rate"], "satisfaction_rate": r["satisfaction_rate"],
         "response_rate": r["response_rate"], "score": r["score"]}
        for r in metrics.rank_units(rows)
    ]


def _report_tickets(session: Session) -> list[dict[str, Any]]:
    names = _unit_names(session)
    return [
        {"id": f"T{t['id']}", "class_label": t["class_label"],
         "unit": names.get(t["unit_code"], t["unit_code"]), "status": STAGES[t["status"]],
         "due": t["feedback_due"] or t["governance_due"] or t["analysis_due"]}
        for t in list_tickets(session=session)[:30]
    ]
