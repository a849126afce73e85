"""The incremental check on every live case: the risk package's reaction to case events.

:func:`on_case_event` is subscribed to the case event hook. For a live ``create`` event (never
for imported history) :func:`check_case` runs, inside the case's transaction:

1. the case-level detectors (hazard, repeat, concentration, weak signal) over the new case and
   the related cases of the last :data:`LOOKBACK_DAYS` days from the database: the same place
   (location text), the same reporter (phone) or the same grid; a candidate counts only when
   the new case is part of its evidence, so old situations are not raised again;
2. the incremental surge check of the case's series (street × second-level category), whose
   :class:`~civicgrid.risk.incremental.SeriesMonitor` is kept pickled in ``risk_monitors``;
   the daily run rebuilds them all from the case table (:func:`rebuild_monitors`, so imported
   history counts too) and a series without one is built on its first case.

Candidates go to the alert store (:func:`civicgrid.risk.store.record`), which deduplicates
and notifies. How cases look to the detectors (:func:`case_record`): the case number is the
id, the time is the local (Asia/Shanghai) receipt time, the place is the location text with
spaces removed, the reporter is a keyed hash of the phone (never the phone itself), the
region is the grid (or community, street) code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from civicgrid.cases.deadlines import LOCAL, local_date
from civicgrid.cases.events import CaseHappening, subscribe
from civicgrid.cases.models import Case
from civicgrid.jurisdiction import service as jurisdiction
from civicgrid.risk.alerts import AlertCandidate, AlertType, Evidence, Severity, dedup_key
from civicgrid.risk.counts import class_weights, count_matrix
from civicgrid.risk.incremental import SeriesMonitor
from civicgrid.risk.models import RiskAlert, RiskMonitor
from civicgrid.risk.records import CaseRecord
from civicgrid.risk.service import case_alerts
from civicgrid.risk.store import record

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 30
MONITOR_HISTORY_DAYS = 45
RELATED_LIMIT = 500
# Weak signals that look at a case's age or state, not at the cases of the day.
STATE_METHODS = frozenset({"long_open_repeated", "reopen_count"})
_KEY_SALT = b"civicgrid-risk-reporter-key"


def reporter_key(phone: str | None) -> str:
    """A short keyed hash of a phone: groups a reporter's cases without showing the number."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())[-11:]
    return "r" + hashlib.blake2b(digits.encode(), key=_KEY_SALT, digest_size=6).hexdigest()


def place_key(text: str | None) -> str:
    """The location text with whitespace removed (the same address written the same way)."""
    return "".join((text or "").split())[:120]


def case_record(case: Any) -> CaseRecord:
    """The case (an ORM row or a row of :data:`CASE_COLUMNS`) as the detectors read it."""
    return CaseRecord(
        id=case.number,
        time=case.received_at.astimezone(LOCAL).replace(tzinfo=None),
        category=case.category_code or "", place=place_key(case.location_text),
        reporter=reporter_key(case.reporter_phone), text=case.text or "",
        status=case.status or "", reopen_count=case.reopen_count or 0,
        region=case.grid_code or case.community_code or case.street_code or "",
    )


CASE_COLUMNS = (Case.id, Case.number, Case.received_at, Case.category_code, Case.location_text,
                Case.reporter_phone, Case.text, Case.status, Case.reopen_count, Case.grid_code,
                Case.community_code, Case.street_code, Case.lead_unit)


def related_cases(*, session: Session, case: Case, days: int = LOOKBACK_DAYS) -> list[Any]:
    """Rows (the detectors' columns only) of the last ``days`` days at the same place, from
    the same reporter, or of the same grid and category; the case itself included."""
    same = [Case.id == case.id]
    if case.location_text:
        same.append(Case.location_text == case.location_text)
    if case.reporter_phone:
        same.append(Case.reporter_phone == case.reporter_phone)
    if case.grid_code and case.category_code:
        same.append(and_(Case.grid_code == case.grid_code,
                         Case.category_code == case.category_code))
    since = case.received_at - dt.timedelta(days=days)
    query = (select(*CASE_COLUMNS).where(Case.received_at >= since,
                                         Case.received_at <= case.received_at, or_(*same))
             .order_by(Case.received_at.desc()).limit(RELATED_LIMIT))
    rows: list[Any] = list(session.execute(query))
    if all(r.id != case.id for r in rows):
        rows.append(case)
    return rows


def responsible_unit(*, session: Session, cases: Sequence[Any]) -> str | None:
    """The unit most of the alert's cases belong to.

    Each case votes for its lead unit, or, before dispatch, for the unit routing gives its
    category and grid. The most votes win; a tie goes to the unit of the newest case, so one
    misrouted case among many does not make its unit answer for the whole alert.
    """
    votes: dict[str, int] = {}
    newest: dict[str, dt.datetime] = {}
    for case in cases:
        unit = case.lead_unit or jurisdiction.route(
            session=session, category_code=case.category_code,
            region_code=case.grid_code or case.street_code)
        if not unit:
            continue
        votes[unit] = votes.get(unit, 0) + 1
        newest[unit] = max(newest.get(unit, case.received_at), case.received_at)
    if not votes:
        return None
    return max(votes, key=lambda unit: (votes[unit], newest[unit]))


def fresh_candidates(candidates: list[AlertCandidate], fresh: set[str]) -> list[AlertCandidate]:
    """Candidates whose evidence includes a fresh case, or that judge a case's state."""
    return [c for c in candidates
            if fresh & set(c.evidence.case_ids) or c.evidence.method in STATE_METHODS]


def store_candidates(*, session: Session, candidates: list[AlertCandidate],
                     by_number: dict[str, Any], now: dt.datetime,
                     source: str) -> list[RiskAlert]:
    """Record candidates with their responsible unit; returns the newly raised alerts."""
    raised = []
    for candidate in candidates:
        cases = [by_number[n] for n in candidate.evidence.case_ids if n in by_number]

        def unit_for(cases: list[Any] = cases) -> str | None:
            return responsible_unit(session=session, cases=cases) if cases else None

        alert, created = record(session=session, candidate=candidate, unit_for=unit_for,
                                now=now, source=source)
        if created and alert is not None:
            raised.append(alert)
    return raised


def check_case(*, session: Session, case: Case, now: dt.datetime) -> list[RiskAlert]:
    """Run the incremental checks for one new live case; returns the alerts it raised."""
    related = related_cases(session=session, case=case)
    by_number = {c.number: c for c in related}
    records = [case_record(c) for c in related]
    candidates = fresh_candidates(case_alerts(records, now=case_record(case).time), {case.number})
    surge = surge_candidate(session=session, case=case)
    if surge is not None:
        candidates.append(surge)
    return store_candidates(session=session, candidates=candidates, by_number=by_number,
                            now=now, source="incremental")


def series_of(case: Case) -> tuple[str, str] | None:
    """The surge series of a case: (street code, second-level category code)."""
    if not case.street_code or not case.category_code:
        return None
    return case.street_code, case.category_code[:4]


def series_names(session: Session, series: tuple[str, str]) -> tuple[str, str]:
    """Readable names of a series' street and category (codes where unknown)."""
    from civicgrid.jurisdiction.models import Category, Region

    region, category = session.get(Region, series[0]), session.get(Category, series[1])
    return (region.name if region else series[0], category.name if category else series[1])


def _series_filter(series: tuple[str, str]) -> list:
    street, category = series
    return [Case.street_code == street, Case.category_code.startswith(category)]


def _daily_counts(session: Session, where: list, first: dt.date, last: dt.date) -> np.ndarray:
    counts = np.zeros((last - first).days + 1)
    rows = session.execute(
        select(Case.received_on, func.count()).where(
            Case.received_on >= first, Case.received_on <= last, *where
        ).group_by(Case.received_on))
    for day, n in rows:
        if day is not None:
            counts[(day - first).days] = n
    return counts


def build_monitor(*, session: Session, series: tuple[str, str], today: dt.date,
                  excluding: int | None = None) -> SeriesMonitor:
    """A monitor replayed over the series' last days up to yesterday, with today's count so
    far (the case ``excluding`` left out)."""
    first = today - dt.timedelta(days=MONITOR_HISTORY_DAYS)
    yesterday = today - dt.timedelta(days=1)
    totals = _daily_counts(session, [], first, yesterday)
    weights = class_weights(count_matrix([("all", "all")], first, totals))
    counts = _daily_counts(session, _series_filter(series), first, yesterday)
    monitor = SeriesMonitor.from_counts(first, counts, weights)
    today_rows = select(func.count()).where(Case.received_on == today, *_series_filter(series))
    if excluding is not None:
        today_rows = today_rows.where(Case.id != excluding)
    monitor.count_today = int(session.scalar(today_rows) or 0)
    return monitor


def rebuild_monitors(*, session: Session, today: dt.date) -> int:
    """Replace every stored monitor by one rebuilt from the table for the series with cases
    in the last :data:`MONITOR_HISTORY_DAYS` days, ready for ``today``; returns how many."""
    session.execute(delete(RiskMonitor))
    first = today - dt.timedelta(days=MONITOR_HISTORY_DAYS)
    n_days = MONITOR_HISTORY_DAYS + 1
    rows = session.execute(
        select(Case.street_code, Case.category_code, Case.received_on, func.count())
        .where(Case.received_on >= first, Case.received_on <= today,
               Case.street_code.is_not(None), Case.category_code.is_not(None))
        .group_by(Case.street_code, Case.category_code, Case.received_on)).all()
    counts: dict[str, np.ndarray] = {}
    for street, category, day, n in rows:
        key = f"{street}|{category[:4]}"
        counts.setdefault(key, np.zeros(n_days))[(day - first).days] += n
    totals = _daily_counts(session, [], first, today - dt.timedelta(days=1))
    weights = class_weights(count_matrix([("all", "all")], first, totals))
    for key, series in counts.items():
        monitor = SeriesMonitor.from_counts(first, series[:-1], weights)
        monitor.count_today = int(series[-1])
        session.add(RiskMonitor(series_key=key, state=pickle.dumps(
            monitor, protocol=pickle.HIGHEST_PROTOCOL)))
    session.flush()
    return len(counts)


def surge_candidate(*, session: Session, case: Case) -> AlertCandidate | None:
    """The incremental surge check of the case's series, with its state kept in the DB."""
    series = series_of(case)
    if series is None:
        return None
    key = "|".join(series)
    day = local_date(case.received_at)
    row = session.get(RiskMonitor, key, with_for_update=True)
    monitor = pickle.loads(row.state) if row is not None else None  # noqa: S301 (own rows)
    if monitor is None:
        monitor = build_monitor(session=session, series=series, today=day, excluding=case.id)
    check = monitor.add_case(day)
    state = pickle.dumps(monitor, protocol=pickle.HIGHEST_PROTOCOL)
    if row is None:
        session.add(RiskMonitor(series_key=key, state=state))
    else:
        row.state, row.updated_at = state, dt.datetime.now(dt.UTC)
    if check is None:
        return None
    street, category = series
    region_name, category_name = series_names(session, series)
    return AlertCandidate(
        type=AlertType.SURGE, severity=Severity(check.severity),
        subject={"region": street, "category": category},
        evidence=Evidence(case_ids=(case.number,), statistic=float(check.count),
                          baseline=round(check.expected, 3), p_value=check.p_value,
                          method="workday_surge_incremental", note=f"当日已 {check.count} 件"),
        dedup_key=dedup_key(AlertType.SURGE, street, category), detected_on=day,
        title=f"{region_name}“{category_name}”类诉求当日激增",
    )


@subscribe(kinds={"create"}, live_only=True)
def on_case_event(session: Session, happening: CaseHappening) -> None:
    """Incremental risk checks for live new cases (imported history raises nothing)."""
    if not happening.live or happening.event.kind != "create":
        return
    raised = check_case(session=session, case=happening.case, now=happening.event.at)
    if raised:
        log.info("case %s raised %s risk alert(s)", happening.case.number, len(raised))
