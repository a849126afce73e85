"""Grid adjustment plans (网格动态调整) in the database: run, approve, apply as a new version.

:func:`run_plan` re-cuts the atomic units of one street with
:func:`civicgrid.grids.service.plan_adjustment` (seeded; the street keeps its number of
grids; *small* mode caps the units that may move, *medium* moves freely within
communities) and stores a *proposed* plan with the metrics before and after and the units
that move. :func:`approve_plan` records the approver; :func:`apply_plan` writes a new grid
version effective from a date, in which every grid that gained or lost units gets the union
of its units as its polygon, moves the units, and re-places open cases in the changed grids
(:func:`civicgrid.grids.placing.catch_up_cases`). Every version stays stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import shapely
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.errors import Conflict, NotFound, ValidationFailed
from civicgrid.grids.models import GridAdjustment, GridShape, GridUnit, GridVersion
from civicgrid.grids.professional import refresh_overlays
from civicgrid.grids.service import plan_adjustment
from civicgrid.grids.versions import (
    area_m2,
    current_version,
    forget_layers,
    geometry_of,
    geometry_text,
    shapes_of,
    today,
    version_dict,
)

log = logging.getLogger(__name__)

MODES = ("small", "medium")


def _units(session: Session, street_code: str) -> list[GridUnit]:
    return list(session.scalars(select(GridUnit).where(GridUnit.street_code == street_code)
                                .order_by(GridUnit.id)))


def _features(units: list[GridUnit]) -> list[dict[str, Any]]:
    return [{"type": "Feature", "geometry": json.loads(u.geometry), "properties": {
        "id": u.id, "workload": u.workload, "community": u.community_code or "",
        "grid": u.grid_code, "fixed": u.fixed}} for u in units]


def run_plan(
    session: Session, *, street_code: str, mode: str = "small", tolerance: float = 0.1,
    max_moves: int | None = None, seed: int = 20261204, created_by: str,
    time_budget_seconds: float = 20.0,
) -> GridAdjustment:
    """Compute and store a proposed plan for one street's grids."""
    if mode not in MODES:
        raise ValidationFailed(f"unknown mode {mode!r}", field="mode", value=mode,
                               allowed=list(MODES))
    version = current_version(session)
    units = _units(session, street_code)
    if version is None or not units:
        raise ValidationFailed(f"street {street_code!r} has no atomic units to adjust",
                               field="street_code", value=street_code,
                               fix="pick a street of the pack; `civicgrid init` lays the units")
    grids = sorted({u.grid_code for u in units})
    if mode == "small" and max_moves is None:
        max_moves = max(5, round(0.1 * len(units)))
    result = plan_adjustment(
        _features(units), target_count=len(grids), tolerance=tolerance, current_col="grid",
        max_moves=max_moves if mode == "small" else None, seed=seed,
        time_budget_seconds=time_budget_seconds,
    )
    before = {g["grid"]: g["load"] for g in result.before.grids}
    plan = GridAdjustment(
        street_code=street_code, mode=mode, seed=seed, status="proposed",
        parameters={"tolerance": tolerance, "max_moves": max_moves, "target_count": len(grids),
                    "units": len(units), "generated_workloads": all(u.generated for u in units)},
        before=result.before.summary(), after=result.after.summary(),
        moved_units=result.changes(), feasible=result.feasible, message=result.message(),
        grid_loads=[{"grid": g["grid"], "before": before.get(g["grid"]), "after": g["load"],
                     "within_tolerance": g["within_tolerance"]} for g in result.after.grids],
        base_version_id=version.id, created_by=created_by,
    )
    session.add(plan)
    session.flush()
    log.info("adjustment plan %s for street %s: %s units move", plan.id, street_code,
             len(plan.moved_units))
    return plan


def get_plan(session: Session, plan_id: int) -> GridAdjustment:
    """The plan with this id, or NotFound."""
    plan = session.get(GridAdjustment, plan_id)
    if plan is None:
        raise NotFound(f"adjustment plan {plan_id} does not exist", field="plan_id",
                       value=plan_id, fix="GET /api/places/adjustments lists them")
    return plan


def plan_dict(plan: GridAdjustment) -> dict[str, Any]:
    """JSON-ready plan."""
    return {
        "id": plan.id, "street_code": plan.street_code, "mode": plan.mode, "seed": plan.seed,
        "parameters": plan.parameters, "before": plan.before, "after": plan.after,
        "moved_units": plan.moved_units, "grid_loads": plan.grid_loads,
        "feasible": plan.feasible, "message": plan.message, "status": plan.status,
        "base_version_id": plan.base_version_id, "version_id": plan.version_id,
        "created_by": plan.created_by, "approved_by": plan.approved_by,
        "approved_at": plan.approved_at.isoformat() if plan.approved_at else None,
        "effective_on": plan.effective_on.isoformat() if plan.effective_on else None,
        "created_at": plan.created_at.isoformat() if plan.created_at else None,
        "generated": bool(plan.parameters.get("generated_workloads")),
    }


def list_plans(session: Session) -> list[dict[str, Any]]:
    """Every plan, newest first."""
    return [plan_dict(p) for p in session.scalars(
        select(GridAdjustment).order_by(GridAdjustment.id.desc()))]


def approve_plan(session: Session, plan_id: int, *, approver: str) -> GridAdjustment:
    """Proposed → approved, recording who approved it."""
    plan = get_plan(session, plan_id)
    if plan.status != "proposed":
        raise Conflict(f"plan {plan_id} is {plan.status}, not proposed", field="status",
                       value=plan.status, allowed=["proposed"])
    plan.status, plan.approved_by = "approved", approver
    plan.approved_at = dt.datetime.now(dt.UTC)
    return plan


def apply_plan(
    session: Session, plan_id: int, *, effective_on: dt.date | None = None, actor_name: str,
) -> dict[str, Any]:
    """Approved → applied: a new grid version from ``effective_on`` with the units moved."""
    from civicgrid.grids import placing

    plan = get_plan(session, plan_id)
    if plan.status != "approved":
        raise Conflict(f"plan {plan_id} is {plan.status}; approve it before applying",
                       field="status", value=plan.status, allowed=["approved"])
    current = current_version(session)
    if current is None or current.id != plan.base_version_id:
        raise Conflict(f"plan {plan_id} was computed on grid version {plan.base_version_id}, "
                       "which is no longer in force", field="base_version_id",
                       value=plan.base_version_id, fix="run a new plan for the street")
    version = _new_version(session, plan, current, effective_on or today(), actor_name)
    refresh_overlays(session, version.id)
    plan.status, plan.version_id = "applied", version.id
    plan.effective_on, plan.applied_at = version.effective_on, dt.datetime.now(dt.UTC)
    session.flush()
    forget_layers()
    placing.forget_locators()
    moved = placing.catch_up_cases(session)
    return {"plan": plan_dict(plan), "version": version_dict(version), "cases_moved": moved}


def _new_version(
    session: Session, plan: GridAdjustment, base: GridVersion, effective_on: dt.date,
    actor_name: str,
) -> GridVersion:
    units = {u.id: u for u in _units(session, plan.street_code)}
    for move in plan.moved_units:
        units[move["unit"]].grid_code = move["to"]
    changed = {m["from"] for m in plan.moved_units} | {m["to"] for m in plan.moved_units}
    version = GridVersion(
        effective_on=effective_on, status="applied", source="adjustment",
        created_by=actor_name, parent_id=base.id, shapes_note=base.shapes_note,
        note=f"adjustment plan {plan.id} ({plan.mode}) of street {plan.street_code}",
        applied_at=dt.datetime.now(dt.UTC),
    )
    session.add(version)
    session.flush()
    for row in shapes_of(session, base.id):
        geometry, area = row.geometry, row.area_m2
        if row.grid_code in changed:
            geom = shapely.union_all([geometry_of(u.geometry) for u in units.values()
                                      if u.grid_code == row.grid_code])
            geometry, area = geometry_text(geom), area_m2(geom)
        session.add(GridShape(
            version_id=version.id, grid_code=row.grid_code, name=row.name,
            community_code=row.community_code, street_code=row.street_code,
            geometry=geometry, area_m2=area, generated=row.generated,
        ))
    session.flush()
    return version


def plan_geojson(session: Session, plan_id: int) -> dict[str, Any]:
    """The street's units with their grid before and after the plan, moved ones flagged."""
    plan = get_plan(session, plan_id)
    moves = {m["unit"]: m for m in plan.moved_units}
    features = []
    members: dict[tuple[str, str], list[Any]] = {}
    for unit in _units(session, plan.street_code):
        move = moves.get(unit.id)
        before = move["from"] if move else unit.grid_code
        after = move["to"] if move else unit.grid_code
        features.append({"type": "Feature", "geometry": json.loads(unit.geometry),
                         "properties": {"kind": "unit", "id": unit.id, "grid_before": before,
                                        "grid_after": after, "moved": move is not None,
                                        "workload": unit.workload,
                                        "generated": unit.generated}})
        geom = geometry_of(unit.geometry)
        members.setdefault(("grid_before", before), []).append(geom)
        members.setdefault(("grid_after", after), []).append(geom)
    changed = {m["from"] for m in plan.moved_units} | {m["to"] for m in plan.moved_units}
    for (kind, code), geoms in sorted(members.items(), reverse=True):  # "after" on top
        if code in changed:
            features.append({"type": "Feature", "geometry": mapping(shapely.union_all(geoms)),
                             "properties": {"kind": kind, "grid": code}})
    return {"type": "FeatureCollection", "plan_id": plan.id, "features": features}
