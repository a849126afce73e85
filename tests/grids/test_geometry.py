"""Grid polygon import, validation (overlaps, gaps, invalid rings, holes) and overlay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import Polygon, box

from civicgrid.grids.geometry import (
    GridFileError,
    GridPolygon,
    overlay_grids,
    read_grid_polygons,
    validate_grids,
)

from .shapes import collection, feature, square


def kinds(issues: list) -> dict[str, list[tuple[str, ...]]]:
    found: dict[str, list[tuple[str, ...]]] = {}
    for issue in issues:
        found.setdefault(issue.kind, []).append(issue.grid_ids)
    return found


def test_geojson_grids_are_read_with_their_ids(tmp_path: Path) -> None:
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps(collection([feature({"grid_id": "A"}, square(0, 0)),
                                           feature({"grid_id": "B"}, square(1, 0))])))
    assert [g.grid_id for g in read_grid_polygons(path)] == ["A", "B"]


def test_shapefile_is_read_through_geopandas(tmp_path: Path) -> None:
    geopandas = pytest.importorskip("geopandas")
    frame = geopandas.GeoDataFrame({"grid_id": ["A", "B"]},
                                   geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)])
    frame.set_crs("EPSG:4326").to_file(tmp_path / "grids.shp")
    grids = read_grid_polygons(tmp_path / "grids.shp")
    assert [g.grid_id for g in grids] == ["A", "B"] and grids[1].geometry.area == 1.0


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(GridFileError, match="nope.geojson"):
        read_grid_polygons(tmp_path / "nope.geojson")


def test_planted_overlap_is_found_with_both_ids() -> None:
    grids = [GridPolygon("A", box(0, 0, 1, 1)), GridPolygon("B", box(0.8, 0, 2, 1))]
    overlaps = [i for i in validate_grids(grids, geographic=False) if i.kind == "overlap"]
    assert [o.grid_ids for o in overlaps] == [("A", "B")]
    assert overlaps[0].area == pytest.approx(0.2)


def test_self_intersecting_ring_is_invalid() -> None:
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    issues = validate_grids([GridPolygon("X", bowtie), GridPolygon("Y", box(5, 5, 6, 6))])
    invalid = [i for i in issues if i.kind == "invalid"]
    assert invalid[0].grid_ids == ("X",) and "Self-intersection" in invalid[0].message
    assert invalid[0].location == pytest.approx((1.0, 1.0))


def test_gap_enclosed_by_grids_is_reported_with_neighbours() -> None:
    ring = [box(0, 0, 3, 1), box(0, 2, 3, 3), box(0, 1, 1, 2), box(2, 1, 3, 2)]
    grids = [GridPolygon(g, geom) for g, geom in zip("ABCD", ring)]
    gaps = [i for i in validate_grids(grids, geographic=False) if i.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].area == pytest.approx(1.0)
    assert gaps[0].grid_ids == ("A", "B", "C", "D")


def test_hole_in_a_grid_is_reported() -> None:
    donut = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    assert kinds(validate_grids([GridPolygon("D", donut)]))["hole"] == [("D",)]


def test_clean_layer_has_no_issues() -> None:
    grids = [GridPolygon("A", box(0, 0, 1, 1)), GridPolygon("B", box(1, 0, 2, 1))]
    assert validate_grids(grids) == []


def test_overlay_shares_of_each_basic_grid_sum_to_one() -> None:
    basic = [GridPolygon(f"b{i}", box(i, 0, i + 1, 1)) for i in range(4)]
    gas = [GridPolygon("gas-1", box(0, 0, 1.5, 1)), GridPolygon("gas-2", box(1.5, 0, 4, 1))]
    result = overlay_grids(gas, basic)
    for grid in basic:
        assert sum(result.basic_shares(grid.grid_id).values()) == pytest.approx(1.0)
    assert result.basic_shares("b1") == pytest.approx({"gas-1": 0.5, "gas-2": 0.5,
                                                        "uncovered": 0.0})


def test_overlay_reports_uncovered_share() -> None:
    result = overlay_grids([GridPolygon("p", box(0, 0, 0.25, 1))],
                           [GridPolygon("b", box(0, 0, 1, 1))])
    assert result.basic_shares("b") == pytest.approx({"p": 0.25, "uncovered": 0.75})


def test_overlay_in_longitude_latitude_uses_metres() -> None:
    basic = [GridPolygon("b", box(113.90, 22.50, 113.91, 22.51))]
    pro = [GridPolygon("p", box(113.90, 22.50, 113.905, 22.51))]
    result = overlay_grids(pro, basic)
    assert result.area_unit == "m²"
    assert result.shares[0].share_of_basic == pytest.approx(0.5)
    assert result.shares[0].area == pytest.approx(1113.2 * 1028.4 / 2, rel=0.01)


def test_shapefile_without_geopandas_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "grids.shp"
    path.write_bytes(b"not really a shapefile")
    monkeypatch.setitem(__import__("sys").modules, "geopandas", None)
    with pytest.raises(GridFileError, match=r"civicgrid\[geo\]"):
        read_grid_polygons(path)


def test_gap_in_longitude_latitude_is_reported_in_square_metres() -> None:
    ring = [box(113.90, 22.50, 113.93, 22.51), box(113.90, 22.52, 113.93, 22.53),
            box(113.90, 22.51, 113.91, 22.52), box(113.92, 22.51, 113.93, 22.52)]
    grids = [GridPolygon(g, geom) for g, geom in zip("ABCD", ring)]
    gaps = [i for i in validate_grids(grids) if i.kind == "gap"]
    assert gaps[0].area == pytest.approx(1028.4 * 1113.2, rel=0.01)
    assert gaps[0].location == pytest.approx((113.915, 22.515))


def test_real_shenzhen_streets_show_the_one_gap_between_guangming_and_fenghuang(
    shared_data: Path,
) -> None:
    path = shared_data / "shenzhen-boundaries" / "shenzhen_streets_2020_aedmap.geojson"
    issues = validate_grids(read_grid_polygons(path, "name"))
    assert [(i.kind, i.grid_ids) for i in issues] == [("gap", ("光明街道", "凤凰街道"))]
    assert 3000 < (issues[0].area or 0) < 3600
