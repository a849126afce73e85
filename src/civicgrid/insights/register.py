"""The class register in the database: monthly mining runs and staff decisions.

A monthly run (:func:`run_month`) mines the cases received in a window of months ending with
the run's month (12 by default, so that a class's history and its year-on-year comparison
come from one consistent clustering), reconciles the clusters with the stored register
(:func:`civicgrid.insights.lineage.reconcile`, which keeps ids stable and never overwrites a
staff name), stores the register, and sets the current class of every mined case.

Staff decisions (:func:`decide`: rename, merge, split) are applied to the register at once
and kept in ``class_decisions``; because the register already holds them, the next run
starts from them and they survive re-mining.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from civicgrid.cases import states
from civicgrid.cases.deadlines import local_date
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import Actor
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.insights.lineage import (
    ClassRecord,
    Merge,
    Split,
    apply_decision,
    decision_from_dict,
)
from civicgrid.insights.models import ClassDecision, ClassMembership, ClassRun, ProblemClass
from civicgrid.insights.periods import add_months, month_key, parse_month
from civicgrid.insights.terms import content_words

log = logging.getLogger(__name__)

FEW_CASES = 20
CHUNK = 5000


def record_of(row: ProblemClass) -> ClassRecord:
    """The library's view of a stored class."""
    return ClassRecord(
        id=row.id, label=row.label, terms=dict(row.terms or {}), size=row.size,
        status=row.status, label_source="staff" if row.staff_label else "mined",
        mined_label=row.mined_label, first_run=row.first_run, last_run=row.last_run,
        merged_into=row.merged_into, split_into=list(row.split_into or []),
        absorbed_terms=list(row.absorbed_terms or []),
    )


def store_records(session: Session, records: Sequence[ClassRecord]) -> None:
    """Write the register back, inserting new classes and updating known ones."""
    existing = {row.id: row for row in session.scalars(select(ProblemClass))}
    for record in records:
        row = existing.get(record.id)
        if row is None:
            row = ProblemClass(id=record.id)
            session.add(row)
        row.label = record.label
        row.staff_label = record.label if record.label_source == "staff" else None
        row.mined_label, row.status, row.size = record.mined_label, record.status, record.size
        row.terms, row.absorbed_terms = dict(record.terms), list(record.absorbed_terms)
        row.merged_into, row.split_into = record.merged_into, list(record.split_into)
        row.first_run, row.last_run = record.first_run or "", record.last_run or ""


def register(session: Session) -> list[ClassRecord]:
    """Every stored class as library records."""
    rows = session.scalars(select(ProblemClass).order_by(ProblemClass.id))
    return [record_of(row) for row in rows]


def latest_case_month(session: Session, today: dt.date | None = None) -> str | None:
    """The month (YYYY-MM) of the newest case received by ``today`` (local date), or None
    when there is none. A case dated in the future (a clock or import error) does not move
    the monthly run off the present."""
    today = today or local_date(dt.datetime.now(dt.UTC))
    newest = session.scalar(select(func.max(Case.received_on)).where(Case.received_on <= today))
    return newest.strftime("%Y-%m") if newest else None


def case_text(title: str | None, text: str | None) -> str:
    """The text mined for a case: its text, led by its title unless the text starts with it."""
    title, text = (title or "").strip(), (text or "").strip()
    return text if not title or text.startswith(title) else f"{title}。{text}"


def _window(month: str, months: int) -> tuple[dt.date, dt.date]:
    first = parse_month(month)
    return add_months(first, -(months - 1)), add_months(first, 1)


def _window_cases(session: Session, start: dt.date, end: dt.date) -> list[Any]:
    query = (
        select(Case.id, Case.title, Case.text, Case.category_code, Case.community_code,
               Case.street_code, Case.received_at)
        .where(Case.received_on >= start, Case.received_on < end, Case.status != states.MERGED)
        .order_by(Case.id)
    )
    return list(session.execute(query))


def run_month(
    *, session: Session, month: str | None = None, months: int = 12,
    min_class_size: int | None = None,
) -> dict[str, Any]:
    """Mine the cases of the window ending with ``month``; store classes and memberships."""
    from civicgrid.insights.mining import MiningSettings
    from civicgrid.insights.service import mine_run

    if months < 1:
        raise ValidationFailed("months must be at least 1", field="months", value=months)
    month = month or latest_case_month(session)
    if month is None:
        raise ValidationFailed("there are no cases to mine", field="month", value=None,
                               fix="import or create cases first")
    start, end = _window(month, months)
    began = time.monotonic()
    rows = _window_cases(session, start, end)
    if not rows:
        return _empty_run(session, month, start, end)
    settings = MiningSettings(min_cluster_size=min_class_size) if min_class_size else None
    texts = [case_text(r.title, r.text) for r in rows]
    result = mine_run(
        texts, times=[r.received_at.isoformat() for r in rows],
        categories=[r.category_code for r in rows],
        places=[r.community_code or r.street_code for r in rows],
        previous=register(session), run=month, settings=settings,
    )
    run = ClassRun(month=month, window_start=start, window_end=end, cases=len(rows))
    session.add(run)
    session.flush()
    store_records(session, result.reconciliation.classes)
    session.flush()
    classes = result.classes()
    classed = _store_memberships(session, run.id, [r.id for r in rows], classes)
    notes = _run_notes(len(rows), classes, result.to_dict()["notes"])
    run.classed, run.classes, run.notes = classed, len(classes), notes
    run.finished_at = dt.datetime.now(dt.UTC)
    run.seconds = round(time.monotonic() - began, 3)
    log.info("class run %s: %d cases, %d classes", month, len(rows), len(classes))
    return run_summary(run, classes)


def _empty_run(session: Session, month: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """A run over a window without cases: recorded with a note; the register is left as is."""
    run = ClassRun(month=month, window_start=start, window_end=end, cases=0,
                   notes=_run_notes(0, [], []), finished_at=dt.datetime.now(dt.UTC), seconds=0.0)
    session.add(run)
    session.flush()
    return run_summary(run, [])


def _run_notes(case_count: int, classes: list[dict[str, Any]], notes: list[str]) -> list[str]:
    result = list(notes)
    if case_count < FEW_CASES:
        result.insert(0, f"本期仅 {case_count} 件工单，样本太少，问题类仅供参考。")
    if not classes:
        result.insert(0, "本期未发现重复出现的问题类（工单内容分散或太少）。")
    return result


def _store_memberships(
    session: Session, run_id: int, case_ids: list[int], classes: list[dict[str, Any]]
) -> int:
    for chunk in _chunks(case_ids):
        session.execute(delete(ClassMembership).where(ClassMembership.case_id.in_(chunk)))
    members = [
        {"case_id": case_ids[row - 1], "class_id": c["id"], "run_id": run_id}
        for c in classes for row in c["rows"]
    ]
    for chunk in _chunks(members):
        session.execute(ClassMembership.__table__.insert(), chunk)
    return len(members)


def _chunks(items: list[Any]) -> list[list[Any]]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def run_summary(run: ClassRun, classes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A run as JSON: month, window, figures, notes, and its classes when given."""
    summary: dict[str, Any] = {
        "id": run.id, "month": run.month, "window_start": run.window_start.isoformat(),
        "window_end": run.window_end.isoformat(), "cases": run.cases, "classed": run.classed,
        "class_count": run.classes, "notes": list(run.notes or []), "seconds": run.seconds,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
    if classes is not None:
        summary["classes"] = [
            {"id": c["id"], "label": c["label"], "size": c["size"], "terms": c["terms"]}
            for c in classes
        ]
    return summary


def list_runs(*, session: Session, limit: int = 24) -> list[dict[str, Any]]:
    """The latest runs, newest first."""
    runs = session.scalars(select(ClassRun).order_by(ClassRun.id.desc()).limit(limit))
    return [run_summary(run) for run in runs]


def decide(*, session: Session, decision: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Apply a staff rename/merge/split now and keep it; returns the affected classes."""
    try:
        parsed = decision_from_dict(decision)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(
            f"decision is not usable: {exc}", field="decision", value=decision,
            fix='send {"kind": "rename", "class_id": "C0001", "label": "…"}, '
                '{"kind": "merge", "class_ids": [...], "into": "C0001"} or '
                '{"kind": "split", "class_id": "C0001", "children": [{"label", "terms"}]}',
        ) from None
    records, notes = apply_decision(register(session), parsed, run=_current_run_name(session))
    if notes:
        raise NotFound(notes[0], field="class_id", value=decision)
    store_records(session, records)
    session.flush()
    _move_members(session, parsed, {r.id: r for r in records})
    session.add(ClassDecision(kind=str(decision["kind"]), payload=decision,
                              actor_id=actor.id, actor_name=actor.name))
    session.flush()
    log.info("class decision %s applied", decision["kind"])
    return {"decision": decision, "classes": [c for c in list_classes(session=session)
                                               if c["id"] in _touched(parsed, records)]}


def _current_run_name(session: Session) -> str:
    query = select(ClassRun.month).where(ClassRun.cases > 0).order_by(ClassRun.id.desc())
    return session.scalar(query.limit(1)) or ""


def _touched(decision: Any, records: list[ClassRecord]) -> set[str]:
    if isinstance(decision, Merge):
        return {*decision.class_ids, decision.into}
    if isinstance(decision, Split):
        parent = next(r for r in records if r.id == decision.class_id)
        return {decision.class_id, *parent.split_into}
    return {decision.class_id}


def _move_members(session: Session, decision: Any, records: dict[str, ClassRecord]) -> None:
    if isinstance(decision, Merge):
        others = [i for i in decision.class_ids if i != decision.into]
        session.execute(update(ClassMembership).where(ClassMembership.class_id.in_(others))
                        .values(class_id=decision.into))
    elif isinstance(decision, Split):
        _split_members(session, decision, records)
    _refresh_sizes(session)


def _split_members(session: Session, decision: Split, records: dict[str, ClassRecord]) -> None:
    """Each case of a split class goes to the child whose key words it mentions most."""
    children = records[decision.class_id].split_into
    words = [set(child.terms) for child in decision.children]
    cases = session.execute(
        select(ClassMembership.case_id, Case.title, Case.text)
        .join(Case, Case.id == ClassMembership.case_id)
        .where(ClassMembership.class_id == decision.class_id)
    )
    for case_id, title, text in cases:
        tokens = set(content_words(case_text(title, text)))
        scores = [sum(1 for w in terms if w in tokens or w in (text or "")) for terms in words]
        best = max(range(len(scores)), key=lambda i: (scores[i], -i))
        session.execute(update(ClassMembership).where(ClassMembership.case_id == case_id)
                        .values(class_id=children[best]))


def _refresh_sizes(session: Session) -> None:
    sizes = dict(session.execute(
        select(ClassMembership.class_id, func.count()).group_by(ClassMembership.class_id)
    ).all())
    for row in session.scalars(select(ProblemClass)):
        row.size = int(sizes.get(row.id, 0))
        if row.status == "vanished" and row.size:
            row.status = "active"


def display_label(row: ProblemClass) -> str:
    """The name readers see: the staff name when there is one."""
    return row.staff_label or row.label


def class_month_counts(
    session: Session, class_ids: Sequence[str], *, start: dt.date, end: dt.date
) -> dict[str, dict[str, int]]:
    """Cases per month (YYYY-MM) of each class, for cases received in [start, end)."""
    key = month_key(session, Case.received_on).label("month")
    rows = session.execute(
        select(ClassMembership.class_id, key, func.count())
        .join(Case, Case.id == ClassMembership.case_id)
        .where(ClassMembership.class_id.in_(list(class_ids)), Case.received_on >= start,
               Case.received_on < end)
        .group_by(ClassMembership.class_id, key)
    )
    counts: dict[str, dict[str, int]] = {i: {} for i in class_ids}
    for class_id, month, count in rows:
        counts[class_id][str(month)] = int(count)
    return counts


def list_classes(
    *, session: Session, status: str | None = None, trend_months: int = 6
) -> list[dict[str, Any]]:
    """Classes with size, label, status and the cases per month of the last months."""
    query = select(ProblemClass).order_by(ProblemClass.size.desc(), ProblemClass.id)
    if status:
        query = query.where(ProblemClass.status == status)
    rows = list(session.scalars(query))
    month = _current_run_name(session) or latest_case_month(session)
    months = _month_labels(month, trend_months) if month else []
    counts = (class_month_counts(session, [r.id for r in rows], start=parse_month(months[0]),
                                 end=add_months(parse_month(months[-1]), 1))
              if rows and months else {})
    return [_class_item(r, months, counts.get(r.id, {})) for r in rows]


def _month_labels(month: str, count: int) -> list[str]:
    first = parse_month(month)
    return [add_months(first, -i).strftime("%Y-%m") for i in range(count - 1, -1, -1)]


def _class_item(row: ProblemClass, months: list[str], counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": row.id, "label": display_label(row), "mined_label": row.mined_label,
        "staff_label": row.staff_label, "status": row.status, "size": row.size,
        "terms": list((row.terms or {}).keys())[:8], "merged_into": row.merged_into,
        "split_into": list(row.split_into or []), "first_run": row.first_run,
        "last_run": row.last_run,
        "trend": [{"month": m, "cases": counts.get(m, 0)} for m in months],
    }


def class_detail(*, session: Session, class_id: str, limit: int = 100) -> dict[str, Any]:
    """One class with its newest cases."""
    row = session.get(ProblemClass, class_id)
    if row is None:
        raise NotFound(f"no problem class {class_id!r}", field="class_id", value=class_id,
                       fix="GET /api/insights/classes lists the classes")
    item = next((c for c in list_classes(session=session) if c["id"] == class_id), None)
    cases = session.execute(
        select(Case.number, Case.title, Case.received_at, Case.status, Case.street_code,
               Case.community_code, Case.category_code)
        .join(ClassMembership, ClassMembership.case_id == Case.id)
        .where(ClassMembership.class_id == class_id)
        .order_by(Case.received_at.desc()).limit(limit)
    )
    item = dict(item or _class_item(row, [], {}))
    item["cases"] = [
        {"number": c.number, "title": c.title, "received_at": c.received_at.isoformat(),
         "status": c.status, "status_label": states.STATUS_LABELS.get(c.status, c.status),
         "street_code": c.street_code, "community_code": c.community_code,
         "category_code": c.category_code}
        for c in cases
    ]
    if row.status != "active":
        item["note"] = _status_note(row)
    return item


def _status_note(row: ProblemClass) -> str:
    if row.status == "merged":
        return f"该类已并入 {row.merged_into}。"
    if row.status == "split":
        return f"该类已拆分为 {'、'.join(row.split_into or [])}。"
    return "该类在最近一次挖掘中没有工单（已消失），历史工单仍保留。"


def prepare_demo_classes(settings: Any) -> dict[str, Any]:
    """Demo hook: one monthly run over the demo cases unless a run exists already."""
    from civicgrid.db.runtime import open_database

    db = open_database(settings)
    try:
        with db.sessions() as session:
            if session.scalar(select(func.count()).select_from(ClassRun)):
                return {"class_run": "exists"}
            result = run_month(session=session, months=3)
            session.commit()
            return {"class_run": result["month"], "classes": result["class_count"]}
    finally:
        db.engine.dispose()


def monthly_round(*, session: Session, today: dt.date) -> dict[str, Any] | None:
    """For the periodic round: mine the last complete month once; None when already done.

    Called from :func:`civicgrid.background.run_periodic`.
    """
    month = add_months(today.replace(day=1), -1).strftime("%Y-%m")
    done = session.scalar(select(func.count()).select_from(ClassRun).where(ClassRun.month == month))
    if done:
        return None
    return run_month(session=session, month=month)
