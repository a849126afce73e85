"""Coordinate datums used in China: WGS-84/CGCS2000, GCJ-02 and BD-09.

Every coordinate the platform keeps is a :class:`Point` that carries its CRS, so asking for
the CRS a point already has is a no-op (never a second shift of several hundred metres).

* **WGS-84 / CGCS2000.** GPS and the national geodetic frame. The two differ by a few
  centimetres, far below what addresses resolve, so they are treated as one datum here.
* **GCJ-02.** The obfuscated datum of Chinese web maps (Gaode/AMap, Tencent). The forward
  transform is the widely published polynomial on the Krasovsky ellipsoid. It has no closed
  inverse: :func:`gcj02_to_wgs84` inverts it by fixed-point iteration until the forward
  image is within 1e-9 degrees (~0.1 mm) of the target; the common one-step inverse is
  about 1 m off, enough to flip a point across a grid edge.
* **BD-09.** Baidu's datum, a further rotation and offset of GCJ-02; also inverted by
  iteration.

Outside mainland China GCJ-02 equals WGS-84. "Outside" is decided by a coarse outline of
the mainland (a polygon of ~90 vertices, not a rectangle, so that Hanoi, Seoul or Ulaanbaatar
are left alone), minus Taiwan and, by default, Hong Kong and Macau.

Hong Kong and Macau: map vendors differ (AMap shifts some HK data, others do not), so the
choice is a setting: :class:`ChinaArea` ``(shift_hk_macau=False)`` by default leaves points
in HK and Macau unshifted; pass ``ChinaArea(shift_hk_macau=True)`` to treat them as
mainland. The HK/Macau outlines are coarse too (a few hundred metres near the Shenzhen
River); points that close to the border should not rely on the datum switch.

One implementation serves every path: :func:`convert` for one point, :func:`convert_many`
for a batch (it calls :func:`convert`), and :meth:`Point.to`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from shapely.geometry import Point as _ShapelyPoint
from shapely.geometry import Polygon
from shapely.prepared import PreparedGeometry, prep

log = logging.getLogger(__name__)

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 30


class CRS(str, Enum):
    """Coordinate reference systems a point can carry."""

    WGS84 = "WGS84"
    CGCS2000 = "CGCS2000"
    GCJ02 = "GCJ02"
    BD09 = "BD09"

    @classmethod
    def parse(cls, value: str | CRS) -> CRS:
        """The CRS named ``value`` (case and punctuation ignored: ``gcj-02`` → GCJ02)."""
        if isinstance(value, CRS):
            return value
        key = value.upper().replace("-", "").replace("_", "").replace(" ", "")
        aliases = {"EPSG4326": "WGS84", "EPSG4490": "CGCS2000", "BD09LL": "BD09"}
        try:
            return cls(aliases.get(key, key))
        except ValueError:
            allowed = ", ".join(c.value for c in cls)
            raise ValueError(f"crs {value!r} is not known; use one of {allowed}") from None


# WGS-84 and CGCS2000 share one datum here (differences of centimetres).
_BASE = {CRS.WGS84: CRS.WGS84, CRS.CGCS2000: CRS.WGS84, CRS.GCJ02: CRS.GCJ02, CRS.BD09: CRS.BD09}

# Coarse outline of mainland China (lon, lat), clockwise from the north-east. Coastline
# vertices run through the sea, which holds no addresses.
_MAINLAND: tuple[tuple[float, float], ...] = (
    (134.8, 48.4), (133.1, 45.1), (131.9, 45.3), (131.0, 44.0), (131.2, 42.9), (130.6, 42.4),
    (129.5, 42.4), (128.0, 41.6), (126.6, 41.7), (125.0, 40.5), (124.3, 39.9), (123.3, 38.8),
    (122.9, 37.2), (122.4, 34.8), (122.9, 31.0), (122.8, 29.0), (121.2, 27.3), (120.3, 26.4),
    (119.7, 25.2), (118.7, 24.2), (117.5, 23.3), (116.5, 22.6), (115.0, 22.3), (114.4, 22.1),
    (113.5, 21.7), (112.0, 21.2), (111.2, 20.3), (111.6, 19.3), (110.5, 17.9), (109.0, 17.9),
    (108.3, 18.8), (108.4, 21.3), (107.95, 21.5), (107.4, 21.6), (106.7, 22.0),
    (106.55, 22.4), (106.75, 22.85), (105.9, 22.95), (105.3, 23.3), (104.5, 22.8),
    (104.0, 22.5), (103.0, 22.6), (102.2, 22.4), (101.7, 22.2), (101.6, 21.2), (101.1, 21.5),
    (100.5, 21.5), (99.9, 22.0), (99.2, 22.1), (98.9, 23.2), (97.7, 23.9), (97.6, 24.8),
    (98.7, 25.9), (98.7, 27.5), (97.5, 28.3), (96.0, 29.4), (94.0, 29.3), (92.0, 27.8),
    (90.0, 28.0), (88.9, 27.3), (88.1, 27.9), (86.0, 28.0), (84.0, 28.5), (82.0, 30.1),
    (81.2, 30.0), (79.0, 31.4), (78.7, 32.5), (78.0, 34.5), (77.8, 35.5), (76.0, 35.8),
    (74.8, 37.0), (73.6, 39.4), (74.0, 40.3), (76.0, 40.4), (78.0, 41.2), (80.2, 42.1),
    (80.3, 43.0), (80.7, 45.0), (82.5, 45.3), (83.0, 47.2), (85.5, 47.0), (87.3, 49.1),
    (88.0, 48.5), (90.0, 47.8), (91.0, 46.0), (93.5, 44.9), (95.5, 44.2), (97.0, 42.8),
    (100.0, 42.6), (105.0, 41.6), (107.0, 42.3), (110.0, 42.6), (111.9, 43.7), (114.0, 44.7),
    (116.7, 46.3), (118.0, 47.0), (115.6, 47.9), (116.7, 49.8), (119.0, 50.0), (120.8, 53.2),
    (122.3, 53.5), (125.5, 53.1), (127.5, 49.8), (130.6, 48.9), (132.5, 47.7),
)

# Hong Kong: south of the Shenzhen River and the middle of Deep Bay (深圳湾).
_HONG_KONG: tuple[tuple[float, float], ...] = (
    (113.82, 22.15), (113.82, 22.40), (113.93, 22.465), (114.02, 22.50), (114.09, 22.525),
    (114.15, 22.543), (114.23, 22.55), (114.32, 22.57), (114.50, 22.45), (114.50, 22.15),
)
_MACAU: tuple[tuple[float, float], ...] = (
    (113.52, 22.10), (113.52, 22.22), (113.555, 22.215), (113.60, 22.18), (113.60, 22.10),
)
_TAIWAN: tuple[tuple[float, float], ...] = (
    (119.2, 21.8), (119.2, 25.5), (122.3, 25.5), (122.3, 21.8),
)


@dataclass(frozen=True)
class ChinaArea:
    """Where GCJ-02 applies: the mainland outline, with HK and Macau as a setting."""

    shift_hk_macau: bool = False

    def contains(self, lon: float, lat: float) -> bool:
        """Whether a WGS-84 (or GCJ-02) point lies where GCJ-02 shifts apply."""
        mainland, hk_macau, taiwan = _areas()
        point = _ShapelyPoint(lon, lat)
        if not mainland.contains(point) or taiwan.contains(point):
            return False
        return self.shift_hk_macau or not hk_macau.contains(point)


@lru_cache(maxsize=1)
def _areas() -> tuple[PreparedGeometry, PreparedGeometry, PreparedGeometry]:
    hk_macau = Polygon(_HONG_KONG).union(Polygon(_MACAU))
    return prep(Polygon(_MAINLAND)), prep(hk_macau), prep(Polygon(_TAIWAN))


DEFAULT_AREA = ChinaArea()


@dataclass(frozen=True)
class Point:
    """A longitude/latitude pair in degrees with the CRS it is expressed in."""

    lon: float
    lat: float
    crs: CRS = CRS.WGS84

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lon <= 180.0) or not (-90.0 <= self.lat <= 90.0):
            raise ValueError(
                f"point ({self.lon}, {self.lat}): longitude must lie in [-180, 180] and "
                "latitude in [-90, 90]; were they swapped?"
            )
        object.__setattr__(self, "crs", CRS.parse(self.crs))

    def to(self, crs: CRS | str, area: ChinaArea = DEFAULT_AREA) -> Point:
        """This point in ``crs`` (itself when it is already there)."""
        return convert(self, crs, area)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return ret


def wgs84_to_gcj02(lon: float, lat: float, area: ChinaArea = DEFAULT_AREA) -> tuple[float, float]:
    """Forward GCJ-02 shift of a WGS-84 point (unchanged outside the shifted area)."""
    if not area.contains(lon, lat):
        return lon, lat
    d_lat = _transform_lat(lon - 105.0, lat - 35.0)
    d_lon = _transform_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lon + d_lon, lat + d_lat


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    """Forward BD-09 transform of a GCJ-02 point."""
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


Transform = Callable[[float, float], tuple[float, float]]


def _invert(forward: Transform, lon: float, lat: float) -> tuple[float, float]:
    """Solve forward(x) = (lon, lat) by fixed-point iteration from x = (lon, lat)."""
    x_lon, x_lat = lon, lat
    for _ in range(_MAX_ITERATIONS):
        f_lon, f_lat = forward(x_lon, x_lat)
        e_lon, e_lat = f_lon - lon, f_lat - lat
        if abs(e_lon) < _TOLERANCE_DEG and abs(e_lat) < _TOLERANCE_DEG:
            break
        x_lon, x_lat = x_lon - e_lon, x_lat - e_lat
    return x_lon, x_lat


def gcj02_to_wgs84(lon: float, lat: float, area: ChinaArea = DEFAULT_AREA) -> tuple[float, float]:
    """Exact (iterative) inverse of :func:`wgs84_to_gcj02`, to about 0.1 mm."""
    return _invert(lambda x, y: wgs84_to_gcj02(x, y, area), lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Exact (iterative) inverse of :func:`gcj02_to_bd09`."""
    return _invert(gcj02_to_bd09, lon, lat)


def convert(point: Point, crs: CRS | str, area: ChinaArea = DEFAULT_AREA) -> Point:
    """``point`` expressed in ``crs``; a point already in that datum comes back as it is."""
    target = CRS.parse(crs)
    source_base, target_base = _BASE[point.crs], _BASE[target]
    if source_base == target_base:
        return Point(point.lon, point.lat, target)

    lon, lat = point.lon, point.lat
    if source_base == CRS.BD09:
        lon, lat = bd09_to_gcj02(lon, lat)
    elif source_base == CRS.WGS84:
        lon, lat = wgs84_to_gcj02(lon, lat, area)
    # now (lon, lat) is GCJ-02
    if target_base == CRS.WGS84:
        lon, lat = gcj02_to_wgs84(lon, lat, area)
    elif target_base == CRS.BD09:
        lon, lat = gcj02_to_bd09(lon, lat)
    return Point(lon, lat, target)


def convert_many(
    points: Iterable[Point], crs: CRS | str, area: ChinaArea = DEFAULT_AREA
) -> list[Point]:
    """Every point in ``crs``; the same arithmetic as :func:`convert`, point by point."""
    return [convert(point, crs, area) for point in points]


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two points (same CRS required)."""
    if _BASE[a.crs] != _BASE[b.crs]:
        raise ValueError(f"distance between {a.crs.value} and {b.crs.value}: convert one first")
    r = 6371008.8
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))
