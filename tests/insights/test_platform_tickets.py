"""Governance tickets raised from a class: stages, notes, attachments and the effect test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from civicgrid.cases.workflow import Actor
from civicgrid.insights.models import ClassMembership, ClassRun, ProblemClass
from civicgrid.jurisdiction.models import Unit
from tests.insights.platform import plant_cases

pytestmark = pytest.mark.db

STAFF = Actor(id=None, name="测试员", role="admin")


def _month_days(year: int, month: int, count: int) -> list[dt.date]:
    return [dt.date(year, month, 1 + n % 28) for n in range(count)]


def _class_with_history(session: Any, class_id: str) -> None:
    """A class with 12 cases a month before July 2025, 2 a month after, 12 a month in 2024."""
    days: list[dt.date] = []
    for month in range(1, 7):
        days += _month_days(2025, month, 12)
    for month in range(7, 10):
        days += _month_days(2025, month, 2) + _month_days(2024, month, 12)
    ids = plant_cases(session, ["消防通道被车辆占用"] * len(days), days, prefix=f"INS{class_id}")
    session.add(ProblemClass(id=class_id, label="消防通道·占用", terms={"消防通道": 1.0}))
    run = ClassRun(month="2025-09", window_start=dt.date(2024, 1, 1),
                   window_end=dt.date(2025, 10, 1))
    session.add(run)
    session.flush()
    session.add_all(ClassMembership(case_id=i, class_id=class_id, run_id=run.id) for i in ids)
    session.flush()


def _unit(session: Any) -> str:
    return session.scalar(select(Unit.code).order_by(Unit.code).limit(1))


def test_ticket_effect_shows_the_class_shrank(session: Any) -> None:
    from civicgrid.insights.tickets import raise_ticket, ticket_effect

    _class_with_history(session, "CXEFFECT")
    ticket = raise_ticket(session=session, class_id="CXEFFECT", unit_code=_unit(session),
                          plan="划线、装桩、巡查", actor=STAFF, today=dt.date(2025, 7, 1))
    result = ticket_effect(session=session, ticket_id=ticket.id, today=dt.date(2025, 9, 30))
    assert [p["cases"] for p in result["after"]] == [2, 2, 2]
    assert result["effect"]["before_after"]["verdict"] == "decreased"
    assert result["effect"]["year_on_year"]["verdict"] == "decreased"


def test_ticket_moves_one_stage_at_a_time(session: Any) -> None:
    from civicgrid.errors import ValidationFailed
    from civicgrid.insights.tickets import change_status, raise_ticket

    _class_with_history(session, "CXSTAGES")
    ticket = raise_ticket(session=session, class_id="CXSTAGES", unit_code=_unit(session),
                          actor=STAFF)
    view = change_status(session=session, ticket_id=ticket.id, status="analysis", actor=STAFF)
    with pytest.raises(ValidationFailed) as caught:
        change_status(session=session, ticket_id=ticket.id, status="closed", actor=STAFF)
    assert view["status"] == "analysis"
    assert caught.value.allowed == ["governance", "found"]


def test_attachment_of_a_refused_type_is_not_stored(session: Any, tmp_path: Path) -> None:
    from civicgrid.errors import ValidationFailed
    from civicgrid.insights.tickets import add_attachment, raise_ticket

    _class_with_history(session, "CXFILES")
    ticket = raise_ticket(session=session, class_id="CXFILES", unit_code=_unit(session),
                          actor=STAFF)
    with pytest.raises(ValidationFailed):
        add_attachment(session=session, ticket_id=ticket.id, filename="run.exe",
                       content=b"MZ....", data_dir=tmp_path, actor=STAFF)
    view = add_attachment(session=session, ticket_id=ticket.id, filename="方案.pdf",
                          content=b"%PDF-1.4 plan", data_dir=tmp_path, actor=STAFF)
    stored = list((tmp_path / "insights" / "tickets" / str(ticket.id)).iterdir())
    assert [e["kind"] for e in view["events"]] == ["raised", "attachment"]
    assert len(stored) == 1 and stored[0].read_bytes() == b"%PDF-1.4 plan"


def test_effect_of_a_class_without_cases_says_so(session: Any) -> None:
    from civicgrid.insights.tickets import raise_ticket, ticket_effect

    session.add(ProblemClass(id="CXEMPTY", label="空类", terms={}))
    session.flush()
    ticket = raise_ticket(session=session, class_id="CXEMPTY", unit_code=_unit(session),
                          actor=STAFF, today=dt.date(2025, 7, 1))
    result = ticket_effect(session=session, ticket_id=ticket.id, today=dt.date(2025, 8, 1))
    assert any("没有工单" in note for note in result["notes"])
