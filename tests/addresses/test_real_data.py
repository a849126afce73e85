"""Checks on the real shared data (skipped when ../shared/data is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicgrid.addresses.conll import read_conll, spans
from civicgrid.addresses.geocheck import check_poi_file
from civicgrid.addresses.parser import parse
from civicgrid.addresses.streets import StreetIndex
from civicgrid.addresses.datums import CRS, Point

pytestmark = pytest.mark.shared_data


def test_aed_points_land_in_nanshan_streets_after_datum_conversion(shared_data: Path) -> None:
    check = check_poi_file(
        shared_data / "shenzhen-aed-poi" / "shenzhen_aed_pois_tencent_2020.csv",
        shared_data / "shenzhen-boundaries" / "nanshan_streets_2020_aedmap.geojson",
    )
    assert check.rows == 108
    assert check.district_parsed == 108
    assert check.in_district_polygons >= 105
    assert check.in_district_polygons > check.in_district_polygons_without_conversion
    assert check.street_parsed >= 3
    assert check.street_match == check.street_parsed


def test_street_polygons_carry_official_codes(shared_data: Path) -> None:
    index = StreetIndex.from_geojson(
        shared_data / "shenzhen-boundaries" / "nanshan_streets_2020_aedmap.geojson"
    )
    assert all(street.code and street.code.startswith("440305") for street in index.streets)
    shenzhen_university = Point(113.9366, 22.5335, CRS.GCJ02)
    assert index.locate(shenzhen_university).name == "粤海街道"


def test_every_shenzhen_aed_address_parses_to_a_shenzhen_district(shared_data: Path) -> None:
    from civicgrid.intake.files import read_table

    table = read_table(shared_data / "shenzhen-aed-poi" / "shenzhen_aed_pois_tencent_2020.csv")
    explicit = [
        (text, code)
        for text, code in zip(table.values("address"), table.values("adcode"), strict=True)
        if text and text.startswith("广东省深圳市")
    ]
    wrong = [text for text, code in explicit if parse(text).district_code != code]
    assert len(explicit) > 250
    assert len(wrong) <= len(explicit) // 50


def test_ccks_and_naacl_files_read_with_their_tag_schemes(shared_data: Path) -> None:
    ccks = read_conll(shared_data / "ccks2021-address" / "train.conll")
    naacl = read_conll(shared_data / "naacl2019-address" / "dev.txt")
    assert (len(ccks), len(naacl)) == (8829, 2864)
    assert spans(ccks[0].tags)[0][0] == "prov"
    assert any(len(token) > 1 for address in naacl[:50] for token in address.tokens)


def test_every_aed_point_lands_in_its_district_from_gcj_outlines(shared_data: Path) -> None:
    from civicgrid.intake.files import read_table

    index = StreetIndex.from_geojson(
        shared_data / "shenzhen-boundaries" / "shenzhen_440300_districts_datav.geojson",
        CRS.GCJ02,
    )
    table = read_table(shared_data / "shenzhen-aed-poi" / "shenzhen_aed_pois_tencent_2020.csv")
    rows = zip(table.values("adcode"), table.values("lng_gcj02"), table.values("lat_gcj02"),
               strict=True)
    located = [index.locate(Point(float(lon), float(lat), CRS.GCJ02)) for _, lon, lat in rows]
    assert [area.code if area else None for area in located] == table.values("adcode")
