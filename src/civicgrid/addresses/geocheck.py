"""A real geocoding check: parsed addresses with known points against street polygons.

Each row has an address and a GCJ-02 point (web-map POIs). The address is parsed; the point
is converted to WGS-84 and located among the street polygons. The check counts

* rows whose parsed district is the expected one;
* rows whose point falls in any street polygon of the district (the datum check);
* rows whose text names a street at all, and of those, rows whose point lies in that street;
* the same point counts *without* the datum conversion, to show what a forgotten shift costs.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from civicgrid.addresses.datums import CRS, Point
from civicgrid.addresses.parser import parse
from civicgrid.addresses.streets import StreetIndex
from civicgrid.intake.files import read_table

log = logging.getLogger(__name__)


@dataclass
class GeocodeCheck:
    """Counts of the check (see module docstring) and one record per row."""

    rows: int = 0
    district_parsed: int = 0
    in_district_polygons: int = 0
    in_district_polygons_without_conversion: int = 0
    street_parsed: int = 0
    street_match: int = 0
    street_match_without_conversion: int = 0
    details: list[dict[str, object]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """The counts alone."""
        return {k: v for k, v in asdict(self).items() if k != "details"}


def check_poi_file(
    csv_path: Path,
    streets_path: Path,
    *,
    district_code: str = "440305",
    address_column: str = "address",
    lon_column: str = "lng_gcj02",
    lat_column: str = "lat_gcj02",
    code_column: str = "adcode",
) -> GeocodeCheck:
    """Run the check on rows of ``csv_path`` whose ``code_column`` is ``district_code``."""
    table = read_table(Path(csv_path))
    index = StreetIndex.from_geojson(Path(streets_path), CRS.WGS84)
    check = GeocodeCheck()
    codes = table.values(code_column)
    addresses = table.values(address_column)
    lons, lats = table.values(lon_column), table.values(lat_column)
    for code, text, lon, lat in zip(codes, addresses, lons, lats, strict=True):
        if code != district_code or not lon or not lat:
            continue
        _check_row(check, index, text or "", Point(float(lon), float(lat), CRS.GCJ02),
                   district_code)
    log.info("geocode check: %s rows, %s street matches", check.rows, check.street_match)
    return check


def _check_row(
    check: GeocodeCheck, index: StreetIndex, text: str, point: Point, district_code: str
) -> None:
    parsed = parse(text)
    located = index.locate(point)
    raw = index.locate(Point(point.lon, point.lat, CRS.WGS84))  # the datum forgotten
    check.rows += 1
    check.district_parsed += parsed.district_code == district_code
    check.in_district_polygons += located is not None
    check.in_district_polygons_without_conversion += raw is not None
    if parsed.street_code:
        check.street_parsed += 1
        check.street_match += bool(located and located.code == parsed.street_code)
        check.street_match_without_conversion += bool(raw and raw.code == parsed.street_code)
    check.details.append(
        {
            "address": text,
            "district_code": parsed.district_code,
            "inferred": parsed.inferred,
            "street_parsed": parsed.street,
            "street_located": located.name if located else None,
            "level": parsed.level,
            "confidence": parsed.confidence,
        }
    )
