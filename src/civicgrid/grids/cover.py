"""Temporary cover (临时顶岗): spread an absent worker's tasks over neighbouring grids.

Each neighbour has a monthly capacity and a current load; its spare capacity is the
difference. Tasks are placed largest first, each on the neighbour with the most spare
capacity left that can still take it (water-filling): the extra hours go where the room is,
and the neighbours' remaining spare capacity evens out instead of one being drained. A task
no neighbour can take without going over capacity is listed as uncovered (to be escalated
to the community), unless ``allow_overload`` is set, in which case it goes to the
neighbour left with the most spare capacity and the overload is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoverTask:
    """A task of the absent worker, with its expected hours."""

    task_id: str
    hours: float


@dataclass(frozen=True)
class CoverHelper:
    """A neighbouring grid (or its worker) with capacity and current load in hours."""

    helper_id: str
    capacity_hours: float
    load_hours: float

    @property
    def spare_hours(self) -> float:
        """Capacity not yet used (never below zero)."""
        return max(0.0, self.capacity_hours - self.load_hours)


@dataclass
class CoverPlan:
    """Which helper takes which task, the hours added to each, and what is left over."""

    assignments: list[tuple[str, str, float]] = field(default_factory=list)
    added_hours: dict[str, float] = field(default_factory=dict)
    spare_after: dict[str, float] = field(default_factory=dict)
    uncovered: list[str] = field(default_factory=list)
    overloaded: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plan."""
        return {
            "assignments": [
                {"task_id": t, "helper_id": h, "hours": round(x, 3)}
                for t, h, x in self.assignments
            ],
            "added_hours": {k: round(v, 3) for k, v in self.added_hours.items()},
            "spare_after": {k: round(v, 3) for k, v in self.spare_after.items()},
            "uncovered": self.uncovered,
            "overloaded": self.overloaded,
        }


def spread_cover(
    tasks: Sequence[CoverTask], helpers: Sequence[CoverHelper], allow_overload: bool = False
) -> CoverPlan:
    """Assign an absent worker's tasks to neighbours by spare capacity (largest task first)."""
    if not helpers:
        raise ValueError("helpers is empty; give at least one neighbouring grid to cover")
    spare = {h.helper_id: h.spare_hours for h in helpers}
    plan = CoverPlan(added_hours={h.helper_id: 0.0 for h in helpers})
    for task in sorted(tasks, key=lambda t: (-t.hours, t.task_id)):
        fitting = [h for h, s in spare.items() if s >= task.hours]
        if fitting:
            chosen = max(fitting, key=lambda h: (spare[h], h))
        elif allow_overload:
            chosen = max(spare, key=lambda h: (spare[h], h))
        else:
            plan.uncovered.append(task.task_id)
            continue
        spare[chosen] -= task.hours
        plan.added_hours[chosen] += task.hours
        plan.assignments.append((task.task_id, chosen, task.hours))
    plan.spare_after = dict(spare)
    plan.overloaded = sorted(h for h, s in spare.items() if s < 0)
    return plan
