"""Deadlines of a case in working hours and working days.

Rule (stated once, used everywhere): a limit of *N working days* ends at the end of the
N-th working day strictly after the local (Asia/Shanghai) date of receipt; a response limit
of *H working hours* counts only the working hours of working days. Past the last year whose
holiday notice is loaded, days are counted as weekdays and the deadline is *provisional*
until that year's notice arrives (then it is recomputed and the change audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from civicgrid.jurisdiction.calendar import WorkCalendar
from civicgrid.settings import TIMEZONE

LOCAL = ZoneInfo(TIMEZONE)

# Priority caps on the category's limits: (response hours, completion working days).
PRIORITY_CAPS: dict[str, tuple[int | None, int | None]] = {
    "normal": (None, None),
    "urgent": (4, 2),
    "critical": (1, 1),
}


@dataclass(frozen=True)
class Limits:
    """A case's response limit in working hours and completion limit in working days."""

    response_hours: int
    completion_days: int


@dataclass(frozen=True)
class Deadlines:
    response_due: dt.datetime
    completion_due: dt.datetime
    provisional: bool


def limits_for(response_hours: int, completion_days: int, priority: str) -> Limits:
    """The category's limits, tightened by the case's priority."""
    cap_hours, cap_days = PRIORITY_CAPS.get(priority, (None, None))
    hours = min(response_hours, cap_hours) if cap_hours else response_hours
    days = min(completion_days, cap_days) if cap_days else completion_days
    return Limits(response_hours=max(1, hours), completion_days=max(1, days))


def end_of_local_day(day: dt.date) -> dt.datetime:
    """23:59:59 on ``day`` in Asia/Shanghai, as an aware UTC datetime."""
    local = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=LOCAL)
    return local.astimezone(dt.UTC)


def compute(
    calendar: WorkCalendar, *, start: dt.datetime, received_at: dt.datetime, limits: Limits
) -> Deadlines:
    """Response deadline counted from ``start`` (dispatch), completion from receipt."""
    due = calendar.due_date(received_at, limits.completion_days)
    response = calendar.add_working_hours(start, limits.response_hours)
    return Deadlines(
        response_due=response,
        completion_due=end_of_local_day(due.date),
        provisional=due.provisional,
    )


def completion_due(
    calendar: WorkCalendar, *, clock_started_at: dt.datetime, days: int
) -> tuple[dt.datetime, bool]:
    """End of the ``days``-th working day after the local date the clock started."""
    due = calendar.due_date(clock_started_at, days)
    return end_of_local_day(due.date), due.provisional


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai date of an aware datetime."""
    return moment.astimezone(LOCAL).date()
