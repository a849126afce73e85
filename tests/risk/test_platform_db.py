"""Risk early warning in the running platform: live checks, the alert store, the daily run.

Each test works in its own far-future time window with its own places and phones, because the
test database is shared by the whole run and the detectors look at recent related cases.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from civicgrid.accounts.models import User
from civicgrid.cases import service
from civicgrid.cases.models import Case
from civicgrid.cases.schemas import CaseCreate
from civicgrid.cases.workflow import Actor
from civicgrid.errors import InvalidTransition, PermissionDenied
from civicgrid.jurisdiction.models import Category, Region
from civicgrid.notifications.models import InboxMessage
from civicgrid.risk import daily, store
from civicgrid.risk.incoming import place_key
from civicgrid.risk.models import RiskAlert, RiskAlertEvent

pytestmark = pytest.mark.db

DISPATCHER = Actor(id=None, name="派单员", role="dispatcher")
_phones = itertools.count(1000)


def _refs(session) -> tuple[str, str]:  # noqa: ANN001
    category = session.scalar(select(Category.code).where(
        Category.level == 3, Category.path.contains("安全")).order_by(Category.code))
    grid = session.scalar(select(Region.code).where(Region.level == "grid")
                          .order_by(Region.code.desc()))
    return category, grid


def make_case(session, text: str, place: str, at: dt.datetime, *, live: bool = True,  # noqa: ANN001
              phone: str | None = None) -> Case:
    category, grid = _refs(session)
    data = CaseCreate(text=text, location_text=place, category_code=category, region_code=grid,
                      reporter_name="测试", reporter_phone=phone or f"1390000{next(_phones):04d}",
                      received_at=at)
    return service.create(session=session, data=data, channel="import" if not live else
                          "hotline", now=at, live=live)


def alerts_with(session, number: str, type: str | None = None) -> list[RiskAlert]:  # noqa: ANN001
    rows = session.scalars(select(RiskAlert).order_by(RiskAlert.id)).all()
    return [a for a in rows if number in (a.evidence.get("case_ids") or [])
            and (type is None or a.type == type)]


def test_live_gas_leak_case_raises_a_notified_hazard_alert(session) -> None:  # noqa: ANN001
    at = dt.datetime(2031, 3, 4, 2, 0, tzinfo=dt.UTC)
    case = make_case(session, "南山区测试路1号1栋楼道闻到煤气味，疑似燃气泄漏", "南山区测试路1号1栋", at)
    [alert] = alerts_with(session, case.number, "hazard")
    assert alert.status == "notified" and alert.severity == "red"
    assert alert.detected_at == at and alert.notified_at == at
    assert alert.notify_due == at + dt.timedelta(hours=24)
    assert alert.subject["hazard"] == "gas_smell"
    dispatcher = session.scalar(select(User).where(User.username == "t_dispatcher"))
    messages = session.scalars(select(InboxMessage).where(
        InboxMessage.user_id == dispatcher.id, InboxMessage.kind == "risk_alert")).all()
    assert any(f"#{alert.id}" in m.text for m in messages)


def test_several_reporters_at_one_place_raise_one_concentration_alert(session) -> None:  # noqa
    at = dt.datetime(2031, 5, 6, 1, 0, tzinfo=dt.UTC)
    place = "南山区测试路2号海景花园"
    numbers = [make_case(session, f"{place}门口垃圾堆积发臭{i}", place,
                         at + dt.timedelta(hours=3 * i)).number for i in range(7)]
    alerts = [a for a in session.scalars(select(RiskAlert).where(
        RiskAlert.type == "concentration")) if a.subject.get("place") == place_key(place)]
    assert len(alerts) == 1
    assert set(alerts[0].evidence["case_ids"]) == set(numbers)
    kinds = session.scalars(select(RiskAlertEvent.kind).where(
        RiskAlertEvent.alert_id == alerts[0].id)).all()
    assert "evidence_updated" in kinds


def test_imported_history_raises_no_alert(session) -> None:  # noqa: ANN001
    at = dt.datetime(2031, 7, 8, 1, 0, tzinfo=dt.UTC)
    place = "南山区测试路3号旧楼"
    numbers = [make_case(session, f"{place}闻到煤气味{i}", place, at + dt.timedelta(hours=i),
                         live=False).number for i in range(6)]
    assert not any(alerts_with(session, n) for n in numbers)
    assert not session.scalars(select(InboxMessage).where(
        InboxMessage.kind == "risk_alert", InboxMessage.case_number.in_(numbers))).all()


def _hazard_alert(session, day: int) -> RiskAlert:  # noqa: ANN001
    at = dt.datetime(2031, 9, day, 2, 0, tzinfo=dt.UTC)
    case = make_case(session, f"南山区测试路{day}号电梯困人了，快来救援", f"南山区测试路{day}号", at)
    return alerts_with(session, case.number, "hazard")[0]


def test_alert_lifecycle_stamps_each_step(session) -> None:  # noqa: ANN001
    alert = _hazard_alert(session, 2)
    t = alert.detected_at
    for hours, action in enumerate(("acknowledge", "handle", "close"), start=1):
        store.perform(session=session, alert=alert, action=action, actor=DISPATCHER,
                      now=t + dt.timedelta(hours=hours))
    assert alert.status == "closed"
    assert (alert.acknowledged_at, alert.handled_at, alert.closed_at) == tuple(
        t + dt.timedelta(hours=h) for h in (1, 2, 3))
    kinds = [e.kind for e in store.timeline(session=session, alert=alert)]
    assert kinds == ["detected", "notified", "acknowledge", "handle", "close"]


def test_wrong_state_action_is_refused_naming_the_allowed_ones(session) -> None:  # noqa: ANN001
    alert = _hazard_alert(session, 3)
    with pytest.raises(InvalidTransition) as caught:
        store.perform(session=session, alert=alert, action="close", actor=DISPATCHER)
    assert caught.value.allowed == ["acknowledge", "false_alarm"]


def test_handler_of_another_unit_may_not_act(session) -> None:  # noqa: ANN001
    alert = _hazard_alert(session, 4)
    other = Actor(id=None, name="别的单位", role="handler", unit_code="NOT-" + str(alert.unit_code))
    with pytest.raises(PermissionDenied):
        store.perform(session=session, alert=alert, action="acknowledge", actor=other)


def test_api_action_answers_409_with_allowed_actions(session, login) -> None:  # noqa: ANN001
    alert = _hazard_alert(session, 5)
    session.commit()
    client = login("t_dispatcher")
    answer = client.post(f"/api/risk/alerts/{alert.id}/actions/handle", json={})
    assert answer.status_code == 409
    assert answer.json()["error"]["allowed"] == ["acknowledge", "false_alarm"]
    done = client.post(f"/api/risk/alerts/{alert.id}/actions/acknowledge", json={"note": "已派人"})
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    detail = client.get(f"/api/risk/alerts/{alert.id}").json()
    assert detail["cases"][0]["number"] == alert.evidence["case_ids"][0]
    assert [e["kind"] for e in detail["timeline"]][-1] == "acknowledge"


def test_unacknowledged_alert_is_overdue_after_24_hours(engine) -> None:  # noqa: ANN001
    from civicgrid.background import run_periodic
    from civicgrid.db.core import make_session_factory
    from civicgrid.settings import Settings

    factory = make_session_factory(engine)
    with factory() as session:
        late = _hazard_alert(session, 10)
        seen = _hazard_alert(session, 11)
        store.perform(session=session, alert=seen, action="acknowledge", actor=DISPATCHER,
                      now=seen.detected_at + dt.timedelta(hours=1))
        session.commit()
        ids = (late.id, seen.id)
    round_at = late.detected_at + dt.timedelta(hours=25)
    run_periodic(factory, Settings(), now=round_at)
    run_periodic(factory, Settings(), now=round_at + dt.timedelta(hours=1))
    with factory() as session:
        late, seen = (session.get(RiskAlert, i) for i in ids)
        events = session.scalars(select(RiskAlertEvent).where(
            RiskAlertEvent.alert_id == late.id, RiskAlertEvent.kind == "overdue")).all()
        assert late.overdue is True and len(events) == 1
        assert seen.overdue is False


def test_not_yet_due_alert_is_not_overdue(engine) -> None:  # noqa: ANN001
    from civicgrid.db.core import make_session_factory

    with make_session_factory(engine)() as session:
        alert = _hazard_alert(session, 20)
        store.mark_overdue(session=session, now=alert.detected_at + dt.timedelta(hours=23))
        assert alert.overdue is False
        session.rollback()


def test_daily_run_raises_concentration_and_hazard_from_imported_cases(session) -> None:  # noqa
    at = dt.datetime(2032, 2, 3, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    place = "南山区测试路30号锦园"
    numbers = [make_case(session, f"{place}楼道闻到煤气味{i}", place, at + dt.timedelta(hours=i),
                         live=False).number for i in range(6)]
    summary = daily.run_day(session=session, day=dt.date(2032, 2, 3), now=at + dt.timedelta(days=1))
    raised = [session.get(RiskAlert, i) for i in summary["raised_ids"]]
    assert [a.subject.get("place") for a in raised if a.type == "concentration"
            and "place" in a.subject] == [place_key(place)]
    assert [a.subject["hazard"] for a in raised if a.type == "hazard"] == ["gas_smell"]
    assert all(a.evidence["case_ids"] for a in raised)
    again = daily.run_day(session=session, day=dt.date(2032, 2, 3), now=at + dt.timedelta(days=1))
    assert again["raised"] == 0
    assert set(numbers) <= set(alerts_with(session, numbers[-1], "hazard")[0].evidence["case_ids"])


def test_daily_report_exports_open_with_expected_headings(session, login) -> None:  # noqa: ANN001
    import io

    import docx
    import openpyxl

    alert = _hazard_alert(session, 25)
    session.commit()
    client = login("t_viewer")
    day = alert.detected_on.isoformat()
    data = client.get("/api/risk/report", params={"day": day}).json()
    assert alert.title in [row["title"] for row in data["today"]]
    book = openpyxl.load_workbook(io.BytesIO(
        client.get("/api/risk/report.xlsx", params={"day": day}).content))
    assert book.sheetnames == ["概览", "今日预警", "状态变化", "超时未处置"]
    assert [c.value for c in book["今日预警"][1]][:4] == ["编号", "等级", "类型", "预警内容"]
    document = docx.Document(io.BytesIO(
        client.get("/api/risk/report.docx", params={"day": day}).content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == f"南山区风险预警日研判报告（{day}）"
    assert headings[1].startswith("一、今日预警")


def test_evidence_of_another_units_case_is_masked_for_a_handler(session, login) -> None:  # noqa
    at = dt.datetime(2031, 10, 1, 2, 0, tzinfo=dt.UTC)
    case = make_case(session, "南山区测试路40号燃气泄漏，联系电话13912345678",
                     "南山区测试路40号", at)
    alert = alerts_with(session, case.number, "hazard")[0]
    session.commit()
    [row] = login("t_handler_c").get(f"/api/risk/alerts/{alert.id}").json()["cases"]
    assert "13912345678" not in row["title"]
    [full] = login("t_dispatcher").get(f"/api/risk/alerts/{alert.id}").json()["cases"]
    assert "13912345678" in full["title"]


def test_alert_goes_to_the_unit_most_of_its_cases_belong_to(session) -> None:
    from types import SimpleNamespace

    from civicgrid.risk.incoming import responsible_unit

    at = dt.datetime(2031, 11, 2, 2, 0, tzinfo=dt.UTC)

    def case(unit: str | None, hours: int) -> SimpleNamespace:
        return SimpleNamespace(lead_unit=unit, received_at=at + dt.timedelta(hours=hours),
                               category_code=None, grid_code=None, street_code=None)

    # One misrouted newest case does not make its unit answer for four others.
    cases = [case("U_STREET", h) for h in range(4)] + [case("U_GAS", 9)]
    assert responsible_unit(session=session, cases=cases) == "U_STREET"
    # A tie goes to the unit of the newest case.
    assert responsible_unit(session=session, cases=[case("U_A", 1), case("U_B", 2)]) == "U_B"
    # Cases with neither a lead unit nor a routable category give no unit.
    assert responsible_unit(session=session, cases=[case(None, 1)]) is None
