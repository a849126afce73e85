"""A generated 南山 demo base: communities, grids and atomic units, all labelled generated.

Nothing here is a real community or grid boundary. When the real street (街道) polygons are
available (``nanshan_streets_2020_aedmap.geojson`` from the shared data folder, WGS-84; see
its SOURCE.md: no open licence, so the repository never copies them) the generated shapes
are laid inside them. Without that file each street becomes a generated, roughly round
shape of about its real area around its centre point (:data:`STREETS`), and the result says
so in ``street_shapes``.

Inside each street: communities are Voronoi cells of seeded random points clipped to the
street; each community is cut into atomic units the same way; units are grouped into
"last year's" grids, drawn even (±5%) on last year's seeded log-normal loads by
:func:`civicgrid.grids.balance.balance_units`; grid polygons are the union of their units.
This year's workloads are last year's after a seeded drift (log-normal, sd 0.08) with one
new estate raising a unit and its neighbours by half, so some grids come out over- or
underloaded: the situation a small adjustment repairs.

Street codes are the 2023 statistical division codes (440305001-009, 440305400); centre
points are the centroids of the largest part of each street polygon, rounded to 0.001°.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from civicgrid.grids.contiguity import rook_graph

log = logging.getLogger(__name__)

STREETS_FILE = Path("shenzhen-boundaries") / "nanshan_streets_2020_aedmap.geojson"
GENERATED_NOTE = "generated demo data (生成的演示数据), not a real boundary"

# (code, name, centre longitude, centre latitude, approximate area in km²), WGS-84.
STREETS: tuple[tuple[str, str, float, float, float], ...] = (
    ("440305001", "南头街道", 113.916, 22.550, 9.9),
    ("440305002", "南山街道", 113.900, 22.508, 11.4),
    ("440305003", "沙河街道", 113.972, 22.540, 15.3),
    ("440305005", "蛇口街道", 113.932, 22.491, 4.8),
    ("440305006", "招商街道", 113.904, 22.485, 17.0),
    ("440305007", "粤海街道", 113.939, 22.531, 14.7),
    ("440305008", "桃源街道", 113.985, 22.588, 35.1),
    ("440305009", "西丽街道", 113.948, 22.610, 46.7),
    ("440305400", "前海合作区", 113.884, 22.518, 15.0),
)


@dataclass
class NanshanBase:
    """Three GeoJSON layers and where the street outlines came from."""

    communities: list[dict[str, Any]] = field(default_factory=list)
    grids: list[dict[str, Any]] = field(default_factory=list)
    units: list[dict[str, Any]] = field(default_factory=list)
    street_shapes: str = ""

    def write(self, folder: Path) -> dict[str, str]:
        """Write communities/grids/units GeoJSON files; returns layer -> path."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for layer in ("communities", "grids", "units"):
            path = folder / f"{layer}.geojson"
            collection = {"type": "FeatureCollection", "note": GENERATED_NOTE,
                          "street_shapes": self.street_shapes,
                          "features": getattr(self, layer)}
            path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
            paths[layer] = str(path)
        return paths


def find_streets_file(data_roots: list[Path]) -> Path | None:
    """The real street polygons under the first data root that has them."""
    for root in data_roots:
        candidate = root / STREETS_FILE
        if candidate.is_file():
            return candidate
    return None


def street_outlines(streets_file: Path | None, seed: int) -> tuple[dict[str, BaseGeometry], str]:
    """Street name -> polygon, from the file when given, else generated shapes."""
    if streets_file is not None:
        data = json.loads(Path(streets_file).read_text(encoding="utf-8"))
        outlines = {f["properties"]["name"]: shapely.make_valid(shape(f["geometry"]))
                    for f in data["features"]}
        return outlines, f"real street polygons from {streets_file.name} (WGS-84)"
    rng = np.random.default_rng(seed)
    outlines = {name: _round_shape(lon, lat, area, rng) for _, name, lon, lat, area in STREETS}
    return outlines, "generated shapes around each street's centre point (real polygons absent)"


def _round_shape(lon: float, lat: float, area_km2: float, rng: np.random.Generator) -> BaseGeometry:
    radius_km = math.sqrt(area_km2 / math.pi)
    angles = np.linspace(0, 2 * math.pi, 24, endpoint=False)
    radii = radius_km * rng.uniform(0.85, 1.15, size=angles.size)
    dx = radii * np.cos(angles) / (111.32 * math.cos(math.radians(lat)))
    dy = radii * np.sin(angles) / 110.57
    return shapely.Polygon(np.column_stack([lon + dx, lat + dy]))


def generate_nanshan(
    streets_file: Path | None,
    *,
    seed: int = 20261204,
    street: str | None = None,
    communities_per_street: int = 12,
    grids_per_community: int = 19,
    units_per_grid: int = 6,
) -> NanshanBase:
    """Generate communities, grids and units for all streets, or one (by name)."""
    outlines, source = street_outlines(streets_file, seed)
    chosen = [s for s in STREETS if street is None or s[1] == street]
    if not chosen:
        names = ", ".join(s[1] for s in STREETS)
        raise ValueError(f"street {street!r} is not a 南山 street; choose one of: {names}")
    rng = np.random.default_rng(seed)
    base = NanshanBase(street_shapes=source)
    for code, name, *_ in chosen:
        outline = outlines.get(name)
        if outline is None or outline.is_empty:
            log.warning("no outline for %s; skipped", name)
            continue
        _generate_street(base, code, name, outline, rng, communities_per_street,
                         grids_per_community, units_per_grid)
    return base


@dataclass(frozen=True)
class CommunityPlan:
    """A community of a district pack and the codes of its grids, in order."""

    code: str
    name: str
    grid_codes: tuple[str, ...]


@dataclass(frozen=True)
class StreetPlan:
    """A street of a district pack and its communities."""

    code: str
    name: str
    communities: tuple[CommunityPlan, ...]


def generate_for_regions(
    streets_file: Path | None,
    streets: list[StreetPlan],
    *,
    seed: int = 20261204,
    units_per_grid: int = 6,
) -> NanshanBase:
    """Generated shapes carrying a district pack's own street, community and grid codes.

    Like :func:`generate_nanshan`, but the number of communities per street and of grids per
    community, and every code and name, come from ``streets`` (the pack's regions), so the
    polygons can be stored against the pack. Streets without an outline are skipped (logged).
    """
    outlines, source = street_outlines(streets_file, seed)
    if streets_file is None:
        outlines = _apart(outlines)
    rng = np.random.default_rng(seed)
    base = NanshanBase(street_shapes=source)
    for street in streets:
        outline = outlines.get(street.name)
        if outline is None or outline.is_empty or not street.communities:
            log.warning("no outline or no communities for street %s; skipped", street.code)
            continue
        cells = _voronoi_cells(outline, len(street.communities), rng)
        for community, cell in zip(street.communities, cells):
            base.communities.append(_feature(cell, {
                "community_code": community.code, "name": community.name,
                "street": street.name, "street_code": street.code, "generated": True,
            }))
            _lay_community(base, street, community, cell, units_per_grid, rng)
    return base


def _apart(outlines: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """Generated round streets cut back to their centre's Voronoi cell, so none overlap."""
    centres = {name: (lon, lat) for _, name, lon, lat, _ in STREETS if name in outlines}
    names = list(centres)
    points = shapely.points([centres[n] for n in names])
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=shapely.union_all(
        list(outlines.values())).envelope.buffer(1.0))
    apart = dict(outlines)
    for cell in shapely.get_parts(cells):
        for name, point in zip(names, points):
            if cell.contains(point):
                apart[name] = _largest_polygon(outlines[name].intersection(cell)) or outlines[name]
    return apart


def _lay_community(
    base: NanshanBase, street: StreetPlan, community: CommunityPlan, cell: BaseGeometry,
    units_per_grid: int, rng: np.random.Generator,
) -> None:
    factor = float(rng.lognormal(0, 0.04))
    count = len(community.grid_codes)
    units, parts, loads = _community_units(cell, count, units_per_grid, factor, rng)
    codes = dict(zip(sorted(set(parts)), community.grid_codes))
    for part, grid_code in codes.items():
        members = [u for u, p in enumerate(parts) if p == part]
        base.grids.append(_feature(shapely.union_all([units[u] for u in members]), {
            "grid_id": grid_code, "community": community.name,
            "community_code": community.code, "street": street.name,
            "street_code": street.code, "units": len(members),
            "workload": round(float(loads[members].sum()), 2), "generated": True,
        }))
        for u in members:
            base.units.append(_feature(units[u], {
                "id": f"{community.code}-U{u + 1:03d}", "grid": grid_code,
                "community": community.code, "street": street.name,
                "workload": round(float(loads[u]), 2), "generated": True,
            }))
    if len(codes) < count:
        log.warning("community %s: %s of %s grids laid", community.code, len(codes), count)


def _generate_street(
    base: NanshanBase, code: str, name: str, outline: BaseGeometry, rng: np.random.Generator,
    communities: int, grids: int, units_per_grid: int,
) -> None:
    for number, cell in enumerate(_voronoi_cells(outline, communities, rng), start=1):
        community_code = f"{code}{number:03d}"
        label = f"{name}生成社区{number:02d}"
        base.communities.append(_feature(cell, {
            "community_code": community_code, "name": label, "street": name,
            "street_code": code, "generated": True,
        }))
        factor = float(rng.lognormal(0, 0.04))
        _generate_community(base, cell, community_code, label, name, rng, grids,
                            units_per_grid, factor)


def _generate_community(
    base: NanshanBase, cell: BaseGeometry, community_code: str, label: str, street: str,
    rng: np.random.Generator, grids: int, units_per_grid: int, factor: float,
) -> None:
    units, parts, loads = _community_units(cell, grids, units_per_grid, factor, rng)
    for part in sorted(set(parts)):
        members = [u for u, p in enumerate(parts) if p == part]
        grid_code = f"{community_code}{part + 1:03d}"
        base.grids.append(_feature(shapely.union_all([units[u] for u in members]), {
            "grid_id": grid_code, "community": label, "community_code": community_code,
            "street": street, "units": len(members),
            "workload": round(float(loads[members].sum()), 2), "generated": True,
        }))
        for u in members:
            base.units.append(_feature(units[u], {
                "id": f"{grid_code}-{u + 1:04d}", "grid": grid_code, "community": label,
                "street": street, "workload": round(float(loads[u]), 2), "generated": True,
            }))


def _community_units(
    cell: BaseGeometry, grids: int, units_per_grid: int, factor: float, rng: np.random.Generator,
) -> tuple[list[BaseGeometry], list[int], np.ndarray]:
    """Unit cells of a community, last year's grid (part number) of each, this year's loads."""
    units = _voronoi_cells(cell, grids * max(1, units_per_grid), rng)
    last_year = rng.lognormal(math.log(20 * factor), 0.4, size=len(units))
    parts = _last_years_grids(units, last_year, min(grids, len(units)), rng)
    return units, parts, _this_years_loads(units, last_year, rng)


def _last_years_grids(
    units: list[BaseGeometry], loads: np.ndarray, grids: int, rng: np.random.Generator
) -> list[int]:
    """Grids drawn even (±5%) on last year's loads: the plan a small adjustment starts from."""
    from civicgrid.grids.balance import BalanceOptions, balance_units
    from civicgrid.grids.units import UnitSet

    unit_set = UnitSet(
        ids=[str(i) for i in range(len(units))], geometries=np.array(units, dtype=object),
        loads=loads, communities=[""] * len(units), fixed=np.zeros(len(units), dtype=bool),
    )
    options = BalanceOptions(target_count=grids, tolerance=0.05,
                             seed=int(rng.integers(2**31)), time_budget_seconds=10)
    labels = balance_units(unit_set, options).new_grid
    order = {label: number for number, label in enumerate(sorted(set(labels)))}
    return [order[label] for label in labels]


def _this_years_loads(
    units: list[BaseGeometry], last_year: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Last year's loads after a year's drift, plus one new estate (x1.5 on its block)."""
    loads = last_year * rng.lognormal(-0.08**2 / 2, 0.08, size=len(units))
    graph = rook_graph(np.array(units, dtype=object))
    estate = int(rng.integers(len(units)))
    for unit in [estate, *graph.neighbours[estate]]:
        loads[unit] *= 1.5
    return loads


def _voronoi_cells(area: BaseGeometry, count: int, rng: np.random.Generator) -> list[BaseGeometry]:
    points = _points_inside(area, count, rng)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=area)
    clipped = [shapely.intersection(c, area) for c in shapely.get_parts(cells)]
    polygons = [_largest_polygon(c) for c in clipped if not c.is_empty]
    return [p for p in polygons if p is not None and p.area > 0]


def _largest_polygon(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return max(parts, key=lambda p: p.area) if parts else None


def _points_inside(area: BaseGeometry, count: int, rng: np.random.Generator) -> np.ndarray:
    xmin, ymin, xmax, ymax = area.bounds
    found: list[np.ndarray] = []
    total = 0
    for _ in range(200):
        xs = rng.uniform(xmin, xmax, size=4 * count)
        ys = rng.uniform(ymin, ymax, size=4 * count)
        keep = shapely.contains_xy(area, xs, ys)
        found.append(np.column_stack([xs[keep], ys[keep]]))
        total += int(keep.sum())
        if total >= count:
            break
    return np.concatenate(found)[:count]


def _feature(geom: BaseGeometry, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}
