"""Statistics per unit and month over verdict records."""

from __future__ import annotations

import datetime as dt

from civicgrid.audit import audit
from civicgrid.audit.statistics import AuditRecord, unit_month_statistics
from civicgrid.audit.when import LOCAL
from tests.audit.conftest import GOOD_REPLY, REQUEST


def record(unit: str, day: str, verdict: str, faults: tuple[str, ...] = ()) -> AuditRecord:
    when = dt.datetime.fromisoformat(day).replace(tzinfo=LOCAL)
    return AuditRecord(unit=unit, audited_at=when, verdict=verdict, faults=faults)


def test_counts_audited_and_returned_per_unit_and_month():
    rows = unit_month_statistics([
        record("城管局", "2026-11-03", "return", ("completeness", "tone")),
        record("城管局", "2026-11-20", "pass"),
        record("城管局", "2026-12-01", "return", ("privacy",)),
        record("住建局", "2026-11-05", "pass_with_notes", ("tone",)),
    ])
    summary = [(r.unit, r.month, r.audited, r.returned, r.passed_with_notes) for r in rows]
    assert summary == [("住建局", "2026-11", 1, 0, 1), ("城管局", "2026-11", 2, 1, 0),
                       ("城管局", "2026-12", 1, 1, 0)]


def test_top_faults_are_ordered_by_count_then_name():
    rows = unit_month_statistics([
        record("城管局", "2026-11-03", "return", ("completeness", "tone")),
        record("城管局", "2026-11-04", "return", ("completeness", "relevance")),
        record("城管局", "2026-11-05", "pass_with_notes", ("tone",)),
        record("城管局", "2026-11-06", "return", ("privacy",)),
    ], top=3)
    assert rows[0].top_faults == (("completeness", 2), ("tone", 2), ("privacy", 1))
    assert rows[0].return_rate == 0.75


def test_month_is_taken_in_local_time():
    utc_evening = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.timezone.utc)  # 01:00 on 1 Dec local
    rows = unit_month_statistics([AuditRecord("城管局", utc_evening, "pass")])
    assert rows[0].month == "2026-12"


def test_record_from_a_verdict_keeps_its_faults():
    verdict = audit(REQUEST, GOOD_REPLY.replace("您好！", ""))
    item = AuditRecord.from_verdict(verdict, unit="街道办", audited_at="2026-12-04 10:00")
    assert (item.verdict, item.faults) == ("pass_with_notes", ("tone",))
