"""Grid endpoints under /api/places: layers, locate, profiles, versions, professional grids
and adjustment plans. Thin: parse, check permission, call one service function. The console
pages of grids are mounted from here too (:mod:`civicgrid.grids.pages`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from civicgrid.cases import service as cases
from civicgrid.cases import states
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import Actor
from civicgrid.errors import NotFound, PermissionDenied
from civicgrid.grids import adjustment, placing, professional, profiles, versions
from civicgrid.grids.pages import router as pages_router
from civicgrid.grids.schemas import AdjustmentIn, ApplyIn, WorkerAssignIn
from civicgrid.web.deps import DbSession, requires

api = APIRouter(prefix="/api/places", tags=["grids"])
Reader = Annotated[Actor, Depends(requires("grids.read"))]
WorkerReader = Annotated[Actor, Depends(requires("grids.workers"))]
Manager = Annotated[Actor, Depends(requires("grids.manage"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@api.get("/regions.geojson")
def regions_geojson(session: DbSession, _actor: Reader, level: str = "grid",
                    version: int | None = None) -> dict[str, Any]:
    """Grids, communities or streets as GeoJSON (properties: code, name, level, generated)."""
    return versions.region_layer(session, level, version)


@api.get("/grids/{code}")
def grid(code: str, session: DbSession, _actor: Reader,
         version: int | None = None) -> dict[str, Any]:
    """One grid as a GeoJSON Feature with its community, street and area."""
    return versions.grid_feature(session, code, version)


@api.get("/locate")
def locate(session: DbSession, _actor: Reader, lat: float = Query(ge=-90, le=90),
           lon: float = Query(ge=-180, le=180)) -> dict[str, Any]:
    """The grid, community and street holding a WGS-84 point."""
    place = placing.locate(session, lat, lon)
    if place is None:
        raise NotFound(f"the point ({lat}, {lon}) lies in no grid", field="lat,lon",
                       value=[lat, lon], fix="check the datum (WGS-84) and lat/lon order")
    return place.to_dict()


def _weights(request: Request) -> Any:
    return profiles.weights_from(request.app.state.settings.grid_workload_weights)


@api.get("/grids/{code}/profile")
def grid_profile(code: str, request: Request, session: DbSession, _actor: Reader,
                 months: int = Query(3, ge=1, le=24)) -> dict[str, Any]:
    """A grid's profile with its workload explained part by part."""
    profile = profiles.grid_profile(session, code, weights=_weights(request), months=months)
    profile["professional"] = professional.overlay_of_grid(session, code)
    return profile


@api.get("/grids/{code}/profile.xlsx")
def grid_profile_xlsx(code: str, request: Request, session: DbSession,
                      _actor: Reader) -> Response:
    """The grid profile as an XLSX file."""
    profile = profiles.grid_profile(session, code, weights=_weights(request))
    return Response(profiles.grid_workbook(profile), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="grid-{code}.xlsx"'})


def _own_profile_only(actor: Actor, user_id: int) -> None:
    if actor.role == "grid_worker" and actor.id != user_id:
        raise PermissionDenied("a grid worker may see only their own profile",
                               field="user_id", value=user_id)


@api.get("/workers/{user_id}/profile")
def worker_profile(user_id: int, session: DbSession, actor: WorkerReader) -> dict[str, Any]:
    """A grid worker's grids, timeliness, satisfaction, reopen rate and monthly trend."""
    _own_profile_only(actor, user_id)
    return profiles.worker_profile(session, user_id)


@api.get("/workers/{user_id}/profile.xlsx")
def worker_profile_xlsx(user_id: int, session: DbSession, actor: WorkerReader) -> Response:
    """The grid worker's profile as an XLSX file."""
    _own_profile_only(actor, user_id)
    workbook = profiles.worker_workbook(profiles.worker_profile(session, user_id))
    return Response(workbook, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="worker-{user_id}.xlsx"'})


@api.post("/workers", status_code=201)
def assign_worker(body: WorkerAssignIn, session: DbSession, _actor: Manager) -> dict[str, Any]:
    """Assign a grid worker to a grid from a date."""
    row = profiles.assign_worker(session, user_id=body.user_id, grid_code=body.grid_code,
                                 since=body.since)
    session.commit()
    return {"id": row.id, "user_id": row.user_id, "grid_code": row.grid_code,
            "since": row.since.isoformat()}


@api.get("/cases.geojson")
def cases_geojson(session: DbSession, actor: Reader, start: dt.date | None = None,
                  end: dt.date | None = None,
                  limit: int = Query(2000, ge=1, le=20000)) -> dict[str, Any]:
    """Cases with coordinates received between two dates, within the actor's scope."""
    query = select(Case).where(Case.lat.is_not(None), Case.lon.is_not(None))
    scope = cases.scope_filter(actor)
    if scope is not None:
        query = query.where(scope)
    if start:
        query = query.where(Case.received_on >= start)
    if end:
        query = query.where(Case.received_on <= end)
    rows = session.scalars(query.order_by(Case.received_at.desc()).limit(limit))
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
         "properties": {"number": c.number, "title": c.title, "status": c.status,
                        "status_label": states.STATUS_LABELS.get(c.status, c.status),
                        "grid_code": c.grid_code, "generated": c.generated,
                        "received_on": c.received_on.isoformat() if c.received_on else None}}
        for c in rows]}


@api.get("/versions")
def list_versions(session: DbSession, _actor: Reader) -> list[dict[str, Any]]:
    """Every grid version, newest first, and which is in force."""
    return versions.list_versions(session)


@api.get("/versions/diff")
def diff_versions(session: DbSession, _actor: Reader, a: int, b: int) -> dict[str, Any]:
    """Grids added, removed and changed from version a to version b."""
    return versions.diff_versions(session, a, b)


@api.post("/versions", status_code=201)
def import_version(session: DbSession, actor: Manager,
                   collection: Annotated[dict[str, Any], Body()],
                   note: str | None = None) -> dict[str, Any]:
    """Validate a GeoJSON grid layer and store it as a draft version (422 lists problems)."""
    report = versions.import_version(session, collection, created_by=actor.name, note=note)
    session.commit()
    return report


@api.post("/versions/{version_id}/approve")
def approve_version(version_id: int, session: DbSession, actor: Manager) -> dict[str, Any]:
    """Approve a draft version."""
    version = versions.approve_version(session, version_id, actor.name)
    session.commit()
    return versions.version_dict(version)


@api.post("/versions/{version_id}/apply")
def apply_version(version_id: int, session: DbSession, _actor: Manager,
                  body: ApplyIn | None = None) -> dict[str, Any]:
    """Put an approved version in force from a date; open cases move with it."""
    report = versions.apply_version(session, version_id, body.effective_on if body else None)
    session.commit()
    return report


@api.get("/professional.geojson")
def professional_geojson(session: DbSession, _actor: Reader,
                         kind: str = "gas") -> dict[str, Any]:
    """Professional grids of a kind (gas, police, other) as GeoJSON."""
    return professional.professional_layer(session, kind)


@api.post("/professional/{kind}", status_code=201)
def store_professional(kind: str, session: DbSession, _actor: Manager,
                       collection: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Replace the professional grids of a kind and overlay them on the basic grids."""
    report = professional.store_professional(session, kind, collection)
    session.commit()
    return report


@api.get("/adjustments")
def list_plans(session: DbSession, _actor: Reader) -> list[dict[str, Any]]:
    """Every adjustment plan, newest first."""
    return adjustment.list_plans(session)


@api.post("/adjustments", status_code=201)
def run_plan(body: AdjustmentIn, session: DbSession, actor: Manager) -> dict[str, Any]:
    """Run an adjustment of one street's grids; the plan is stored as proposed."""
    plan = adjustment.run_plan(session, street_code=body.street_code, mode=body.mode,
                               tolerance=body.tolerance, max_moves=body.max_moves,
                               seed=body.seed, created_by=actor.name)
    session.commit()
    return adjustment.plan_dict(plan)


@api.get("/adjustments/{plan_id}")
def read_plan(plan_id: int, session: DbSession, _actor: Reader) -> dict[str, Any]:
    """One plan with its metrics and moved units."""
    return adjustment.plan_dict(adjustment.get_plan(session, plan_id))


@api.get("/adjustments/{plan_id}/units.geojson")
def plan_units(plan_id: int, session: DbSession, _actor: Reader) -> dict[str, Any]:
    """The street's units with their grid before and after, moved ones flagged."""
    return adjustment.plan_geojson(session, plan_id)


@api.post("/adjustments/{plan_id}/approve")
def approve_plan(plan_id: int, session: DbSession, actor: Manager) -> dict[str, Any]:
    """Approve a proposed plan."""
    plan = adjustment.approve_plan(session, plan_id, approver=actor.name)
    session.commit()
    return adjustment.plan_dict(plan)


@api.post("/adjustments/{plan_id}/apply")
def apply_plan(plan_id: int, session: DbSession, actor: Manager,
               body: ApplyIn | None = None) -> dict[str, Any]:
    """Apply an approved plan as a new grid version from a date; open cases move with it."""
    report = adjustment.apply_plan(session, plan_id, actor_name=actor.name,
                                   effective_on=body.effective_on if body else None)
    session.commit()
    return report


# What web/app.py mounts: the API and the console pages of grids.
router = APIRouter()
router.include_router(api)
router.include_router(pages_router)
