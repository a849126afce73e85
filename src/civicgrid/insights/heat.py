"""Hot issues: a heat index for each class and the top-N list leaders read.

Heat combines, per class, up to five components, each scaled to [0, 1] across the classes of
the run (min-max; all equal → 1) and averaged with these weights:

=============  ======  ==================================================================
component      weight  value before scaling
=============  ======  ==================================================================
volume         0.35    log(1 + cases)
reporters      0.20    log(1 + distinct reporters)            (when reporters are known)
engagement     0.15    log(1 + likes + dislikes)              (when votes are known)
intensity      0.15    log(1 + cases per week of the class's time span) (when times known)
spread         0.15    log(1 + distinct places)               (when places are known)
=============  ======  ==================================================================

A component whose data is absent is left out and the remaining weights are re-normalised,
so the index is always 0–100; the result says which components were used. Many reporters,
many votes, a burst in a short time and many places each make a class more urgent than the
same number of cases from one persistent writer.

Places: when no place column exists, :func:`place_from_text` takes the first estate-like name
(…小区, …花园, …新城, …苑, …街道, …镇, …村) or else the district code from the text; cases with none
are counted under ``(无地点)`` and noted.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from civicgrid.insights.terms import content_characters

log = logging.getLogger(__name__)

WEIGHTS = {"volume": 0.35, "reporters": 0.2, "engagement": 0.15, "intensity": 0.15, "spread": 0.15}
NO_PLACE = "(无地点)"

_DATE = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_ESTATE = re.compile(
    r"[\u4e00-\u9fff]{2,6}?"
    r"(?:小区|花园|新城|新村|家园|公寓|大厦|广场|街道|社区|镇|村|中学|小学|医院|苑|园|府|湾|城)"
)
_DISTRICTS = (re.compile(r"[A-Z]\d+[区县]"), re.compile(r"[A-Z]\d*市"))


@dataclass(frozen=True)
class ClassMembers:
    """A class as the heat index needs it: id, label and 0-based member rows."""

    id: str
    label: str
    rows: Sequence[int]


@dataclass
class CaseFacts:
    """Per-row facts of the run, each list row-aligned with the mined texts (or None)."""

    reporters: Sequence[str | None] | None = None
    times: Sequence[str | dt.datetime | None] | None = None
    places: Sequence[str | None] | None = None
    likes: Sequence[float | None] | None = None
    dislikes: Sequence[float | None] | None = None


@dataclass
class HotIssue:
    """One class with its heat index and what leaders want to see about it."""

    id: str
    label: str
    heat: float
    size: int
    reporters: int | None
    likes: int | None
    dislikes: int | None
    first: str | None
    last: str | None
    span_days: int | None
    places: list[tuple[str, int]]
    cases: list[int]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; case rows are 1-based."""
        data = dict(self.__dict__)
        data["cases"] = [r + 1 for r in self.cases]
        data["places"] = [{"place": p, "count": n} for p, n in self.places]
        return data


def parse_time(value: str | dt.datetime | None) -> dt.datetime | None:
    """A timestamp from the formats boards export (2019/2/28 11:25:05, ISO, 2019年2月28日)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    match = _DATE.search(str(value))
    if not match:
        return None
    parts = [int(p) if p else 0 for p in match.groups()]
    try:
        return dt.datetime(*parts[:3], parts[3], parts[4], parts[5])
    except ValueError:
        return None


def place_from_text(text: str | None) -> str | None:
    """A crude place for a case without a place field: an estate-like name or a district code."""
    if not text:
        return None
    for chunk in content_characters(text).split():
        match = _ESTATE.search(chunk)
        if match:
            return match.group(0)
    for pattern in _DISTRICTS:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


def hot_issues(
    classes: Sequence[ClassMembers], facts: CaseFacts, *, top: int = 10, cases_per_issue: int = 5
) -> tuple[list[HotIssue], list[str]]:
    """The ``top`` classes by heat, each with its best-voted cases, places and time span."""
    notes: list[str] = []
    if not classes:
        return [], ["no classes to rank: mine classes first or widen the time range"]
    times = [parse_time(t) for t in facts.times] if facts.times is not None else None
    issues = [_describe(c, facts, times, cases_per_issue) for c in classes]
    used = _score(issues, classes, facts, times)
    notes.append("heat components used: " + ", ".join(used))
    issues.sort(key=lambda i: (-i.heat, -i.size, i.id))
    return issues[:top], notes


def _describe(
    members: ClassMembers, facts: CaseFacts, times: list[dt.datetime | None] | None, keep: int
) -> HotIssue:
    rows = list(members.rows)
    notes: list[str] = []
    reporters = _distinct(facts.reporters, rows)
    likes = _total(facts.likes, rows)
    dislikes = _total(facts.dislikes, rows)
    stamps = sorted(t for t in (times[r] for r in rows) if t) if times else []
    if times is not None and len(stamps) < len(rows):
        notes.append(f"{len(rows) - len(stamps)} case(s) without a readable time")
    places = _places(facts.places, rows, notes)
    votes = facts.likes or [0] * (max(rows) + 1 if rows else 0)
    best = sorted(rows, key=lambda r: (-(_number(votes[r]) or 0), r))[:keep]
    return HotIssue(
        id=members.id, label=members.label, heat=0.0, size=len(rows), reporters=reporters,
        likes=likes, dislikes=dislikes,
        first=stamps[0].isoformat(sep=" ") if stamps else None,
        last=stamps[-1].isoformat(sep=" ") if stamps else None,
        span_days=(stamps[-1] - stamps[0]).days if stamps else None,
        places=places, cases=best, notes=notes,
    )


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _distinct(values: Sequence[str | None] | None, rows: list[int]) -> int | None:
    if values is None:
        return None
    return len({values[r] for r in rows if values[r]})


def _total(values: Sequence[Any] | None, rows: list[int]) -> int | None:
    if values is None:
        return None
    return int(sum(_number(values[r]) or 0 for r in rows))


def _places(
    values: Sequence[str | None] | None, rows: list[int], notes: list[str]
) -> list[tuple[str, int]]:
    if values is None:
        return []
    counts = Counter(values[r] or NO_PLACE for r in rows)
    if counts.get(NO_PLACE):
        notes.append(f"{counts[NO_PLACE]} case(s) have no place")
    return counts.most_common(5)


def _score(
    issues: list[HotIssue],
    classes: Sequence[ClassMembers],
    facts: CaseFacts,
    times: list[dt.datetime | None] | None,
) -> list[str]:
    raw: dict[str, list[float]] = {"volume": [math.log1p(i.size) for i in issues]}
    if facts.reporters is not None:
        raw["reporters"] = [math.log1p(i.reporters or 0) for i in issues]
    if facts.likes is not None or facts.dislikes is not None:
        raw["engagement"] = [math.log1p((i.likes or 0) + (i.dislikes or 0)) for i in issues]
    if times is not None:
        raw["intensity"] = [math.log1p(i.size / max((i.span_days or 0) / 7, 1)) for i in issues]
    if facts.places is not None:
        raw["spread"] = [
            math.log1p(len({facts.places[r] for r in c.rows if facts.places[r]})) for c in classes
        ]
    total_weight = sum(WEIGHTS[k] for k in raw)
    scaled = {k: _min_max(v) for k, v in raw.items()}
    for n, issue in enumerate(issues):
        value = sum(WEIGHTS[k] * scaled[k][n] for k in raw) / total_weight
        issue.heat = round(100 * value, 1)
    return list(raw)


def _min_max(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    if high - low < 1e-12:
        return [1.0] * len(values)
    return [(v - low) / (high - low) for v in values]
