"""The daily risk job (``civicgrid risk run``) and the daily report (日研判日报告).

:func:`run_day` runs every detector for one local day ``D`` over the case table:

* the case-level detectors (hazard, repeat, concentration, weak signal) over the cases of the
  :data:`CASE_WINDOW_DAYS` days up to ``D``; a candidate is kept when one of ``D``'s cases is
  in its evidence (or it judges a case's state: long open, reopened);
* the working-day surge detector over daily counts per street × second-level category for the
  :data:`COUNT_HISTORY_DAYS` days up to ``D``, alerts on ``D``;
* the prospective space-time permutation scan per first-level category over about 1 km cells
  of the cases that have coordinates, clusters ending on ``D``.

Imported history counts here (it is the baseline, and the demo's history raises its alerts this
way); only the live per-case check ignores it. Candidates go to the alert store, which
deduplicates and notifies. The run is recorded in ``risk_runs`` and rebuilds the incremental
surge monitors from the table for the current day. :func:`run_due` is what the
background round calls: it runs yesterday once, after midnight local time.

:func:`report_data` and :func:`write_report` give the day's report: the alerts detected on
``D``, those whose state or evidence changed on ``D``, and those overdue.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.cases.deadlines import LOCAL, local_date
from civicgrid.cases.models import Case
from civicgrid.jurisdiction import service as jurisdiction
from civicgrid.risk import store
from civicgrid.risk.alerts import AlertCandidate
from civicgrid.risk.cells import cell_names, grid_over
from civicgrid.risk.counts import count_matrix
from civicgrid.risk.incoming import (
    case_record,
    fresh_candidates,
    rebuild_monitors,
    series_names,
    store_candidates,
)
from civicgrid.risk.models import RiskRun
from civicgrid.risk.report import ReportFiles, build_daily_report
from civicgrid.risk.scan import ScanSettings
from civicgrid.risk.service import case_alerts, cluster_alerts_for_day, surge_alerts_for_day

log = logging.getLogger(__name__)

CASE_WINDOW_DAYS = 30
COUNT_HISTORY_DAYS = 365
SCAN_MIN_CASES = 20
EVIDENCE_PER_SERIES = 50


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC start and end of a local (Asia/Shanghai) day."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def _cases_between(session: Session, first: dt.date, last: dt.date) -> list[Case]:
    return list(session.scalars(select(Case).where(
        Case.received_on >= first, Case.received_on <= last).order_by(Case.received_at)))


def case_level_candidates(cases: list[Case], day: dt.date) -> list[AlertCandidate]:
    """Hazard, repeat, concentration and weak-signal candidates that ``day``'s cases raise."""
    fresh = {c.number for c in cases if c.received_on == day}
    if not cases:
        return []
    end_of_day = dt.datetime.combine(day, dt.time(23, 59, 59))
    return fresh_candidates(case_alerts([case_record(c) for c in cases], now=end_of_day), fresh)


def surge_candidates(session: Session, day: dt.date) -> list[AlertCandidate]:
    """Working-day surge alerts on ``day`` per street × second-level category."""
    first = day - dt.timedelta(days=COUNT_HISTORY_DAYS - 1)
    rows = session.execute(
        select(Case.street_code, Case.category_code, Case.received_on, func.count())
        .where(Case.received_on >= first, Case.received_on <= day,
               Case.street_code.is_not(None), Case.category_code.is_not(None))
        .group_by(Case.street_code, Case.category_code, Case.received_on)
    ).all()
    if not rows:
        return []
    keys = sorted({(r[0], r[1][:4]) for r in rows})
    index = {k: i for i, k in enumerate(keys)}
    counts = np.zeros((len(keys), COUNT_HISTORY_DAYS))
    for street, category, received_on, n in rows:
        counts[index[(street, category[:4])], (received_on - first).days] += n
    matrix = count_matrix(keys, first, counts)
    found = []
    for candidate in surge_alerts_for_day(matrix, day):
        series = (candidate.subject["region"], candidate.subject["category"])
        numbers = _series_numbers(session, series, day)
        region, category = series_names(session, series)
        evidence = dataclasses.replace(candidate.evidence, case_ids=tuple(numbers))
        found.append(dataclasses.replace(candidate, evidence=evidence,
                                         title=f"{region}“{category}”类诉求激增"))
    return found


def _series_numbers(session: Session, series: tuple[str, str], day: dt.date) -> list[str]:
    return list(session.scalars(select(Case.number).where(
        Case.received_on == day, Case.street_code == series[0],
        Case.category_code.startswith(series[1])).order_by(Case.received_at)
        .limit(EVIDENCE_PER_SERIES)))


def scan_candidates(session: Session, day: dt.date,
                    settings: ScanSettings | None = None) -> tuple[list[AlertCandidate], str]:
    """Space-time clusters ending on ``day`` per first-level category; and a note."""
    settings = settings or ScanSettings()
    first = day - dt.timedelta(days=settings.study_days - 1)
    rows = session.execute(select(
        Case.number, Case.received_on, Case.category_code, Case.lat, Case.lon,
    ).where(Case.received_on >= first, Case.received_on <= day, Case.lat.is_not(None),
            Case.lon.is_not(None), Case.category_code.is_not(None))).all()
    rows = [r for r in rows if abs(r.lat) > 1e-6 or abs(r.lon) > 1e-6]
    if len(rows) < SCAN_MIN_CASES:
        return [], f"space-time scan not run: {len(rows)} cases with coordinates"
    lat, lon = np.array([r.lat for r in rows]), np.array([r.lon for r in rows])
    grid = grid_over(lat, lon)
    ix, iy = grid.cell_of(lat, lon)
    names = cell_names(ix, iy)
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_category[r.category_code[:2]].append(i)
    found: list[AlertCandidate] = []
    for category, members in sorted(by_category.items()):
        if len(members) >= SCAN_MIN_CASES:
            found += _scan_category(rows, members, names, grid, ix, iy, category, day, first,
                                    settings)
    return found, f"space-time scan over {len(set(names))} cells"


def _scan_category(rows: list, members: list[int], names: list[str], grid: Any,
                   ix: np.ndarray, iy: np.ndarray, category: str, day: dt.date,
                   first: dt.date, settings: ScanSettings) -> list[AlertCandidate]:
    cells = sorted({names[i] for i in members})
    if len(cells) < 2:
        return []
    at = {c: k for k, c in enumerate(cells)}
    counts = np.zeros((len(cells), (day - first).days + 1), dtype=np.int64)
    centres = np.zeros((len(cells), 2))
    for i in members:
        counts[at[names[i]], (rows[i].received_on - first).days] += 1
        centres[at[names[i]]] = grid.centre_km(ix[i:i + 1], iy[i:i + 1])[0]
    found = []
    for candidate in cluster_alerts_for_day(counts, centres, cells, category, day, settings):
        inside = set(candidate.subject["regions"].split(","))
        recent = day - dt.timedelta(days=settings.max_window_days - 1)
        numbers = tuple(rows[i].number for i in members
                        if names[i] in inside and rows[i].received_on >= recent)
        evidence = dataclasses.replace(candidate.evidence, case_ids=numbers)
        found.append(dataclasses.replace(candidate, evidence=evidence))
    return found


def run_day(*, session: Session, day: dt.date, now: dt.datetime | None = None,
            scan: bool = True, rebuild: bool = True) -> dict[str, Any]:
    """Run every detector for local day ``day`` and store the alerts; returns a summary.
    ``rebuild`` also rebuilds the live surge monitors for the current day afterwards."""
    now = now or dt.datetime.now(dt.UTC)
    cases = _cases_between(session, day - dt.timedelta(days=CASE_WINDOW_DAYS), day)
    by_number = {c.number: c for c in cases}
    candidates = case_level_candidates(cases, day) + surge_candidates(session, day)
    note = "space-time scan switched off"
    if scan:
        clusters, note = scan_candidates(session, day)
        candidates += clusters
    for candidate in candidates:
        for number in candidate.evidence.case_ids:
            if number not in by_number:
                found = session.scalar(select(Case).where(Case.number == number))
                if found is not None:
                    by_number[number] = found
    before = _open_count(session)
    raised = store_candidates(session=session, candidates=candidates, by_number=by_number,
                              now=now, source="daily")
    monitors = rebuild_monitors(session=session, today=local_date(now)) if rebuild else 0
    summary = {
        "day": day.isoformat(), "cases_of_day": sum(c.received_on == day for c in cases),
        "candidates": len(candidates), "raised": len(raised),
        "updated_or_known": len(candidates) - len(raised),
        "raised_by_type": dict(Counter(a.type for a in raised)),
        "raised_ids": [a.id for a in raised], "open_before": before,
        "open_after": _open_count(session), "scan": note, "monitors": monitors,
    }
    _record_run(session, day, now, summary)
    log.info("risk run for %s: %s candidates, %s new alerts", day, len(candidates), len(raised))
    return summary


def _open_count(session: Session) -> int:
    from civicgrid.risk.models import RiskAlert

    session.flush()
    return int(session.scalar(select(func.count()).select_from(RiskAlert).where(
        RiskAlert.status.in_(store.OPEN_STATUSES))) or 0)


def _record_run(session: Session, day: dt.date, now: dt.datetime, summary: dict) -> None:
    row = session.get(RiskRun, day)
    if row is None:
        row = RiskRun(day=day, started_at=now)
        session.add(row)
    row.finished_at, row.summary = now, summary


def run_days(*, session: Session, last: dt.date, days: int, now: dt.datetime | None = None,
             scan: bool = True) -> list[dict[str, Any]]:
    """Run the ``days`` days ending on ``last`` in order (a replay over recent history)."""
    first = last - dt.timedelta(days=days - 1)
    return [run_day(session=session, day=first + dt.timedelta(days=k), now=now, scan=scan,
                    rebuild=k == days - 1) for k in range(days)]


def run_due(*, session: Session, now: dt.datetime) -> dict[str, Any] | None:
    """The background round's daily job: run yesterday (local) once; None if already run."""
    yesterday = local_date(now) - dt.timedelta(days=1)
    if session.get(RiskRun, yesterday) is not None:
        return None
    return run_day(session=session, day=yesterday, now=now)


def report_data(*, session: Session, day: dt.date) -> dict[str, Any]:
    """The daily report's three lists as report rows, and the counts."""
    units, _cats = jurisdiction.names(session)
    start, end = day_bounds(day)
    today = store.detected_between(session=session, first=day, last=day)
    today_ids = {a.id for a in today}
    changed = [a for a in store.changed_on(session=session, start=start, end=end)
               if a.id not in today_ids]
    overdue = store.overdue_now(session=session)
    return {
        "day": day.isoformat(),
        "today": store.report_rows(today, units),
        "changed": store.report_rows(changed, units),
        "overdue": store.report_rows(overdue, units),
        "counts": {"today": len(today), "changed": len(changed), "overdue": len(overdue),
                   "today_by_severity": dict(Counter(a.severity for a in today))},
    }


def write_report(*, session: Session, day: dt.date, out_dir: Path,
                 district: str = "南山区") -> ReportFiles:
    """Write the day's report as XLSX and DOCX into ``out_dir``."""
    data = report_data(session=session, day=day)
    return build_daily_report(day, data["today"], data["changed"], data["overdue"], out_dir,
                              district=district)


def background_round(*, session: Session, now: dt.datetime) -> dict[str, Any]:
    """The risk part of the background round: the 24-hour clock, then yesterday's run once."""
    late = store.mark_overdue(session=session, now=now)
    ran = run_due(session=session, now=now)
    return {"alerts_overdue": len(late), "daily_run": ran["day"] if ran else None}


def run_demo_history(*, session: Session, days: int = 14,
                     now: dt.datetime | None = None) -> dict[str, Any]:
    """Replay the daily run over the demo's last ``days`` days, committed; for prepare_demo."""
    now = now or dt.datetime.now(dt.UTC)
    runs = run_days(session=session, last=local_date(now), days=days, now=now)
    session.commit()
    raised = Counter()
    for run in runs:
        raised.update(run["raised_by_type"])
    log.info("demo risk replay over %s days: %s alerts", days, sum(raised.values()))
    return {"days": days, "raised": sum(raised.values()), "raised_by_type": dict(raised)}
