"""Locating a point in street (街道) polygons through a shapely 2 STRtree.

Polygons are held in WGS-84; a point in any datum is converted first (GCJ-02 points from
web maps land ~500 m off in Shenzhen otherwise). A point on an edge shared by two streets
belongs to exactly one of them: the candidates are ordered by street code and the first
that *covers* the point wins, so the answer never depends on file order.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from shapely import STRtree
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from civicgrid.addresses.datums import CRS, ChinaArea, DEFAULT_AREA, Point, convert
from civicgrid.addresses.gazetteer import Gazetteer, default_gazetteer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Street:
    """A street polygon with its name and official code (None when the name is unknown)."""

    name: str
    code: str | None
    geometry: BaseGeometry


class StreetIndex:
    """Street polygons in WGS-84 with a spatial index."""

    def __init__(self, streets: list[Street], area: ChinaArea = DEFAULT_AREA) -> None:
        self.streets = sorted(streets, key=lambda s: (s.code or "~", s.name))
        self.tree = STRtree([s.geometry for s in self.streets])
        self.area = area

    @classmethod
    def from_geojson(
        cls, path: Path, crs: CRS | str = CRS.WGS84, gazetteer: Gazetteer | None = None
    ) -> StreetIndex:
        """Read a GeoJSON FeatureCollection whose features carry ``properties.name``.

        The code is ``properties.adcode`` (or ``code``) when given, else the official street
        code of the name. Polygons in GCJ-02 or BD-09 are converted to WGS-84 vertex by vertex.
        """
        gaz = gazetteer or default_gazetteer()
        source = CRS.parse(crs)
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        streets: list[Street] = []
        for number, feature in enumerate(data.get("features", []), start=1):
            properties = feature.get("properties") or {}
            name = properties.get("name")
            if not name:
                raise ValueError(
                    f"{path}: feature {number} has no properties.name; name every street"
                )
            geometry = shape(feature["geometry"])
            if source is not CRS.WGS84 and source is not CRS.CGCS2000:
                geometry = _to_wgs84(geometry, source)
            code = properties.get("adcode") or properties.get("code")
            if not code:
                codes = [d.code for d in gaz.lookup(name) if d.level == "street"]
                code = codes[0] if codes else None
            streets.append(Street(name, str(code) if code else None, geometry))
        log.info("loaded %s street polygons from %s", len(streets), path)
        return cls(streets)

    def locate(self, point: Point) -> Street | None:
        """The street containing ``point`` (converted to WGS-84 first), or None."""
        wgs = convert(point, CRS.WGS84, self.area)
        probe = ShapelyPoint(wgs.lon, wgs.lat)
        for index in sorted(self.tree.query(probe, predicate="intersects")):
            street = self.streets[int(index)]
            if street.geometry.covers(probe):
                return street
        return None


def _to_wgs84(geometry: BaseGeometry, source: CRS) -> BaseGeometry:
    """The geometry with every vertex converted from ``source`` to WGS-84."""
    import numpy as np
    from shapely import transform

    def shift(coords: np.ndarray) -> np.ndarray:
        moved = [convert(Point(x, y, source), CRS.WGS84) for x, y in coords]
        return np.array([(p.lon, p.lat) for p in moved], dtype=float).reshape(coords.shape)

    return transform(geometry, shift)
