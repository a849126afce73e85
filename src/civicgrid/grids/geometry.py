"""Grid polygons: import (GeoJSON, Shapefile), validation, and overlay of professional grids.

* :func:`read_grid_polygons` reads a GeoJSON FeatureCollection directly, and a Shapefile
  (``.shp`` or a zipped one), GeoPackage or other vector format through geopandas/pyogrio
  (the ``geo`` extra); without them a Shapefile is refused with the install hint.
* :func:`validate_grids` reports, with grid ids: duplicate ids, empty or non-polygon
  geometries, invalid rings (self-intersections and the like, with shapely's reason and
  location), holes, overlaps between grids (with the common area) and gaps (areas enclosed
  by the grids but covered by none, with the grids around them).
* :func:`overlay_grids` lays professional grids (gas, police, ...) over basic grids and
  gives the area of every intersection with its share of the basic grid and of the
  professional grid. The shares of a basic grid, plus its ``uncovered`` share, sum to 1.

Areas: for longitude/latitude data (auto-detected: every coordinate inside ±180/±90, or set
with ``geographic=``) areas are computed after a local equirectangular projection about the
data's mean latitude, in square metres (good to well under 1% over a district); otherwise in
the data's own units. Small planar test coordinates look like degrees: pass
``geographic=False`` (``--planar``) for them.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

log = logging.getLogger(__name__)

ID_FIELDS = ("grid_id", "grid_code", "code", "id", "name")
EARTH_METRES_PER_DEGREE = 111_320.0


class GridFileError(ValueError):
    """A grid file that cannot be read; the message names the file and the fix."""


@dataclass
class GridPolygon:
    """One grid: its id, geometry (as read, possibly invalid) and properties."""

    grid_id: str
    geometry: BaseGeometry
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GridIssue:
    """One validation finding."""

    kind: str
    grid_ids: tuple[str, ...]
    message: str
    area: float | None = None
    location: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready finding."""
        return {
            "kind": self.kind,
            "grid_ids": list(self.grid_ids),
            "message": self.message,
            "area": self.area,
            "location": list(self.location) if self.location else None,
        }


def read_grid_polygons(path: Path, id_field: str | None = None) -> list[GridPolygon]:
    """Grid polygons from GeoJSON, or from a Shapefile/GeoPackage through geopandas."""
    path = Path(path)
    if not path.exists():
        raise GridFileError(f"grid file {str(path)!r} does not exist")
    if path.suffix.lower() in (".geojson", ".json"):
        records = _geojson_records(path)
    else:
        records = _vector_records(path)
    return [
        GridPolygon(_grid_id(props, fid, number, id_field), geom, props)
        for number, (props, fid, geom) in enumerate(records, start=1)
    ]


def _geojson_records(path: Path) -> list[tuple[dict[str, Any], Any, BaseGeometry]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GridFileError(f"grid file {str(path)!r} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GridFileError(f"grid file {str(path)!r} is not a GeoJSON FeatureCollection")
    records = []
    for number, feature in enumerate(data.get("features") or [], start=1):
        geometry = feature.get("geometry")
        try:
            geom = shape(geometry) if geometry else shapely.Polygon()
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise GridFileError(f"feature {number} of {str(path)!r}: bad geometry ({exc})") from exc
        records.append((dict(feature.get("properties") or {}), feature.get("id"), geom))
    return records


def _vector_records(path: Path) -> list[tuple[dict[str, Any], Any, BaseGeometry]]:
    try:
        import geopandas
    except ImportError:
        raise GridFileError(
            f"reading {path.suffix or 'this'} files needs geopandas and pyogrio; install the "
            "extra: pip install 'civicgrid[geo]' (or convert the file to GeoJSON)"
        ) from None
    source = f"zip://{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        frame = geopandas.read_file(source)
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise GridFileError(f"cannot read grid file {str(path)!r}: {exc}") from exc
    if frame.crs is not None and not frame.crs.is_geographic and frame.crs.to_epsg() != 4326:
        log.info("grid file %s is in %s; kept in its own coordinates", path, frame.crs)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    return [
        ({c: _plain(row[c]) for c in columns}, None, geom)
        for (_, row), geom in zip(frame.iterrows(), frame.geometry)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def _grid_id(props: dict[str, Any], fid: Any, number: int, id_field: str | None) -> str:
    if id_field is not None:
        if props.get(id_field) in (None, ""):
            raise GridFileError(f"feature {number} has no {id_field!r}; every grid needs an id")
        return str(props[id_field])
    for key in ID_FIELDS:
        if props.get(key) not in (None, ""):
            return str(props[key])
    return str(fid) if fid not in (None, "") else str(number)


def is_geographic(geometries: list[BaseGeometry]) -> bool:
    """True when every coordinate looks like longitude/latitude."""
    if not geometries:
        return False
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array(geometries, dtype=object))
    return bool(-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90)


def local_scale(
    geometries: list[BaseGeometry], geographic: bool | None = None
) -> tuple[float, float]:
    """Metres per degree (x, y) about the mean latitude; (1, 1) for projected data."""
    if not geometries or not (is_geographic(geometries) if geographic is None else geographic):
        return 1.0, 1.0
    _, ymin, _, ymax = shapely.total_bounds(np.array(geometries, dtype=object))
    return EARTH_METRES_PER_DEGREE * math.cos(math.radians((ymin + ymax) / 2)), \
        EARTH_METRES_PER_DEGREE


def to_local_metres(geometries: list[BaseGeometry]) -> list[BaseGeometry]:
    """Project lon/lat geometries to local metres about their mean latitude."""
    scale = np.array(local_scale(geometries, geographic=True))
    array = np.array(geometries, dtype=object)
    return list(shapely.transform(array, lambda coords: coords * scale))


SLIVER_SHARE = 1e-5


def validate_grids(
    grids: list[GridPolygon], min_area: float | None = None, geographic: bool | None = None
) -> list[GridIssue]:
    """Every problem of a grid layer, each with the grid ids concerned.

    Areas are in m² for longitude/latitude layers (see the module docstring), otherwise in
    the data's units; locations stay in the layer's own coordinates. Overlaps and gaps no
    larger than ``min_area`` are ignored; by default that is 1e-5 of the median grid area,
    so digitising slivers do not drown the real findings. ``geographic`` forces (True) or
    rules out (False) longitude/latitude; by default it is detected from the coordinates.
    """
    scale = local_scale([g.geometry for g in grids if not g.geometry.is_empty], geographic)
    issues = _id_issues(grids)
    repaired: list[BaseGeometry] = []
    ids: list[str] = []
    for grid in grids:
        issues += _shape_issues(grid, scale)
        geom = grid.geometry if grid.geometry.is_valid else shapely.make_valid(grid.geometry)
        polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        if polys:
            repaired.append(shapely.union_all(polys))
            ids.append(grid.grid_id)
    projected = to_local_metres(repaired) if repaired and scale != (1.0, 1.0) else repaired
    if min_area is None:
        areas = [g.area for g in projected]
        min_area = SLIVER_SHARE * float(np.median(areas)) if areas else 0.0
    found = _overlap_issues(projected, ids, min_area) + _gap_issues(projected, ids, min_area)
    return issues + [_back_to_layer(issue, scale) for issue in found]


def area_unit(grids: list[GridPolygon], geographic: bool | None = None) -> str:
    """The unit areas are reported in for this layer (m² for longitude/latitude)."""
    scale = local_scale([g.geometry for g in grids if not g.geometry.is_empty], geographic)
    return "m²" if scale != (1.0, 1.0) else "data units²"


def _back_to_layer(issue: GridIssue, scale: tuple[float, float]) -> GridIssue:
    if issue.location is None or scale == (1.0, 1.0):
        return issue
    x, y = issue.location
    return replace(issue, location=(x / scale[0], y / scale[1]))


def _id_issues(grids: list[GridPolygon]) -> list[GridIssue]:
    seen: dict[str, int] = {}
    for grid in grids:
        seen[grid.grid_id] = seen.get(grid.grid_id, 0) + 1
    return [
        GridIssue("duplicate_id", (gid,), f"grid id {gid!r} is used by {n} polygons")
        for gid, n in seen.items() if n > 1
    ]


def _shape_issues(grid: GridPolygon, scale: tuple[float, float]) -> list[GridIssue]:
    geom, gid = grid.geometry, (grid.grid_id,)
    if geom.is_empty:
        return [GridIssue("empty", gid, f"grid {grid.grid_id!r} has no geometry")]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return [GridIssue("not_polygon", gid, f"grid {grid.grid_id!r} is a {geom.geom_type}")]
    issues = []
    if not geom.is_valid:
        reason = explain_validity(geom)
        issues.append(GridIssue("invalid", gid, f"grid {grid.grid_id!r}: {reason}",
                                location=_reason_location(reason)))
    holes = [ring for poly in shapely.get_parts(geom) for ring in poly.interiors]
    if holes:
        area = float(sum(shapely.Polygon(r).area for r in holes)) * scale[0] * scale[1]
        issues.append(GridIssue("hole", gid, f"grid {grid.grid_id!r} has {len(holes)} hole(s)",
                                area=area, location=_point(shapely.Polygon(holes[0]))))
    return issues


def _reason_location(reason: str) -> tuple[float, float] | None:
    if "[" not in reason:
        return None
    try:
        x, y = reason[reason.index("[") + 1: reason.index("]")].split()[:2]
        return float(x), float(y)
    except ValueError:
        return None


def _point(geom: BaseGeometry) -> tuple[float, float]:
    point = geom.representative_point()
    return float(point.x), float(point.y)


def _overlap_issues(geoms: list[BaseGeometry], ids: list[str], min_area: float) -> list[GridIssue]:
    if len(geoms) < 2:
        return []
    array = np.array(geoms, dtype=object)
    left, right = shapely.STRtree(array).query(array, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    common = shapely.intersection(array[left], array[right])
    areas = shapely.area(common)
    issues = []
    for a, b, area, part in zip(left, right, areas, common):
        if area > max(min_area, 0.0) and part.geom_type in ("Polygon", "MultiPolygon"):
            issues.append(GridIssue(
                "overlap", (ids[a], ids[b]),
                f"grids {ids[a]!r} and {ids[b]!r} overlap", area=float(area),
                location=_point(part),
            ))
    return issues


def _gap_issues(geoms: list[BaseGeometry], ids: list[str], min_area: float) -> list[GridIssue]:
    if not geoms:
        return []
    array = np.array(geoms, dtype=object)
    tree = shapely.STRtree(array)
    issues = []
    for part in shapely.get_parts(shapely.union_all(array)):
        for ring in part.interiors:
            gap = shapely.Polygon(ring)
            if gap.area <= min_area:
                continue
            around = sorted(ids[i] for i in tree.query(gap, predicate="touches"))
            around = around or sorted(ids[i] for i in tree.query(gap, predicate="intersects"))
            issues.append(GridIssue(
                "gap", tuple(around), "area enclosed by grids but in none of them",
                area=float(gap.area), location=_point(gap),
            ))
    return issues


@dataclass(frozen=True)
class OverlayShare:
    """Area common to one professional grid and one basic grid, with both shares."""

    professional_id: str
    basic_id: str
    area: float
    share_of_basic: float
    share_of_professional: float


@dataclass
class OverlayResult:
    """All intersections plus each basic grid's share covered by no professional grid."""

    shares: list[OverlayShare]
    uncovered_basic: dict[str, float]
    area_unit: str

    def basic_shares(self, basic_id: str) -> dict[str, float]:
        """Professional grid -> share of this basic grid (``uncovered`` for the rest)."""
        result = {
            s.professional_id: s.share_of_basic for s in self.shares if s.basic_id == basic_id
        }
        result["uncovered"] = self.uncovered_basic.get(basic_id, 0.0)
        return result

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready overlay."""
        return {
            "area_unit": self.area_unit,
            "shares": [s.__dict__ for s in self.shares],
            "uncovered_basic": self.uncovered_basic,
        }


def overlay_grids(
    professional: list[GridPolygon], basic: list[GridPolygon], geographic: bool | None = None
) -> OverlayResult:
    """Share of each basic grid's area in each professional grid, and the reverse."""
    pro = [_valid(g.geometry) for g in professional]
    base = [_valid(g.geometry) for g in basic]
    geographic = local_scale(pro + base, geographic) != (1.0, 1.0)
    if geographic:
        projected = to_local_metres(pro + base)
        pro, base = projected[: len(pro)], projected[len(pro):]
    pro_array, base_array = np.array(pro, dtype=object), np.array(base, dtype=object)
    left, right = shapely.STRtree(pro_array).query(base_array, predicate="intersects")
    areas = shapely.area(shapely.intersection(base_array[left], pro_array[right]))
    base_area, pro_area = shapely.area(base_array), shapely.area(pro_array)
    shares, covered = [], np.zeros(len(basic))
    for b, p, area in zip(left, right, areas):
        if area <= SLIVER_SHARE * base_area[b]:
            continue
        covered[b] += area
        shares.append(OverlayShare(
            professional[p].grid_id, basic[b].grid_id, float(area),
            float(area / base_area[b]) if base_area[b] > 0 else 0.0,
            float(area / pro_area[p]) if pro_area[p] > 0 else 0.0,
        ))
    uncovered = {
        g.grid_id: float(max(0.0, 1.0 - covered[i] / base_area[i])) if base_area[i] > 0 else 1.0
        for i, g in enumerate(basic)
    }
    return OverlayResult(shares, uncovered, "m²" if geographic else "data units²")


def _valid(geom: BaseGeometry) -> BaseGeometry:
    return geom if geom.is_valid else shapely.make_valid(geom)
