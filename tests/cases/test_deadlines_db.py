"""Deadlines of stored cases follow the holiday notices, including revisions that arrive
while cases are open (traps CAL-01 and CAL-03, through the database)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civicgrid.cases import service
from civicgrid.cases.models import CaseEvent
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.cases.workflow import Actor, perform
from civicgrid.jurisdiction.models import HolidayNotice as NoticeRow
from civicgrid.jurisdiction.notices import apply_notice
from civicgrid.jurisdiction.pack import HolidayNotice, load_pack

pytestmark = pytest.mark.db
LOCAL = dt.timezone(dt.timedelta(hours=8))
DISPATCHER = Actor(id=None, name="派单员", role="dispatcher")


def dispatched_case(session, received: dt.datetime, days: int):  # noqa: ANN001, ANN201
    case = service.create(
        session=session,
        data=CaseCreate(text="测试期限", received_at=received),
        channel="hotline",
        now=received,
    )
    unit = session.scalar(
        select(__import__("civicgrid.jurisdiction.models", fromlist=["Unit"]).Unit.code)
    )
    perform(
        session=session,
        case=case,
        action="dispatch",
        actor=DISPATCHER,
        data=ActionIn(version=case.version, unit_code=unit),
        now=received,
    )
    # Pin the limit so the test is about the calendar, not the category table.
    case.limit_days = days
    service.recompute_deadlines(session=session, notice_id="test-pin", now=received)
    return case


def local_due(case) -> dt.date:  # noqa: ANN001
    return case.completion_due.astimezone(LOCAL).date()


def test_2026_make_up_saturday_is_a_due_date(session) -> None:  # noqa: ANN001
    case = dispatched_case(session, dt.datetime(2026, 4, 30, 10, tzinfo=LOCAL), 4)
    assert local_due(case) == dt.date(2026, 5, 9)


def test_receipt_date_is_the_local_date_not_utc(session) -> None:  # noqa: ANN001
    case = dispatched_case(session, dt.datetime(2026, 9, 20, 7, tzinfo=LOCAL), 1)
    assert local_due(case) == dt.date(2026, 9, 21)


def test_deadline_past_known_years_is_provisional_then_recomputed_when_year_loads(session) -> None:
    case = dispatched_case(session, dt.datetime(2026, 12, 21, 10, tzinfo=LOCAL), 15)
    assert (local_due(case), case.deadline_provisional) == (dt.date(2027, 1, 11), True)

    notice = HolidayNotice(
        notice_id="test-2027",
        year=2027,
        title="测试用2027年安排",
        published=dt.date(2026, 11, 20),
        holidays={dt.date(2027, 1, 1): "元旦"},
        workdays={},
    )
    result = apply_notice(session=session, notice=notice)
    assert result["added"] is True and result["deadlines_moved"] >= 1
    session.refresh(case)
    assert (local_due(case), case.deadline_provisional) == (dt.date(2027, 1, 12), False)
    audit = session.scalars(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "deadline_recomputed"
        )
    ).all()
    assert audit[-1].payload["notice_id"] == "test-2027"
    assert audit[-1].payload["old_due"].startswith("2027-01-11")
    session.delete(session.get(NoticeRow, "test-2027"))
    session.flush()


def test_loading_the_same_notice_twice_changes_nothing(session) -> None:  # noqa: ANN001
    notice = load_pack("nanshan").notices[-1]
    assert apply_notice(session=session, notice=notice) == {
        "notice_id": notice.notice_id,
        "added": False,
        "deadlines_moved": 0,
    }
