"""Coordinate datums (GEO-01): precision, no double shift, outside-China points untouched."""

from __future__ import annotations

import pytest

from civicgrid.addresses.datums import (
    CRS,
    ChinaArea,
    Point,
    convert,
    convert_many,
    distance_m,
    gcj02_to_wgs84,
    wgs84_to_gcj02,
)

P = Point(113.9300, 22.5200, CRS.WGS84)
HANOI = Point(105.85, 21.03, CRS.WGS84)


def test_wgs_gcj_wgs_round_trip_under_a_centimetre() -> None:
    back = P.to(CRS.GCJ02).to(CRS.WGS84)
    assert distance_m(P, back) < 0.01


def test_wgs_bd_wgs_round_trip_under_a_centimetre() -> None:
    back = P.to(CRS.BD09).to(CRS.WGS84)
    assert distance_m(P, back) < 0.01


def test_gcj_bd_gcj_round_trip_under_a_centimetre() -> None:
    gcj = P.to(CRS.GCJ02)
    assert distance_m(gcj, gcj.to(CRS.BD09).to(CRS.GCJ02)) < 0.01


def test_gcj_shift_in_shenzhen_is_hundreds_of_metres() -> None:
    gcj = P.to(CRS.GCJ02)
    assert 300 < distance_m(P, Point(gcj.lon, gcj.lat, CRS.WGS84)) < 800


def test_hanoi_is_unchanged() -> None:
    assert HANOI.to(CRS.GCJ02) == Point(105.85, 21.03, CRS.GCJ02)
    assert (HANOI.to(CRS.GCJ02).lon, HANOI.to(CRS.GCJ02).lat) == (105.85, 21.03)


def test_gcj_to_gcj_is_a_no_op() -> None:
    gcj = P.to(CRS.GCJ02)
    assert gcj.to(CRS.GCJ02) == gcj
    assert gcj.to("gcj-02") == gcj


def test_batch_and_single_paths_agree_exactly() -> None:
    points = [P, HANOI, Point(114.05, 22.54, CRS.WGS84)]
    assert convert_many(points, CRS.GCJ02) == [convert(p, CRS.GCJ02) for p in points]
    assert [p.to(CRS.GCJ02) for p in points] == convert_many(points, "GCJ02")


def test_hong_kong_handling_is_configurable() -> None:
    kowloon = Point(114.17, 22.30, CRS.WGS84)
    assert kowloon.to(CRS.GCJ02) == Point(114.17, 22.30, CRS.GCJ02)
    shifted = convert(kowloon, CRS.GCJ02, ChinaArea(shift_hk_macau=True))
    assert distance_m(kowloon, Point(shifted.lon, shifted.lat)) > 100


def test_nanshan_shore_is_mainland_not_hong_kong() -> None:
    shekou = (113.91, 22.48)
    assert wgs84_to_gcj02(*shekou) != shekou


def test_iterative_inverse_reaches_a_tenth_of_a_millimetre_in_degrees() -> None:
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(113.93, 22.52))
    assert abs(lon - 113.93) < 1e-8 and abs(lat - 22.52) < 1e-8


def test_swapped_coordinates_are_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="swapped"):
        Point(22.52, 113.93)


def test_unknown_crs_names_the_choices() -> None:
    with pytest.raises(ValueError, match="GCJ02"):
        Point(113.93, 22.52, "EPSG:3857")
