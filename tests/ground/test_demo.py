"""The demo's generated ground data: labelled generated, with faults and tags to show."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civicgrid.db.core import make_session_factory
from civicgrid.ground.demo import prepare_demo_ground
from civicgrid.ground.models import Person, Tag
from civicgrid.ground.heads import board
from civicgrid.ground.records import duplicates
from civicgrid.ground.utility import signals

pytestmark = pytest.mark.db


def test_demo_ground_is_generated_with_duplicates_and_tags(engine) -> None:  # noqa: ANN001
    factory = make_session_factory(engine)
    first = prepare_demo_ground(factory, secret="demo-key", houses=30)
    again = prepare_demo_ground(factory, secret="demo-key", houses=30)
    assert first["created"] > 30 and again["created"] == 0
    with factory() as session:
        people = session.scalars(select(Person).where(Person.generated)).all()
        assert all(p.updated_by == "demo-generator" for p in people)
        kinds = {g["record_type"] for g in duplicates(session=session)}
        assert kinds == {"person", "enterprise"}
        assert session.scalar(select(func.count()).select_from(Tag)) > 0
        assert any(p["code"] == "old_15_digit" for person in people for p in person.problems)
        found = {s["signal"] for s in signals(session=session)}
        assert found == {"usage_without_residents", "long_zero_usage"}
        assert board(session=session)[0]["points"] > 0
