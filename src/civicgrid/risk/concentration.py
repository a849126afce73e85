"""Concentration detector: many different reporters about one place or topic, fast.

A group complaint (群体诉求) forming shows as several distinct reporters about the same place
(house, building, estate) or the same topic (category within a region) inside a short window.
For each group the window of ``window_hours`` holding the most distinct reporters is found;
``min_reporters`` or more raise an alert (orange), twice that a red one. A topic is busy by
nature, so a topic group must also reach ``topic_ratio`` times its usual number of cases per
window (from its history before the window). Cases without a reporter key count as one
anonymous reporter each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from civicgrid.risk.alerts import AlertCandidate, AlertType, Evidence, Severity, dedup_key
from civicgrid.risk.records import CaseRecord, as_cases


def _best_window(group: list[CaseRecord], width: dt.timedelta) -> list[CaseRecord]:
    best: list[CaseRecord] = []
    best_n = 0
    left = 0
    for right in range(len(group)):
        while group[right].time - group[left].time > width:
            left += 1
        window = group[left: right + 1]
        n = len({c.reporter or f"anon:{c.id}" for c in window})
        if n > best_n:
            best, best_n = window, n
    return best


def _usual_per_window(group: list[CaseRecord], before: dt.datetime, width: dt.timedelta
                      ) -> float:
    history = [c for c in group if c.time < before]
    if not history:
        return 0.0
    span = max(before - history[0].time, width)
    return len(history) * (width / span)


# How the two groupings read in an alert's title: one place, or one grid and one category.
_WHERE = {"place": "同一地点", "topic": "同一区域同类问题"}


def concentration_alerts(records: Iterable[Mapping[str, Any] | Any], *, window_hours: float = 72,
                         min_reporters: int = 5, topic_ratio: float = 3.0
                         ) -> list[AlertCandidate]:
    """Alerts for places and topics reported by many distinct reporters in a short window."""
    cases = as_cases(records)
    groups: dict[tuple[str, str], list[CaseRecord]] = defaultdict(list)
    for case in cases:
        if case.place:
            groups[("place", case.place)].append(case)
        if case.category:
            groups[("topic", f"{case.region}/{case.category}")].append(case)
    width = dt.timedelta(hours=window_hours)
    alerts = []
    for (kind, value), group in sorted(groups.items()):
        window = _best_window(group, width)
        reporters = len({c.reporter or f"anon:{c.id}" for c in window})
        usual = _usual_per_window(group, window[0].time, width) if kind == "topic" else 0.0
        if reporters < max(min_reporters, topic_ratio * usual):
            continue
        severity = Severity.RED if reporters >= 2 * min_reporters else Severity.ORANGE
        alerts.append(AlertCandidate(
            type=AlertType.CONCENTRATION, severity=severity, subject={kind: value},
            evidence=Evidence(case_ids=tuple(c.id for c in window), statistic=float(reporters),
                              baseline=round(usual, 3), method="distinct_reporters",
                              note=f"{window_hours:g} 小时内 {reporters} 位不同诉求人"),
            dedup_key=dedup_key(AlertType.CONCENTRATION, kind, value),
            detected_on=window[-1].time.date(),
            title=f"{_WHERE[kind]}{reporters}位诉求人集中反映（疑似群体诉求）",
        ))
    return _without_echoes(alerts)


def _without_echoes(alerts: list[AlertCandidate]) -> list[AlertCandidate]:
    """Drop a topic alert whose cases all belong to one place alert: the same residents at the
    same place, already raised with the more specific subject."""
    places = [set(a.evidence.case_ids) for a in alerts if "place" in a.subject]
    return [a for a in alerts if "place" in a.subject
            or not any(set(a.evidence.case_ids) <= cases for cases in places)]
