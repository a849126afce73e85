"""The case workflow through the service layer: every path, deadlines and the timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civicgrid.cases import service, states
from civicgrid.cases.models import CaseEvent
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.cases.workflow import Actor, perform
from civicgrid.errors import Conflict, InvalidTransition, PermissionDenied, StaleVersion
from civicgrid.jurisdiction.models import Category, Unit

from tests.support.texts import GOOD_REPLY, REQUEST

pytestmark = pytest.mark.db

DISPATCHER = Actor(id=None, name="派单员", role="dispatcher")
LEADER = Actor(id=None, name="领导", role="leader")
T0 = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Shanghai


def units(session) -> list[str]:  # noqa: ANN001
    return list(
        session.scalars(select(Unit.code).where(Unit.kind == "department").order_by(Unit.code))
    )


def handler(code: str) -> Actor:
    return Actor(id=None, name=f"{code}承办人", role="handler", unit_code=code)


def new_case(session, **fields):  # noqa: ANN001, ANN003, ANN201
    category = session.scalar(
        select(Category.code).where(Category.level == 3).order_by(Category.code)
    )
    data = CaseCreate(
        text=fields.pop("text", REQUEST),
        category_code=category,
        reporter_name="陈先生",
        reporter_phone="13800138000",
        received_at=T0,
        **fields,
    )
    return service.create(session=session, data=data, channel="hotline", now=T0)


def act(session, case, action, actor, after, **fields):  # noqa: ANN001, ANN003, ANN201
    return perform(
        session=session,
        case=case,
        action=action,
        actor=actor,
        data=ActionIn(version=case.version, **fields),
        now=T0 + dt.timedelta(hours=after),
    )


def test_case_walks_the_main_path_to_closed(session) -> None:  # noqa: ANN001
    case = new_case(session)
    unit = units(session)[0]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=unit)
    act(session, case, "accept", handler(unit), 2)
    act(session, case, "start", handler(unit), 3)
    act(session, case, "reply", handler(unit), 20, text=GOOD_REPLY)
    act(session, case, "review", DISPATCHER, 21, passed=True)
    act(session, case, "return_visit", DISPATCHER, 22, satisfaction="satisfied")

    assert case.status == states.CLOSED
    assert case.closed_on_time is True and case.responded_on_time is True
    kinds = [e.kind for e in service.timeline(session=session, case=case)]
    assert kinds == ["create", "dispatch", "accept", "start", "reply", "review", "return_visit"]


def test_action_not_allowed_in_state_names_state_and_allowed_actions(session) -> None:
    case = new_case(session)
    with pytest.raises(InvalidTransition) as caught:
        act(session, case, "reply", DISPATCHER, 1, text="x")
    assert caught.value.value == "received"
    assert "dispatch" in caught.value.allowed and "reply" not in caught.value.allowed


def test_stale_version_is_refused(session) -> None:  # noqa: ANN001
    case = new_case(session)
    stale = case.version
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=units(session)[0])
    with pytest.raises(StaleVersion):
        perform(
            session=session,
            case=case,
            action="supervise",
            actor=LEADER,
            data=ActionIn(version=stale, text="加快"),
            now=T0,
        )


def test_handler_of_another_unit_cannot_accept(session) -> None:  # noqa: ANN001
    case = new_case(session)
    first, second = units(session)[:2]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=first)
    with pytest.raises(PermissionDenied):
        act(session, case, "accept", handler(second), 2)


def test_return_and_reassign_moves_case_to_new_unit(session) -> None:  # noqa: ANN001
    case = new_case(session)
    first, second = units(session)[:2]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=first)
    act(session, case, "return", handler(first), 2, reason="不属于本单位")
    assert case.status == states.RETURNED
    act(session, case, "reassign", DISPATCHER, 3, unit_code=second, reason="改派")
    assert (case.status, case.lead_unit) == (states.DISPATCHED, second)


def test_whistle_blocks_reply_until_every_called_unit_reports(session) -> None:  # noqa: ANN001
    case = new_case(session)
    lead, b, c = units(session)[:3]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=lead)
    act(session, case, "accept", handler(lead), 2)
    act(session, case, "whistle", handler(lead), 3, unit_codes=[b, c], hours=8)
    act(session, case, "report_in", handler(b), 4, text="已到场")
    with pytest.raises(Conflict) as caught:
        act(session, case, "reply", handler(lead), 5, text=GOOD_REPLY)
    assert caught.value.value == [c]
    act(session, case, "report_in", handler(c), 6, text="已配合")
    act(session, case, "reply", handler(lead), 7, text=GOOD_REPLY)
    assert case.status == states.REPLIED


def test_two_dissatisfied_visits_reopen_twice_and_put_case_under_supervision(session) -> None:
    case = new_case(session)
    unit = units(session)[0]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=unit)
    hours = 1
    for round_number in (1, 2):
        act(session, case, "accept", handler(unit), hours + 1)
        act(session, case, "reply", handler(unit), hours + 2, text=GOOD_REPLY)
        act(session, case, "review", DISPATCHER, hours + 3, passed=True)
        act(session, case, "return_visit", DISPATCHER, hours + 4, satisfaction="dissatisfied")
        hours += 10
        assert case.status == states.DISPATCHED and case.lead_unit == unit
        assert case.reopen_count == round_number
        assert case.supervised is (round_number == 2)


def test_review_can_send_reply_back_with_reasons(session) -> None:  # noqa: ANN001
    case = new_case(session)
    unit = units(session)[0]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=unit)
    act(session, case, "accept", handler(unit), 2)
    act(session, case, "reply", handler(unit), 3, text=GOOD_REPLY)
    event = act(session, case, "review", DISPATCHER, 4, passed=False, reason="未说明处理依据")
    assert case.status == states.IN_PROGRESS
    assert event.payload["reasons"] == "未说明处理依据"


def test_approved_extension_moves_completion_deadline_by_working_days(session) -> None:
    case = new_case(session)
    unit = units(session)[0]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=unit)
    act(session, case, "accept", handler(unit), 2)
    before = case.completion_due
    act(session, case, "request_extension", handler(unit), 3, days=5, reason="需协调")
    act(session, case, "decide_extension", DISPATCHER, 4, approve=True)
    assert case.pending_extension is None
    # Five working days after a date in mid-November 2026 is a full calendar week later.
    assert case.completion_due - before == dt.timedelta(days=7)


def test_merge_points_duplicate_to_surviving_case(session) -> None:  # noqa: ANN001
    keep, dup = new_case(session), new_case(session)
    act(session, dup, "merge", DISPATCHER, 1, into_number=keep.number)
    assert dup.status == states.MERGED and dup.duplicate_of_id == keep.id


def test_every_transition_writes_one_event_with_actor(session) -> None:  # noqa: ANN001
    case = new_case(session)
    act(session, case, "supervise", LEADER, 1, text="请加快办理", days=2)
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
    assert [(e.kind, e.actor_name) for e in events] == [("create", "系统"), ("supervise", "领导")]
    assert case.supervision["instruction"] == "请加快办理"


def test_case_number_has_prefix_local_date_and_sequence(session) -> None:  # noqa: ANN001
    late = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 12-01 in Shanghai
    data = CaseCreate(text="测试", received_at=late)
    first = service.create(session=session, data=data, channel="web", now=late)
    second = service.create(session=session, data=data, channel="web", now=late)
    assert first.number.startswith("NS20261201")
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_reply_failing_the_audit_goes_back_to_the_unit_with_reasons(session) -> None:
    case = new_case(session)
    unit = units(session)[0]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=unit)
    act(session, case, "accept", handler(unit), 2)
    event = act(session, case, "reply", handler(unit), 3, text="已处理")
    assert case.status == states.IN_PROGRESS
    assert event.payload["audit"]["verdict"] == "return" and event.payload["audit_returned"]
    assert any("completeness" in reason for reason in event.payload["audit"]["reasons"])


def test_dispatcher_override_of_the_audit_is_recorded(session) -> None:  # noqa: ANN001
    case = new_case(session)
    unit = units(session)[0]
    act(session, case, "dispatch", DISPATCHER, 1, unit_code=unit)
    act(session, case, "accept", handler(unit), 2)
    act(session, case, "reply", handler(unit), 3, text="已处理")
    event = act(session, case, "override_audit", DISPATCHER, 4, reason="已电话确认处理完毕")
    assert case.status == states.REPLIED
    assert event.payload == {"reason": "已电话确认处理完毕", "audit_verdict": "return"}
    assert case.reply_audit["overridden_by"] == "派单员"
    with pytest.raises(InvalidTransition):
        act(session, case, "override_audit", DISPATCHER, 5, reason="again")
