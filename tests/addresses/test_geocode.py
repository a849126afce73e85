"""Placing a case from text and point; swapped and wrong-datum points are reported."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from civicgrid.addresses.datums import CRS, Point
from civicgrid.addresses.geocode import geocode
from civicgrid.addresses.streets import Street, StreetIndex

INSIDE = Point(113.93, 22.52, CRS.WGS84)


@pytest.fixture
def streets() -> StreetIndex:
    yuehai = Street("粤海街道", "440305007", box(113.927, 22.518, 113.933, 22.522))
    shekou = Street("蛇口街道", "440305005", box(113.90, 22.47, 113.92, 22.49))
    return StreetIndex([yuehai, shekou])


def test_point_gives_the_street(streets: StreetIndex) -> None:
    place = geocode("南山区科苑路15号", INSIDE.to(CRS.GCJ02), streets=streets)
    assert (place.street, place.street_code) == ("粤海街道", "440305007")
    assert place.flags == []


def test_wrong_datum_is_reported_and_corrected(streets: StreetIndex) -> None:
    gcj = INSIDE.to(CRS.GCJ02)
    mislabelled = Point(gcj.lon, gcj.lat, CRS.WGS84)
    place = geocode(point=mislabelled, streets=streets)
    assert place.street == "粤海街道"
    assert "疑似坐标系为GCJ02" in place.flags


def test_swapped_coordinates_are_reported(streets: StreetIndex) -> None:
    place = geocode(point=Point(22.52, 89.0, CRS.WGS84), streets=streets)
    assert place.street is None
    assert "坐标不在辖区" in place.flags


def test_swapped_pair_that_fits_is_used(streets: StreetIndex) -> None:
    small = Street("测试街道", "440305009", box(22.0, 23.0, 23.0, 24.0))
    place = geocode(point=Point(23.5, 22.5, CRS.WGS84), streets=StreetIndex([small]))
    assert place.street == "测试街道"
    assert "疑似经纬度颠倒" in place.flags


def test_point_in_the_sea_is_reported(streets: StreetIndex) -> None:
    place = geocode(point=Point(113.80, 22.30, CRS.WGS84), streets=streets)
    assert place.street is None
    assert "坐标不在辖区" in place.flags


def test_text_street_disagreeing_with_point_is_flagged(streets: StreetIndex) -> None:
    place = geocode("南山区蛇口街道工业一路12号", INSIDE, streets=streets)
    assert place.street_code == "440305007"
    assert "街道与坐标不符" in place.flags


def test_nothing_to_place_is_refused() -> None:
    with pytest.raises(ValueError, match="text"):
        geocode()
