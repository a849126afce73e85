"""Case endpoints: create, search, read, act, timeline, metrics. Thin: parse, check
permission through dependencies, call one service function, render."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from civicgrid.cases import metrics, service, states, workflow
from civicgrid.cases.schemas import ActionIn, CaseCreate, CaseOut, CasePage, EventOut
from civicgrid.cases.workflow import Actor
from civicgrid.errors import ValidationFailed
from civicgrid.web.deps import CurrentActor, DbSession, requires

router = APIRouter(prefix="/api", tags=["cases"])
Creator = Annotated[Actor, Depends(requires("case.create"))]
MetricsReader = Annotated[Actor, Depends(requires("metrics.read"))]
MappingManager = Annotated[Actor, Depends(requires("mapping.manage"))]
Dispatcher = Annotated[Actor, Depends(requires("case.dispatch"))]


@router.post("/cases", response_model=CaseOut, status_code=201)
def create_case(body: CaseCreate, session: DbSession, actor: Creator) -> dict:
    """Register a request taken by staff (hotline operator, dispatcher, grid worker)."""
    channel = "grid" if actor.role == "grid_worker" else "hotline"
    case = service.create(session=session, data=body, channel=channel, actor=actor)
    session.commit()
    return service.render(session=session, case=case, actor=actor)


@router.get("/cases", response_model=CasePage)
def search_cases(
    session: DbSession,
    actor: CurrentActor,
    status: str | None = None,
    unit: str | None = None,
    street: str | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    supervised: bool | None = None,
    q: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict:
    total, rows = service.search(session=session, actor=actor, status=status, unit=unit,
                                 street=street, category=category, overdue=overdue,
                                 supervised=supervised, text=q, limit=limit, offset=offset)
    return {"total": total, "items": service.render_many(session=session, cases=rows, actor=actor)}


@router.get("/cases/{number}", response_model=CaseOut)
def read_case(number: str, session: DbSession, actor: CurrentActor) -> dict:
    case = service.get_visible(session=session, number=number, actor=actor)
    return service.render(session=session, case=case, actor=actor)


@router.get("/cases/{number}/timeline", response_model=list[EventOut])
def case_timeline(number: str, session: DbSession, actor: CurrentActor) -> list[Any]:
    case = service.get_visible(session=session, number=number, actor=actor)
    return service.timeline(session=session, case=case)


@router.post("/cases/{number}/actions/{action}", response_model=CaseOut)
def act(number: str, action: str, body: ActionIn, session: DbSession, actor: CurrentActor) -> dict:
    """Apply a workflow action at the version the client read (409 if stale or not allowed)."""
    case = service.get_visible(session=session, number=number, actor=actor)
    workflow.perform(session=session, case=case, action=action, actor=actor, data=body)
    session.commit()
    return service.render(session=session, case=case, actor=actor)


class CategoryIn(BaseModel):
    """The category a dispatcher accepts or corrects, at the version read."""

    version: int = Field(ge=1)
    category_code: str


@router.put("/cases/{number}/category", response_model=CaseOut)
def set_category(number: str, body: CategoryIn, session: DbSession, actor: Dispatcher) -> dict:
    """Accept or correct the suggested category; recorded as training data."""
    from civicgrid.nlp.intake import record_category_decision

    case = service.get_visible(session=session, number=number, actor=actor)
    service.check_version(case=case, version=body.version)
    service.check_category(session=session, code=body.category_code)
    record_category_decision(session=session, case=case, actor=actor,
                             category_code=body.category_code)
    session.commit()
    return service.render(session=session, case=case, actor=actor)


@router.get("/workflow")
def workflow_table(_actor: CurrentActor) -> dict:
    """The transition table and the labels of statuses, for clients and the console."""
    return {
        "statuses": states.STATUS_LABELS,
        "actions": [
            {"name": a.name, "label": a.label, "from": sorted(a.sources), "to": a.target,
             "permission": a.permission}
            for a in workflow.TRANSITIONS.values()
        ],
    }


def _period(value: str | None, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not a date", field=field, value=value,
                               fix="write it as YYYY-MM-DD") from None
    from civicgrid.cases.deadlines import LOCAL

    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL).astimezone(dt.UTC)


@router.get("/metrics")
def metric_rows(
    session: DbSession,
    actor: MetricsReader,
    group_by: str = "unit",
    start: str | None = None,
    end: str | None = None,
) -> dict:
    """The assessed figures per group; ``start``/``end`` are local dates, end exclusive."""
    rows = metrics.compute(session=session, group_by=group_by, start=_period(start, "start"),
                           end=_period(end, "end"), scope=service.scope_filter(actor))
    result: dict[str, Any] = {"group_by": group_by, "rows": rows}
    if group_by == "unit":
        result["ranking"] = metrics.rank_units(rows)
    return result


@router.get("/mappings")
def pending_mappings(session: DbSession, _actor: MappingManager, kind: str | None = None) -> list:
    return [{"id": m.id, "kind": m.kind, "raw_value": m.raw_value, "seen": m.seen}
            for m in service.unmapped(session=session, kind=kind)]
