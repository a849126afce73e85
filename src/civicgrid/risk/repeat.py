"""Repeat detector: the same subject about the same thing again and again.

Which cases are "about the same thing" is decided by the repeat finder of the understanding
package; this detector reads its links (pairs of case ids) and never re-implements matching.
Linked cases are grouped into connected components. A group raises an alert when it holds at
least ``min_cases`` cases within ``window_days`` that share a reporter or a place (house or
building): the same person asking again, or the same address being reported again.
Without links, cases with the same reporter or place and the same category are taken as
linked (a stand-in until the repeat finder's links are passed in).

Cases reopened ``reopen_threshold`` times or more raise a repeat alert of their own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from civicgrid.risk.alerts import AlertCandidate, AlertType, Evidence, Severity, dedup_key
from civicgrid.risk.records import CaseRecord, as_cases


def _components(ids: list[str], links: Iterable[tuple[str, str]]) -> list[list[str]]:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for i in ids:
        groups[find(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _fallback_links(cases: list[CaseRecord]) -> list[tuple[str, str]]:
    links = []
    for attr in ("reporter", "place"):
        last: dict[tuple[str, str], str] = {}
        for case in cases:
            key = (getattr(case, attr), case.category)
            if key[0]:
                if key in last:
                    links.append((last[key], case.id))
                last[key] = case.id
    return links


def _shared_subject(group: list[CaseRecord]) -> tuple[str, str] | None:
    for attr in ("place", "reporter"):
        values = {getattr(c, attr) for c in group}
        if len(values) == 1 and next(iter(values)):
            return attr, next(iter(values))
    return None


def repeat_alerts(records: Iterable[Mapping[str, Any] | Any],
                  links: Iterable[tuple[str, str]] | None = None, *, window_days: int = 30,
                  min_cases: int = 3, reopen_threshold: int = 2) -> list[AlertCandidate]:
    """Repeat and reopen alerts over ``records``, using the repeat finder's ``links``."""
    cases = as_cases(records)
    by_id = {c.id: c for c in cases}
    pairs = list(links) if links is not None else _fallback_links(cases)
    alerts = []
    for ids in _components([c.id for c in cases], pairs):
        group = sorted((by_id[i] for i in ids), key=lambda c: c.time)
        alert = _group_alert(group, window_days, min_cases)
        if alert:
            alerts.append(alert)
    alerts += [_reopen_alert(c) for c in cases if c.reopen_count >= reopen_threshold]
    return alerts


def _group_alert(group: list[CaseRecord], window_days: int, min_cases: int
                 ) -> AlertCandidate | None:
    recent = [c for c in group if group[-1].time - c.time <= dt.timedelta(days=window_days)]
    subject = _shared_subject(recent)
    if len(recent) < min_cases or subject is None:
        return None
    attr, value = subject
    severity = Severity.ORANGE if len(recent) >= 2 * min_cases else Severity.YELLOW
    what = "同一地址" if attr == "place" else "同一诉求人"
    return AlertCandidate(
        type=AlertType.REPEAT, severity=severity,
        subject={attr: value, "category": recent[-1].category},
        evidence=Evidence(case_ids=tuple(c.id for c in recent), statistic=float(len(recent)),
                          method="repeat_links", note=f"{window_days} 天内 {len(recent)} 件"),
        dedup_key=dedup_key(AlertType.REPEAT, attr, value, recent[-1].category),
        detected_on=recent[-1].time.date(),
        title=f"{what}{window_days}天内重复反映{len(recent)}次",
    )


def _reopen_alert(case: CaseRecord) -> AlertCandidate:
    severity = Severity.ORANGE if case.reopen_count >= 3 else Severity.YELLOW
    return AlertCandidate(
        type=AlertType.REPEAT, severity=severity,
        subject={"case": case.id, "place": case.place, "category": case.category},
        evidence=Evidence(case_ids=(case.id,), statistic=float(case.reopen_count),
                          method="reopen_count"),
        dedup_key=dedup_key(AlertType.REPEAT, "reopen", case.id),
        detected_on=case.time.date(),
        title=f"工单已重办{case.reopen_count}次",
    )
