"""Temporary cover: an absent worker's tasks go to neighbours by spare capacity."""

from __future__ import annotations

from civicgrid.grids.cover import CoverHelper, CoverTask, spread_cover


def test_tasks_follow_spare_capacity() -> None:
    tasks = [CoverTask(f"t{i}", 2.0) for i in range(6)]
    helpers = [CoverHelper("a", 100, 92), CoverHelper("b", 100, 96)]
    plan = spread_cover(tasks, helpers)
    assert plan.added_hours == {"a": 8.0, "b": 4.0}


def test_task_nobody_can_take_is_uncovered() -> None:
    plan = spread_cover([CoverTask("big", 10.0)], [CoverHelper("a", 100, 95)])
    assert plan.uncovered == ["big"] and plan.assignments == []


def test_overload_when_allowed_is_reported() -> None:
    plan = spread_cover([CoverTask("big", 10.0)], [CoverHelper("a", 100, 95)],
                        allow_overload=True)
    assert plan.overloaded == ["a"]
