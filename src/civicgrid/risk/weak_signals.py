"""Weak-signal detector: small signs that a problem is growing before it surges.

* **Rising negativity**: per place, the mean negativity of the last ``window_days`` against the
  window before; a rise of ``min_rise`` or more with at least 2 cases in each window. The
  negativity comes from the NLP models (``negativity`` 0–1) where present, else from a small
  lexicon of escalation words (多次, 一直, 仍然, 没人管, 曝光, 上访…).
* **Long-open and repeated**: open cases older than ``long_open_days`` that were reopened or
  whose place/reporter already has other cases of the same category.
* **First of a kind**: the first case of a category at a place or region that already has
  ``established_cases`` or more earlier cases (a new kind of problem where the usual ones are
  known); blue, for the daily review.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from civicgrid.risk.alerts import AlertCandidate, AlertType, Evidence, Severity, dedup_key
from civicgrid.risk.records import CaseRecord, as_cases

_ESCALATION = re.compile(
    r"多次|再次|又|一直|仍然|还是没|依旧|没人管|无人处理|推诿|敷衍|忍无可忍|愤怒|强烈|曝光|媒体|上访|投诉无果|"
    r"拖了|至今|三番五次|反复")


def lexicon_negativity(text: str) -> float:
    """0–1 negativity from escalation words (3 or more distinct words give 1)."""
    return min(len(set(_ESCALATION.findall(text))) / 3.0, 1.0)


def _negativity(case: CaseRecord) -> float:
    return case.negativity if case.negativity is not None else lexicon_negativity(case.text)


def rising_negativity(cases: list[CaseRecord], now: dt.datetime, *, window_days: int = 14,
                      min_rise: float = 0.3) -> list[AlertCandidate]:
    """Places whose recent cases read clearly angrier than the window before."""
    width = dt.timedelta(days=window_days)
    by_place: dict[str, list[CaseRecord]] = defaultdict(list)
    for case in cases:
        if case.place:
            by_place[case.place].append(case)
    alerts = []
    for place, group in sorted(by_place.items()):
        recent = [c for c in group if now - width < c.time <= now]
        before = [c for c in group if now - 2 * width < c.time <= now - width]
        if len(recent) < 2 or len(before) < 2:
            continue
        rise = (sum(map(_negativity, recent)) / len(recent)
                - sum(map(_negativity, before)) / len(before))
        if rise >= min_rise:
            alerts.append(_alert("rising_negativity", place, recent, rise, Severity.YELLOW,
                                 f"近{window_days}天情绪升高 {rise:.2f}"))
    return alerts


def long_open_repeated(cases: list[CaseRecord], now: dt.datetime, *,
                       long_open_days: int = 15) -> list[AlertCandidate]:
    """Open cases older than ``long_open_days`` that were reopened or repeat others."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    for case in cases:
        for key in (case.place, case.reporter):
            if key:
                seen[(key, case.category)] += 1
    alerts = []
    for case in cases:
        age = (now - case.time).days
        repeated = case.reopen_count > 0 or any(
            seen[(k, case.category)] > 1 for k in (case.place, case.reporter) if k)
        if case.is_open and age > long_open_days and repeated:
            alerts.append(_alert("long_open_repeated", case.place or case.id, [case], float(age),
                                 Severity.YELLOW, f"未办结 {age} 天且重复反映"))
    return alerts


def first_of_a_kind(cases: list[CaseRecord], *, established_cases: int = 10
                    ) -> list[AlertCandidate]:
    """The first case of a category at a well-known place or region."""
    history: dict[str, set[str]] = defaultdict(set)
    volume: dict[str, int] = defaultdict(int)
    alerts = []
    for case in cases:
        where = case.place or case.region
        if not where or not case.category:
            continue
        if volume[where] >= established_cases and case.category not in history[where]:
            alerts.append(_alert("first_of_a_kind", where, [case], float(volume[where]),
                                 Severity.BLUE, f"该地首次出现“{case.category}”类诉求"))
        history[where].add(case.category)
        volume[where] += 1
    return alerts


def weak_signal_alerts(records: Iterable[Mapping[str, Any] | Any], *,
                       now: dt.datetime | None = None) -> list[AlertCandidate]:
    """All weak-signal alerts over ``records`` as of ``now`` (default: the latest case)."""
    cases = as_cases(records)
    if not cases:
        return []
    now = now or cases[-1].time
    return (rising_negativity(cases, now) + long_open_repeated(cases, now)
            + first_of_a_kind(cases))


def _alert(kind: str, where: str, cases: list[CaseRecord], score: float, severity: Severity,
           note: str) -> AlertCandidate:
    return AlertCandidate(
        type=AlertType.WEAK_SIGNAL, severity=severity,
        subject={"place": where, "signal": kind, "category": cases[-1].category},
        evidence=Evidence(case_ids=tuple(c.id for c in cases), score=round(score, 3),
                          method=kind, note=note),
        dedup_key=dedup_key(AlertType.WEAK_SIGNAL, kind, where, cases[-1].category),
        detected_on=cases[-1].time.date(),
        title=note,
    )
