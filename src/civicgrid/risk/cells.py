"""A fixed grid of about 1 km cells laid over coordinates, for data without region names.

Cells are squares of ``size_km`` on a local equirectangular projection whose longitude scale
is taken at the median latitude of the data (so a cell is about as wide as it is tall near
the data, which is all a district-sized area needs). Points that cannot be placed, (0, 0),
out-of-range or non-numeric coordinates, are left out and counted by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class Grid:
    """A square grid: cell ``(ix, iy)`` spans ``size_km`` from the origin on both axes."""

    origin_lat: float
    origin_lon: float
    lon_scale: float  # km per degree of longitude at the reference latitude
    size_km: float = 1.0

    def cell_of(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Integer cell indices (ix, iy) of points."""
        iy = np.floor((lat - self.origin_lat) * KM_PER_DEGREE / self.size_km).astype(np.int64)
        ix = np.floor((lon - self.origin_lon) * self.lon_scale / self.size_km).astype(np.int64)
        return ix, iy

    def centre_km(self, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
        """Cell centres in km from the origin, shape (n, 2) as (x, y)."""
        return np.column_stack([(ix + 0.5) * self.size_km, (iy + 0.5) * self.size_km])


def usable_coordinates(lat: list[str | None], lon: list[str | None]) -> tuple[np.ndarray, ...]:
    """Parse coordinate strings; returns (lat, lon, usable mask)."""
    n = len(lat)
    la, lo = np.full(n, np.nan), np.full(n, np.nan)
    for i, (a, b) in enumerate(zip(lat, lon, strict=True)):
        try:
            la[i], lo[i] = float(a or "nan"), float(b or "nan")
        except ValueError:
            continue
    ok = np.isfinite(la) & np.isfinite(lo)
    ok &= (np.abs(la) <= 90) & (np.abs(lo) <= 180)
    ok &= ~((np.abs(la) < 1e-6) & (np.abs(lo) < 1e-6))  # (0, 0): "no location" in many exports
    return la, lo, ok


def grid_over(lat: np.ndarray, lon: np.ndarray, size_km: float = 1.0) -> Grid:
    """A grid anchored at the south-west corner of the points."""
    if lat.size == 0:
        return Grid(0.0, 0.0, KM_PER_DEGREE, size_km)
    ref = float(np.median(lat))
    scale = KM_PER_DEGREE * max(math.cos(math.radians(ref)), 0.01)
    return Grid(float(lat.min()), float(lon.min()), scale, size_km)


def cell_names(ix: np.ndarray, iy: np.ndarray) -> list[str]:
    """Region names ``cell:ix:iy`` for grid cells."""
    return [f"cell:{a}:{b}" for a, b in zip(ix.tolist(), iy.tolist(), strict=True)]
