"""Read-only views of the district pack and the working calendar."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from civicgrid.errors import ValidationFailed
from civicgrid.jurisdiction import service
from civicgrid.web.deps import CurrentActor, DbSession

router = APIRouter(prefix="/api", tags=["jurisdiction"])


@router.get("/jurisdiction/units")
def units(session: DbSession, _actor: CurrentActor) -> list[dict]:
    return [{"code": u.code, "name": u.name, "kind": u.kind, "region_code": u.region_code}
            for u in service.get_all_units(session=session)]


@router.get("/jurisdiction/regions")
def regions(session: DbSession, _actor: CurrentActor, level: str | None = None) -> list[dict]:
    return [{"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code,
             "generated": r.generated}
            for r in service.get_all_regions(session=session, level=level)]


@router.get("/jurisdiction/categories")
def categories(session: DbSession, _actor: CurrentActor) -> list[dict]:
    return [{"code": c.code, "name": c.name, "path": c.path, "level": c.level,
             "response_hours": c.response_hours, "completion_days": c.completion_days,
             "default_unit": c.default_unit}
            for c in service.get_all_categories(session=session)]


@router.get("/calendar/day")
def day(session: DbSession, date: str = Query(..., description="YYYY-MM-DD")) -> dict:
    """Whether a date is a working day, and what kind of day it is."""
    try:
        day_value = dt.date.fromisoformat(date)
    except ValueError:
        raise ValidationFailed(f"{date!r} is not a date", field="date", value=date,
                               fix="write it as YYYY-MM-DD") from None
    calendar = service.get_calendar(session)
    return {"date": date, "workday": calendar.is_workday(day_value),
            "kind": calendar.day_kind(day_value), "known": calendar.covers(day_value)}


@router.get("/calendar/{year}.ics", response_class=PlainTextResponse)
def ics(year: int, session: DbSession) -> PlainTextResponse:
    """The year's holidays and make-up working days as an iCalendar file."""
    calendar = service.get_calendar(session)
    return PlainTextResponse(calendar.to_ics(year), media_type="text/calendar; charset=utf-8")
