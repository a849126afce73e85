"""Statistics per unit and month: replies audited, returned, and the most frequent faults.

A pure function over verdict records, so that the lead can feed it rows from the database
and the console can chart it. A record names the unit, when the audit happened, the
verdict and the checks that found something (``Verdict.faults``).

Usage::

    records = [AuditRecord.from_verdict(v, unit="市住建局", audited_at=when) for ...]
    for row in unit_month_statistics(records):
        row.unit, row.month, row.audited, row.returned, row.top_faults
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from civicgrid.audit.verdict import Verdict
from civicgrid.audit.when import LOCAL, When, parse_when

TOP_FAULTS = 3


@dataclass(frozen=True)
class AuditRecord:
    """One audited reply as the statistics need it."""

    unit: str
    audited_at: dt.datetime
    verdict: str
    faults: tuple[str, ...] = ()

    @classmethod
    def from_verdict(cls, verdict: Verdict, *, unit: str, audited_at: When) -> AuditRecord:
        """A record from a Verdict, the unit that wrote the reply and the audit time."""
        when = parse_when(audited_at, name="audited_at")
        if when is None:
            raise ValueError("audited_at is required to place a verdict in a month")
        return cls(unit=unit, audited_at=when, verdict=verdict.verdict,
                   faults=tuple(verdict.faults))


@dataclass(frozen=True)
class UnitMonth:
    """The statistics of one unit in one month (``YYYY-MM``, Asia/Shanghai)."""

    unit: str
    month: str
    audited: int
    returned: int
    passed_with_notes: int
    top_faults: tuple[tuple[str, int], ...]

    @property
    def return_rate(self) -> float:
        """Share of audited replies that went back to the unit."""
        return self.returned / self.audited if self.audited else 0.0


def unit_month_statistics(
    records: Iterable[AuditRecord], *, top: int = TOP_FAULTS
) -> list[UnitMonth]:
    """Per unit and month: audited, returned, passed with notes and the top faults."""
    groups: dict[tuple[str, str], list[AuditRecord]] = defaultdict(list)
    for record in records:
        month = record.audited_at.astimezone(LOCAL).strftime("%Y-%m")
        groups[(record.unit, month)].append(record)
    return [_summarise(unit, month, items, top) for (unit, month), items in sorted(groups.items())]


def _summarise(unit: str, month: str, items: list[AuditRecord], top: int) -> UnitMonth:
    faults = Counter(fault for item in items for fault in item.faults)
    return UnitMonth(
        unit=unit,
        month=month,
        audited=len(items),
        returned=sum(1 for item in items if item.verdict == "return"),
        passed_with_notes=sum(1 for item in items if item.verdict == "pass_with_notes"),
        top_faults=tuple(sorted(faults.items(), key=lambda kv: (-kv[1], kv[0]))[:top]),
    )
