"""Street lookup: datum conversion before the lookup, one street for a point on an edge."""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import box

from civicgrid.addresses.datums import CRS, Point
from civicgrid.addresses.streets import Street, StreetIndex


def test_point_on_shared_edge_belongs_to_the_lower_code() -> None:
    west = Street("西街道", "440305002", box(113.90, 22.50, 113.92, 22.52))
    east = Street("东街道", "440305001", box(113.92, 22.50, 113.94, 22.52))
    index = StreetIndex([west, east])
    assert index.locate(Point(113.92, 22.51, CRS.WGS84)).code == "440305001"
    assert StreetIndex([east, west]).locate(Point(113.92, 22.51, CRS.WGS84)).code == "440305001"


def test_gcj_point_is_converted_before_lookup() -> None:
    target = box(113.927, 22.518, 113.933, 22.522)
    index = StreetIndex([Street("粤海街道", "440305007", target)])
    wgs = Point(113.93, 22.52, CRS.WGS84)
    gcj = wgs.to(CRS.GCJ02)
    assert index.locate(gcj).name == "粤海街道"
    assert index.locate(Point(gcj.lon, gcj.lat, CRS.WGS84)) is None


def test_geojson_names_get_official_codes(tmp_path: Path) -> None:
    path = tmp_path / "streets.geojson"
    feature = {"type": "Feature", "properties": {"name": "蛇口街道"},
               "geometry": box(113.90, 22.47, 113.93, 22.50).__geo_interface__}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    (street,) = StreetIndex.from_geojson(path).streets
    assert street.code == "440305005"
