"""Placing a case: its address text and/or its point → street, with level and confidence.

:func:`geocode` combines the parser and the street index and reports, as flags, what a
reviewer must look at:

* ``坐标不在辖区`` — the point is in no polygon (the sea, another district, a wrong datum);
* ``疑似经纬度颠倒`` — the point is in no polygon, but it is once longitude and latitude are
  swapped (the swapped pair is used);
* ``疑似坐标系为GCJ02`` (or ``…BD09``/``…WGS84``) — the point is in no polygon as tagged,
  but is when read in that datum (the re-read point is used);
* ``街道与坐标不符`` — the text names a street and the point lies in another one.

Text alone gives the parser's levels; a point alone gives the street; both give the street
from the point (the more precise of the two) with the parser's house-level parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from civicgrid.addresses.datums import CRS, Point, convert
from civicgrid.addresses.parser import Jurisdiction, ParsedAddress, parse
from civicgrid.addresses.streets import Street, StreetIndex

log = logging.getLogger(__name__)


@dataclass
class Place:
    """Where a case is: parsed address, WGS-84 point, street, level, confidence, flags."""

    parsed: ParsedAddress | None
    point: Point | None
    street: str | None
    street_code: str | None
    level: str | None
    confidence: float
    flags: list[str] = field(default_factory=list)


def locate_point(point: Point, streets: StreetIndex) -> tuple[Point, Street | None, list[str]]:
    """The point in WGS-84 and its street, trying a swapped or re-datumed reading if needed."""
    street = streets.locate(point)
    if street is not None:
        return convert(point, CRS.WGS84, streets.area), street, []
    for other in (CRS.GCJ02, CRS.BD09, CRS.WGS84):
        if other is point.crs:
            continue
        reread = Point(point.lon, point.lat, other)
        street = streets.locate(reread)
        if street is not None:
            return convert(reread, CRS.WGS84, streets.area), street, [f"疑似坐标系为{other.value}"]
    if -90.0 <= point.lon <= 90.0:
        swapped = Point(point.lat, point.lon, point.crs)
        street = streets.locate(swapped)
        if street is not None:
            return convert(swapped, CRS.WGS84, streets.area), street, ["疑似经纬度颠倒"]
    return convert(point, CRS.WGS84, streets.area), None, ["坐标不在辖区"]


def geocode(
    text: str | None = None,
    point: Point | None = None,
    *,
    streets: StreetIndex | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> Place:
    """Place a case from its address text, its point, or both."""
    if text is None and point is None:
        raise ValueError("geocode: give `text`, `point` or both; both were None")
    parsed = parse(text, jurisdiction=jurisdiction) if text is not None else None
    flags = list(parsed.flags) if parsed else []
    level = parsed.level if parsed else None
    confidence = parsed.confidence if parsed else 0.0
    street_name = parsed.street if parsed else None
    street_code = parsed.street_code if parsed else None
    wgs: Point | None = None

    if point is not None and streets is not None:
        wgs, street, point_flags = locate_point(point, streets)
        flags += point_flags
        if street is not None:
            if street_code and street.code and street.code != street_code:
                flags.append("街道与坐标不符")
            street_name, street_code = street.name, street.code
            level = level or "street"
            confidence = max(confidence, 0.9 if not point_flags else 0.5)
    elif point is not None:
        wgs = convert(point, CRS.WGS84)
    return Place(parsed, wgs, street_name, street_code, level, confidence, flags)
