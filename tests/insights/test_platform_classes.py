"""Monthly class runs over the database: planted classes are found, and staff names survive."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from civicgrid.cases.workflow import Actor
from civicgrid.insights.models import ClassMembership, ProblemClass
from civicgrid.insights.synthetic import generate_cases
from tests.insights.platform import plant_cases

pytestmark = pytest.mark.db

MONTH = "2024-03"
STAFF = Actor(id=None, name="测试员", role="admin")


@pytest.fixture(scope="module")
def planted(engine: Any) -> dict[int, list[int]]:
    """8 planted classes × 20 cases and 20 one-offs in March 2024; case ids per planted class."""
    from civicgrid.db.core import make_session_factory

    generated = generate_cases(per_class=20, one_offs=20, seed=11)
    days = [dt.date(2024, 3, 1 + n % 28) for n in range(len(generated))]
    with make_session_factory(engine)() as session:
        ids = plant_cases(session, [g.text for g in generated], days, prefix="INSCLS")
        session.commit()
    groups: dict[int, list[int]] = {}
    for case_id, case in zip(ids, generated, strict=True):
        groups.setdefault(case.planted, []).append(case_id)
    return groups


def _class_of(session: Any, case_ids: list[int]) -> tuple[str, int]:
    rows = session.scalars(select(ClassMembership.class_id)
                           .where(ClassMembership.case_id.in_(case_ids)))
    return Counter(rows).most_common(1)[0]


def test_monthly_run_puts_planted_cases_in_one_class(session: Any, planted: dict) -> None:
    from civicgrid.insights.register import run_month

    result = run_month(session=session, month=MONTH, months=1)
    class_id, together = _class_of(session, planted[2])
    found = [k for k in range(8) if _class_of(session, planted[k])[1] >= 16]
    assert result["cases"] == 180
    assert together >= 16 and len(found) >= 6
    assert class_id in {c["id"] for c in result["classes"]}


def test_staff_rename_survives_the_next_run(session: Any, planted: dict) -> None:
    from civicgrid.insights.register import decide, list_classes, run_month

    run_month(session=session, month=MONTH, months=1)
    class_id, _ = _class_of(session, planted[4])
    decide(session=session, decision={"kind": "rename", "class_id": class_id,
                                      "label": "测试·人工命名"}, actor=STAFF)
    run_month(session=session, month=MONTH, months=1)
    again, together = _class_of(session, planted[4])
    listed = {c["id"]: c for c in list_classes(session=session)}
    assert again == class_id and together >= 16
    assert listed[class_id]["label"] == "测试·人工命名"
    assert session.get(ProblemClass, class_id).staff_label == "测试·人工命名"


def test_merge_moves_the_cases_to_the_target(session: Any, planted: dict) -> None:
    from civicgrid.insights.register import decide, run_month

    run_month(session=session, month=MONTH, months=1)
    first, _ = _class_of(session, planted[5])
    second, _ = _class_of(session, planted[6])
    decide(session=session, decision={"kind": "merge", "class_ids": [first, second],
                                      "into": first}, actor=STAFF)
    moved, together = _class_of(session, planted[6])
    assert moved == first and together >= 16
    assert session.get(ProblemClass, second).status == "merged"


def test_unknown_decision_kind_is_refused_naming_the_field(session: Any) -> None:
    from civicgrid.errors import ValidationFailed
    from civicgrid.insights.register import decide

    with pytest.raises(ValidationFailed) as caught:
        decide(session=session, decision={"kind": "rotate"}, actor=STAFF)
    assert caught.value.field == "decision"


def test_run_on_a_month_without_cases_says_so(session: Any) -> None:
    from civicgrid.insights.register import run_month

    result = run_month(session=session, month="2019-01", months=1)
    assert result["cases"] == 0 and result["class_count"] == 0
    assert any("未发现" in note for note in result["notes"])


def test_boilerplate_month_finds_no_class_and_earlier_classes_vanish(
    session: Any, planted: dict
) -> None:
    from civicgrid.insights.register import class_detail, run_month

    run_month(session=session, month=MONTH, months=1)
    class_id, _ = _class_of(session, planted[2])
    texts = ["您好，尊敬的领导，反映个问题，希望尽快处理，谢谢！"] * 25
    plant_cases(session, texts, [dt.date(2024, 4, 1 + n) for n in range(25)], prefix="INSBP")
    result = run_month(session=session, month="2024-04", months=1)
    detail = class_detail(session=session, class_id=class_id)
    assert result["class_count"] == 0
    assert any("boilerplate" in note for note in result["notes"])
    assert detail["status"] == "vanished" and "已消失" in detail["note"]


def test_monthly_round_mines_the_last_complete_month_once(session: Any, planted: dict) -> None:
    from civicgrid.insights.register import monthly_round

    first = monthly_round(session=session, today=dt.date(2024, 4, 2))
    second = monthly_round(session=session, today=dt.date(2024, 4, 3))
    assert first is not None and first["month"] == MONTH and first["cases"] >= 180
    assert second is None


def test_run_on_a_thin_month_warns_that_classes_are_provisional(session: Any) -> None:
    from civicgrid.insights.register import run_month

    texts = ["小区门口路灯不亮", "楼道灯坏了", "路灯不亮很黑", "公园路灯坏了", "路口路灯不亮"]
    plant_cases(session, texts, [dt.date(2022, 6, 1 + n) for n in range(5)], prefix="INSTHIN")
    result = run_month(session=session, month="2022-06", months=1)
    assert result["cases"] == 5
    assert any("样本太少" in note for note in result["notes"])


def test_a_case_dated_in_the_future_does_not_move_the_monthly_run(session) -> None:  # noqa: ANN001
    from civicgrid.cases import service as cases
    from civicgrid.cases.schemas import CaseCreate
    from civicgrid.insights.register import latest_case_month

    received = dt.datetime(2044, 7, 1, 2, 0, tzinfo=dt.UTC)
    cases.create(session=session, data=CaseCreate(text="未来日期的诉求", received_at=received),
                 channel="import", now=received, live=False)
    session.flush()
    assert latest_case_month(session, today=dt.date(2044, 7, 2)) == "2044-07"
    present = latest_case_month(session)
    assert present is not None and present <= dt.date.today().strftime("%Y-%m")
    session.rollback()
