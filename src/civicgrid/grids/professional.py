"""Professional grids (专业网格: gas, police, ...) and their overlay on the basic grids.

:func:`store_professional` replaces the layer of one kind with an uploaded GeoJSON
FeatureCollection (invalid or empty polygons are refused with their ids) and computes, with
:func:`civicgrid.grids.geometry.overlay_grids`, the share of every basic grid of the version
in force that lies in each professional grid. :func:`lay_generated_gas_grids` gives the demo
a generated gas layer (labelled generated) so the overlay can be seen without real files.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.grids.geometry import GridPolygon, overlay_grids, validate_grids
from civicgrid.grids.models import ProfessionalGrid, ProfessionalOverlay
from civicgrid.grids.versions import (
    read_collection,
    area_m2,
    current_version,
    geometry_of,
    geometry_text,
    shapes_of,
)

log = logging.getLogger(__name__)

KINDS = {"gas": "燃气网格", "police": "警务网格", "other": "其他专业网格"}
REFUSED = frozenset({"duplicate_id", "empty", "not_polygon", "invalid", "bad_feature"})


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed(f"unknown professional grid kind {kind!r}", field="kind",
                               value=kind, allowed=list(KINDS))


def store_professional(
    session: Session, kind: str, collection: dict[str, Any], *, generated: bool = False,
) -> dict[str, Any]:
    """Replace the professional grids of ``kind`` and overlay them on the basic grids."""
    _check_kind(kind)
    grids, issues = read_collection(collection)
    issues += [i.to_dict() for i in validate_grids(grids, geographic=True)] if grids else []
    refused = [i for i in issues if i["kind"] in REFUSED]
    if refused or not grids:
        raise ValidationFailed(f"the {kind} layer has {len(refused)} blocking problem(s); "
                               "nothing was stored", field="features", errors=issues,
                               fix="correct the grids named in errors and upload again")
    session.execute(delete(ProfessionalGrid).where(ProfessionalGrid.kind == kind))
    rows = []
    for grid in grids:
        name = grid.properties.get("name")
        row = ProfessionalGrid(kind=kind, code=grid.grid_id, name=str(name) if name else None,
                               geometry=geometry_text(grid.geometry),
                               area_m2=area_m2(grid.geometry),
                               generated=generated or bool(grid.properties.get("generated")))
        session.add(row)
        rows.append(row)
    session.flush()
    shares = _overlay(session, rows)
    return {"kind": kind, "grids": len(rows), "overlay_rows": shares,
            "issues": [i for i in issues if i["kind"] not in REFUSED]}


def refresh_overlays(session: Session, version_id: int) -> int:
    """Overlay every stored professional grid on the basic grids of a (new) version."""
    session.execute(delete(ProfessionalOverlay).where(
        ProfessionalOverlay.version_id == version_id))
    rows = list(session.scalars(select(ProfessionalGrid)))
    return _overlay(session, rows, version_id) if rows else 0


def _overlay(session: Session, rows: list[ProfessionalGrid], version_id: int | None = None) -> int:
    if version_id is None:
        version = current_version(session)
        if version is None:
            return 0
        version_id = version.id
    basic = [GridPolygon(s.grid_code, geometry_of(s.geometry))
             for s in shapes_of(session, version_id)]
    professional = [GridPolygon(str(r.id), geometry_of(r.geometry)) for r in rows]
    result = overlay_grids(professional, basic, geographic=True)
    for share in result.shares:
        session.add(ProfessionalOverlay(
            professional_id=int(share.professional_id), version_id=version_id,
            grid_code=share.basic_id, area_m2=share.area,
            share_of_basic=share.share_of_basic,
            share_of_professional=share.share_of_professional,
        ))
    session.flush()
    return len(result.shares)


def professional_layer(session: Session, kind: str) -> dict[str, Any]:
    """The professional grids of a kind as a FeatureCollection."""
    _check_kind(kind)
    rows = session.scalars(select(ProfessionalGrid).where(ProfessionalGrid.kind == kind)
                           .order_by(ProfessionalGrid.code))
    return {"type": "FeatureCollection", "kind": kind, "features": [
        {"type": "Feature", "geometry": json.loads(r.geometry), "properties": {
            "code": r.code, "name": r.name or r.code, "level": kind,
            "generated": r.generated, "area_m2": round(r.area_m2, 1)}} for r in rows]}


def overlay_of_grid(session: Session, grid_code: str) -> list[dict[str, Any]]:
    """Professional grids covering a basic grid (version in force), with the share of it."""
    version = current_version(session)
    if version is None:
        raise NotFound("no grid version is in force", field="version_id")
    rows = session.execute(
        select(ProfessionalOverlay, ProfessionalGrid)
        .join(ProfessionalGrid, ProfessionalGrid.id == ProfessionalOverlay.professional_id)
        .where(ProfessionalOverlay.grid_code == grid_code,
               ProfessionalOverlay.version_id == version.id)
        .order_by(ProfessionalGrid.kind, ProfessionalOverlay.share_of_basic.desc())
    ).all()
    return [{"kind": p.kind, "code": p.code, "name": p.name or p.code,
             "share_of_basic": round(o.share_of_basic, 4), "area_m2": round(o.area_m2, 1)}
            for o, p in rows]


def lay_generated_gas_grids(session: Session, *, count: int = 12, seed: int = 20261204) -> int:
    """Generated gas grids: Voronoi cells of seeded points over the grids in force."""
    version = current_version(session)
    if version is None:
        return 0
    district = shapely.union_all([geometry_of(s.geometry) for s in shapes_of(session, version.id)])
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = district.bounds
    xs, ys = rng.uniform(xmin, xmax, 40 * count), rng.uniform(ymin, ymax, 40 * count)
    keep = shapely.contains_xy(district, xs, ys)
    points = shapely.points(np.column_stack([xs[keep], ys[keep]])[:count])
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=district)
    features = []
    for number, cell in enumerate(shapely.get_parts(cells), start=1):
        part = shapely.intersection(cell, district)
        polygons = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon"]
        if polygons:
            features.append({"type": "Feature", "geometry": mapping(shapely.union_all(polygons)),
                             "properties": {"code": f"GAS-{number:02d}",
                                            "name": f"生成燃气网格{number:02d}"}})
    store_professional(session, "gas", {"type": "FeatureCollection", "features": features},
                       generated=True)
    return len(features)
