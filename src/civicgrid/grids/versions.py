"""Grid versions in the database: laying the generated base, layers, import, approval, diff.

* :func:`lay_generated_base` stores the generated 南山 grids (from
  :func:`civicgrid.grids.nanshan.generate_for_regions`) as version 1 under the pack's own grid
  region codes, with their atomic units; real street polygons are used when the file
  ``shenzhen-boundaries/nanshan_streets_2020_aedmap.geojson`` is found under a data root,
  else generated shapes, and the version's ``shapes_note`` says which.
* :func:`region_layer` gives grids, communities (union of their grids) or streets (union of
  their communities) of a version as a GeoJSON FeatureCollection, cached per version.
* :func:`import_version` validates an uploaded GeoJSON layer (overlaps, gaps, invalid rings,
  holes, duplicate and unknown codes, each with the grid ids) and stores it as a draft only
  when nothing blocks it; :func:`approve_version` and :func:`apply_version` put it in force.
* :func:`diff_versions` compares any two versions grid by grid.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.errors import Conflict, NotFound, ValidationFailed
from civicgrid.grids.geometry import ID_FIELDS, GridPolygon, local_scale, validate_grids
from civicgrid.grids.models import GridShape, GridUnit, GridVersion
from civicgrid.grids.nanshan import (
    GENERATED_NOTE,
    CommunityPlan,
    StreetPlan,
    find_streets_file,
    generate_for_regions,
)
from civicgrid.jurisdiction.models import Region

log = logging.getLogger(__name__)

LEVELS = ("grid", "community", "street")
BLOCKING = frozenset({"duplicate_id", "empty", "not_polygon", "invalid", "overlap",
                      "unknown_code", "bad_feature"})
_layer_cache: dict[tuple[str, int, str], dict[str, Any]] = {}


def today() -> dt.date:
    """Today's date in Asia/Shanghai (grid versions take effect on local dates)."""
    from civicgrid.cases.deadlines import local_date

    return local_date(dt.datetime.now(dt.UTC))


def area_m2(geom: BaseGeometry) -> float:
    """Area in square metres of a lon/lat geometry (local projection about its latitude)."""
    sx, sy = local_scale([geom], geographic=True)
    return float(geom.area * sx * sy)


def geometry_text(geom: BaseGeometry) -> str:
    """GeoJSON text of a geometry."""
    return json.dumps(mapping(geom), separators=(",", ":"))


def geometry_of(text: str) -> BaseGeometry:
    """A shapely geometry from stored GeoJSON text."""
    return shape(json.loads(text))


def data_roots(data_dir: Path | None = None) -> list[Path]:
    """Folders searched for ``shenzhen-boundaries``: the data folder, then ../shared/data."""
    repo = Path(__file__).resolve().parents[3]
    roots = [data_dir] if data_dir is not None else []
    return roots + [repo / ".." / "shared" / "data", Path.cwd() / ".." / "shared" / "data"]


def pack_street_plans(session: Session) -> list[StreetPlan]:
    """Streets, communities and grid codes of the loaded pack, in code order."""
    regions = list(session.scalars(select(Region).order_by(Region.code)))
    children: dict[str | None, list[Region]] = {}
    for region in regions:
        children.setdefault(region.parent_code, []).append(region)
    plans = []
    for street in (r for r in regions if r.level == "street"):
        communities = tuple(
            CommunityPlan(c.code, c.name, tuple(g.code for g in children.get(c.code, [])
                                                if g.level == "grid"))
            for c in children.get(street.code, []) if c.level == "community"
        )
        plans.append(StreetPlan(street.code, street.name, communities))
    return plans


def lay_generated_base(
    session: Session, *, data_dir: Path | None = None, seed: int = 20261204,
    created_by: str = "system",
) -> dict[str, Any]:
    """Store the generated grids as version 1 unless a version exists; returns what was done."""
    if session.scalar(select(func.count()).select_from(GridVersion)):
        return {"laid": False, "reason": "grid versions already exist"}
    plans = pack_street_plans(session)
    if not plans:
        return {"laid": False, "reason": "the pack has no streets"}
    streets_file = find_streets_file(data_roots(data_dir))
    base = generate_for_regions(streets_file, plans, seed=seed)
    version = GridVersion(
        effective_on=today(), status="applied", source="generated", created_by=created_by,
        note=GENERATED_NOTE, shapes_note=base.street_shapes, applied_at=dt.datetime.now(dt.UTC),
        cases_moved_at=dt.datetime.now(dt.UTC),
    )
    session.add(version)
    session.flush()
    names = {r.code: r.name for r in session.scalars(select(Region))}
    for feature in base.grids:
        props, geom = feature["properties"], shape(feature["geometry"])
        session.add(GridShape(
            version_id=version.id, grid_code=props["grid_id"], name=names.get(props["grid_id"]),
            community_code=props["community_code"], street_code=props["street_code"],
            geometry=geometry_text(geom), area_m2=area_m2(geom), generated=True,
        ))
    _store_units(session, base.units, plans)
    session.flush()
    from civicgrid.grids.professional import lay_generated_gas_grids

    gas = lay_generated_gas_grids(session, seed=seed)
    log.info("grid version %s laid: %s grids (%s)", version.id, len(base.grids),
             base.street_shapes)
    return {"laid": True, "version_id": version.id, "grids": len(base.grids),
            "units": len(base.units), "gas_grids": gas, "street_shapes": base.street_shapes}


def _store_units(session: Session, units: list[dict[str, Any]], plans: list[StreetPlan]) -> None:
    street_of = {s.name: s.code for s in plans}
    for feature in units:
        props = feature["properties"]
        session.add(GridUnit(
            id=props["id"], geometry=geometry_text(shape(feature["geometry"])),
            workload=float(props["workload"]), grid_code=props["grid"],
            community_code=props["community"], street_code=street_of.get(props["street"]),
            fixed=False, generated=True,
        ))


def get_version(session: Session, version_id: int) -> GridVersion:
    """The version with this id, or NotFound."""
    version = session.get(GridVersion, version_id)
    if version is None:
        raise NotFound(f"grid version {version_id} does not exist", field="version_id",
                       value=version_id, fix="GET /api/places/versions lists them")
    return version


def current_version(session: Session, on: dt.date | None = None) -> GridVersion | None:
    """The applied version in force on ``on`` (default today): latest effective date."""
    on = on or today()
    return session.scalar(
        select(GridVersion)
        .where(GridVersion.status == "applied", GridVersion.effective_on <= on)
        .order_by(GridVersion.effective_on.desc(), GridVersion.id.desc()).limit(1)
    )


def shapes_of(session: Session, version_id: int) -> list[GridShape]:
    """Every grid polygon of a version, by code."""
    return list(session.scalars(
        select(GridShape).where(GridShape.version_id == version_id).order_by(GridShape.grid_code)
    ))


def version_dict(version: GridVersion, grids: int | None = None) -> dict[str, Any]:
    """JSON-ready summary of a version."""
    return {
        "id": version.id, "status": version.status, "source": version.source,
        "effective_on": version.effective_on.isoformat() if version.effective_on else None,
        "created_by": version.created_by, "note": version.note,
        "shapes_note": version.shapes_note, "parent_id": version.parent_id,
        "created_at": version.created_at.isoformat() if version.created_at else None,
        "applied_at": version.applied_at.isoformat() if version.applied_at else None,
        "grids": grids,
    }


def list_versions(session: Session) -> list[dict[str, Any]]:
    """Every version, newest first, with its grid count and which one is in force."""
    counts = dict(session.execute(
        select(GridShape.version_id, func.count()).group_by(GridShape.version_id)
    ).all())
    current = current_version(session)
    rows = session.scalars(select(GridVersion).order_by(GridVersion.id.desc()))
    return [{**version_dict(v, counts.get(v.id, 0)),
             "in_force": current is not None and v.id == current.id} for v in rows]


def _resolve_version(session: Session, version_id: int | None) -> GridVersion:
    if version_id is not None:
        return get_version(session, version_id)
    version = current_version(session)
    if version is None:
        raise NotFound("no grid version is in force", field="version_id",
                       fix="run `civicgrid init` (lays the generated grids) or import a layer")
    return version


def region_layer(
    session: Session, level: str, version_id: int | None = None
) -> dict[str, Any]:
    """Grids, communities or streets of a version as a FeatureCollection (cached)."""
    if level not in LEVELS:
        raise ValidationFailed(f"unknown level {level!r}", field="level", value=level,
                               allowed=list(LEVELS))
    version = _resolve_version(session, version_id)
    key = (str(session.get_bind().url), version.id, level)
    if key not in _layer_cache:
        _layer_cache[key] = _build_layer(session, version, level)
    return _layer_cache[key]


def _build_layer(session: Session, version: GridVersion, level: str) -> dict[str, Any]:
    regions = {r.code: r for r in session.scalars(select(Region))}
    rows = shapes_of(session, version.id)
    groups: dict[str, list[GridShape]] = {}
    for row in rows:
        code = {"grid": row.grid_code, "community": row.community_code,
                "street": row.street_code}[level] or ""
        groups.setdefault(code, []).append(row)
    features = []
    for code, members in sorted(groups.items()):
        geom = shapely.union_all([geometry_of(m.geometry) for m in members])
        region = regions.get(code)
        generated = all(m.generated for m in members)
        if level == "street":  # a street's outline is real unless generated shapes stood in
            generated = (version.shapes_note or "").startswith("generated")
        features.append({"type": "Feature", "geometry": mapping(geom), "properties": {
            "code": code, "name": region.name if region else code, "level": level,
            "generated": generated,
            "community_code": members[0].community_code if level == "grid" else None,
            "street_code": members[0].street_code if level != "street" else None,
            "area_m2": round(sum(m.area_m2 for m in members), 1),
        }})
    return {"type": "FeatureCollection", "version_id": version.id, "level": level,
            "shapes_note": version.shapes_note, "note": version.note, "features": features}


def forget_layers() -> None:
    """Drop cached layers (after a version's shapes or status change)."""
    _layer_cache.clear()


def grid_shape(session: Session, code: str, version_id: int | None = None) -> GridShape:
    """One grid's polygon row in a version (default: in force), or NotFound."""
    version = _resolve_version(session, version_id)
    row = session.scalar(select(GridShape).where(
        GridShape.version_id == version.id, GridShape.grid_code == code))
    if row is None:
        raise NotFound(f"grid {code} is not in grid version {version.id}", field="code",
                       value=code, fix="GET /api/places/regions.geojson?level=grid lists them")
    return row


def grid_feature(session: Session, code: str, version_id: int | None = None) -> dict[str, Any]:
    """One grid as a GeoJSON Feature with its community, street and area."""
    row = grid_shape(session, code, version_id)
    regions = {r.code: r.name for r in session.scalars(
        select(Region).where(Region.code.in_([code, row.community_code, row.street_code])))}
    return {"type": "Feature", "geometry": json.loads(row.geometry), "properties": {
        "code": code, "name": row.name or regions.get(code, code), "level": "grid",
        "generated": row.generated, "version_id": row.version_id,
        "community_code": row.community_code, "community": regions.get(row.community_code),
        "street_code": row.street_code, "street": regions.get(row.street_code),
        "area_m2": round(row.area_m2, 1),
    }}


def import_version(
    session: Session, collection: dict[str, Any], *, created_by: str, note: str | None = None,
) -> dict[str, Any]:
    """Validate a GeoJSON grid layer and store it as a draft; ValidationFailed lists every
    blocking problem with its grid ids and nothing is stored."""
    grids, issues = read_collection(collection)
    issues += [i.to_dict() for i in validate_grids(grids, geographic=True)] if grids else []
    issues += _code_issues(session, grids)
    blocking = [i for i in issues if i["kind"] in BLOCKING]
    if blocking or not grids:
        raise ValidationFailed(
            f"the grid layer has {len(blocking)} blocking problem(s); nothing was stored",
            field="features", fix="correct the grids named in errors and upload again",
            errors=issues or [{"kind": "empty", "grid_ids": [], "message": "no features"}],
        )
    version = GridVersion(status="draft", source="import", created_by=created_by, note=note,
                          shapes_note="imported layer", parent_id=_parent_id(session))
    session.add(version)
    session.flush()
    regions = {r.code: r for r in session.scalars(select(Region))}
    for grid in grids:
        geom = grid.geometry
        community = regions[grid.grid_id].parent_code
        street = regions[community].parent_code if community in regions else None
        session.add(GridShape(
            version_id=version.id, grid_code=grid.grid_id, name=regions[grid.grid_id].name,
            community_code=community, street_code=street, geometry=geometry_text(geom),
            area_m2=area_m2(geom), generated=bool(grid.properties.get("generated", False)),
        ))
    session.flush()
    return {"created": True, "version": version_dict(version, len(grids)), "issues": issues}


def _parent_id(session: Session) -> int | None:
    current = current_version(session)
    return current.id if current else None


def read_collection(collection: Any) -> tuple[list[GridPolygon], list[dict[str, Any]]]:
    """Grid polygons of a GeoJSON FeatureCollection dict, and features that cannot be read."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValidationFailed("the upload is not a GeoJSON FeatureCollection", field="body",
                               fix='send {"type": "FeatureCollection", "features": [...]}')
    grids, issues = [], []
    for number, feature in enumerate(collection.get("features") or [], start=1):
        props = dict((feature or {}).get("properties") or {})
        gid = next((str(props[k]) for k in ID_FIELDS if props.get(k) not in (None, "")),
                   f"feature {number}")
        try:
            grids.append(GridPolygon(gid, shape(feature["geometry"]), props))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            issues.append({"kind": "bad_feature", "grid_ids": [gid],
                           "message": f"feature {number} ({gid}): unreadable geometry ({exc})",
                           "area": None, "location": None})
    return grids, issues


def _code_issues(session: Session, grids: list[GridPolygon]) -> list[dict[str, Any]]:
    known = set(session.scalars(select(Region.code).where(Region.level == "grid")))
    given = {g.grid_id for g in grids}
    unknown = sorted(given - known)
    missing = sorted(known - given)
    issues = []
    if unknown:
        issues.append({"kind": "unknown_code", "grid_ids": unknown, "area": None,
                       "location": None, "message": f"{len(unknown)} grid code(s) are not grid "
                       "regions of the pack; add them to the pack's regions.csv first"})
    if missing and grids:
        issues.append({"kind": "missing", "grid_ids": missing[:50], "area": None,
                       "location": None, "message": f"{len(missing)} pack grid(s) have no "
                       "polygon in this layer (cases there cannot be placed by coordinates)"})
    return issues


def approve_version(session: Session, version_id: int, actor_name: str) -> GridVersion:
    """Draft → approved."""
    version = get_version(session, version_id)
    if version.status != "draft":
        raise Conflict(f"grid version {version_id} is {version.status}, not a draft",
                       field="status", value=version.status, allowed=["draft"])
    version.status = "approved"
    version.note = (version.note or "") + f"\napproved by {actor_name}"
    return version


def apply_version(
    session: Session, version_id: int, effective_on: dt.date | None = None,
) -> dict[str, Any]:
    """Approved → applied from ``effective_on``; open cases move when it is in force."""
    from civicgrid.grids import placing

    version = get_version(session, version_id)
    if version.status != "approved":
        raise Conflict(f"grid version {version_id} is {version.status}; approve it first",
                       field="status", value=version.status, allowed=["approved"])
    previous = current_version(session)
    version.status = "applied"
    version.effective_on = effective_on or today()
    version.applied_at = dt.datetime.now(dt.UTC)
    version.parent_id = version.parent_id or (previous.id if previous else None)
    session.flush()
    from civicgrid.grids.professional import refresh_overlays

    refresh_overlays(session, version.id)
    forget_layers()
    placing.forget_locators()
    moved = placing.catch_up_cases(session)
    return {"version": version_dict(version), "cases_moved": moved}


def diff_versions(session: Session, a: int, b: int) -> dict[str, Any]:
    """Grids added, removed and changed (with the area that changed) from version a to b."""
    old = {s.grid_code: s for s in shapes_of(session, get_version(session, a).id)}
    new = {s.grid_code: s for s in shapes_of(session, get_version(session, b).id)}
    changed = []
    for code in sorted(set(old) & set(new)):
        if old[code].geometry == new[code].geometry:
            continue
        before, after = geometry_of(old[code].geometry), geometry_of(new[code].geometry)
        delta = area_m2(shapely.symmetric_difference(before, after))
        if delta > 1.0:
            changed.append({"grid_code": code, "area_before_m2": round(old[code].area_m2, 1),
                            "area_after_m2": round(new[code].area_m2, 1),
                            "changed_area_m2": round(delta, 1)})
    from civicgrid.grids.models import GridAdjustment

    plan = session.scalar(select(GridAdjustment).where(GridAdjustment.version_id == b))
    return {
        "a": a, "b": b, "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)), "changed": changed,
        "unchanged": len(set(old) & set(new)) - len(changed),
        "moved_units": plan.moved_units if plan else [],
    }
