"""The assessed figures on a controlled set of cases in a period no other test uses."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civicgrid.cases import metrics, service
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.cases.workflow import Actor, perform
from civicgrid.jurisdiction.models import Unit

from tests.support.texts import GOOD_REPLY, REQUEST

pytestmark = pytest.mark.db
START = dt.datetime(2018, 3, 1, tzinfo=dt.UTC)
DISPATCHER = Actor(id=None, name="派单员", role="dispatcher")


def _walk(session, unit: str, day: int, steps: list[tuple[str, float, dict]]):
    received = START + dt.timedelta(days=day, hours=2)
    case = service.create(
        session=session,
        data=CaseCreate(text=REQUEST, received_at=received),
        channel="hotline",
        now=received,
    )
    handler = Actor(id=None, name="承办", role="handler", unit_code=unit)
    for action, hours, fields in steps:
        actor = handler if action in ("accept", "reply") else DISPATCHER
        perform(
            session=session,
            case=case,
            action=action,
            actor=actor,
            data=ActionIn(version=case.version, **fields),
            now=received + dt.timedelta(hours=hours),
        )
    return case


def full(satisfaction: str, close_after_hours: float, unit: str) -> list:
    return [
        ("dispatch", 0.5, {"unit_code": unit}),
        ("accept", 1, {}),
        ("reply", 20, {"text": GOOD_REPLY}),
        ("review", close_after_hours - 2, {"passed": True}),
        ("return_visit", close_after_hours, {"satisfaction": satisfaction}),
    ]


def test_rates_by_unit_match_hand_counts(session) -> None:  # noqa: ANN001
    unit = session.scalar(
        select(Unit.code).where(Unit.kind == "department").order_by(Unit.code.desc())
    )
    _walk(session, unit, 1, full("satisfied", 26, unit))
    _walk(session, unit, 2, full("basic", 32, unit))
    _walk(session, unit, 3, full("satisfied", 24 * 40 + 2, unit))  # closed late
    _walk(session, unit, 4, full("dissatisfied", 26, unit))  # reopened, still open
    _walk(
        session, unit, 5, [("dispatch", 0.5, {"unit_code": unit}), ("accept", 24 * 6, {})]
    )  # late response

    rows = metrics.compute(
        session=session, group_by="unit", start=START, end=START + dt.timedelta(days=20)
    )
    row = next(r for r in rows if r["key"] == unit)
    assert (row["received"], row["dispatched"], row["closed"]) == (5, 5, 3)
    assert row["response_rate"] == 0.8
    assert row["on_time_rate"] == round(2 / 3, 4)
    assert row["satisfaction_rate"] == 0.75
    assert row["closure_rate"] == 0.6
    assert row["reopen_rate"] == 0.25
    assert row["avg_handling_days"] == pytest.approx(
        (26 / 24 + 32 / 24 + (24 * 40 + 2) / 24) / 3, abs=0.01
    )
    ranked = metrics.rank_units(rows)
    assert ranked[0]["rank"] == 1 and all("score" in r for r in ranked)


def test_grouping_by_month_uses_the_local_date(session) -> None:  # noqa: ANN001
    # 2018-03-31 17:00 UTC is 2018-04-01 01:00 in Shanghai.
    late = dt.datetime(2018, 3, 31, 17, tzinfo=dt.UTC)
    service.create(
        session=session, data=CaseCreate(text="月份测试", received_at=late), channel="web", now=late
    )
    rows = metrics.compute(
        session=session, group_by="month", start=late, end=late + dt.timedelta(hours=1)
    )
    assert [(r["key"], r["received"]) for r in rows] == [("2018-04", 1)]
