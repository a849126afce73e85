"""Alert candidates: what every detector returns, before the lead's alert table stores it.

A candidate says what kind of risk it is (``type``), how serious (``severity``), about whom or
where (``subject``), why (``evidence``: case ids, statistic, baseline, p-value or score) and a
``dedup_key``: candidates with the same key describe the same running situation, so the alert
store updates one open alert instead of raising a new one every day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class AlertType(StrEnum):
    """The kinds of risk the detectors raise."""

    SURGE = "surge"
    CLUSTER = "cluster"
    REPEAT = "repeat"
    CONCENTRATION = "concentration"
    HAZARD = "hazard"
    WEAK_SIGNAL = "weak_signal"


class Severity(StrEnum):
    """Severity, highest first: red (红), orange (橙), yellow (黄), blue (蓝)."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"


SEVERITY_RANK = {Severity.RED: 0, Severity.ORANGE: 1, Severity.YELLOW: 2, Severity.BLUE: 3}
SEVERITY_LABEL_ZH = {
    Severity.RED: "红色", Severity.ORANGE: "橙色", Severity.YELLOW: "黄色", Severity.BLUE: "蓝色",
}


@dataclass(frozen=True)
class Evidence:
    """Why an alert was raised; numeric fields are None where a detector has no such value."""

    case_ids: tuple[str, ...] = ()
    statistic: float | None = None
    baseline: float | None = None
    p_value: float | None = None
    score: float | None = None
    method: str = ""
    note: str = ""


@dataclass(frozen=True)
class AlertCandidate:
    """One alert a detector proposes; the alert store decides whether it is new."""

    type: AlertType
    severity: Severity
    subject: dict[str, str]
    evidence: Evidence
    dedup_key: str
    detected_on: dt.date | None = None
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings)."""
        data = asdict(self)
        data["type"] = str(self.type)
        data["severity"] = str(self.severity)
        data["detected_on"] = self.detected_on.isoformat() if self.detected_on else None
        data["evidence"]["case_ids"] = list(self.evidence.case_ids)
        return data


def dedup_key(kind: AlertType | str, *parts: object) -> str:
    """A stable key ``kind|part|part`` for one running situation."""
    return "|".join([str(kind), *(str(p) for p in parts)])
