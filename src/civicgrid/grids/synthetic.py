"""Generated lattices of units for tests, benchmarks and demos (labelled as generated).

:func:`lattice_units` lays ``rows x cols`` unit squares of side 1 (plain planar
coordinates), gives each a workload drawn from a seeded log-normal distribution (so loads
vary about threefold between the 5th and 95th percentiles), optionally groups them into
rectangular communities, and optionally draws a current plan of rectangular grids. The
output is a GeoJSON FeatureCollection dict, the same shape the ``grids balance`` command
reads.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def lattice_units(
    rows: int,
    cols: int,
    *,
    seed: int = 20261204,
    community_shape: tuple[int, int] | None = None,
    current_shape: tuple[int, int] | None = None,
    mean_load: float = 10.0,
    spread: float = 0.35,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of a seeded lattice of unit squares with workloads."""
    if rows < 1 or cols < 1:
        raise ValueError(f"rows={rows}, cols={cols}; both must be 1 or more")
    rng = np.random.default_rng(seed)
    sigma = spread
    loads = rng.lognormal(math.log(mean_load) - sigma**2 / 2, sigma, size=(rows, cols))
    features = []
    for r in range(rows):
        for c in range(cols):
            props: dict[str, Any] = {
                "id": f"u{r:03d}-{c:03d}",
                "workload": round(float(loads[r, c]), 3),
                "generated": True,
            }
            if community_shape:
                props["community"] = _block_name("C", r, c, community_shape, cols)
            if current_shape:
                props["grid"] = _block_name("G", r, c, current_shape, cols)
            features.append(_square(r, c, props))
    return {"type": "FeatureCollection", "features": features}


def _block_name(prefix: str, r: int, c: int, shape: tuple[int, int], cols: int) -> str:
    per_row = math.ceil(cols / shape[1])
    return f"{prefix}{(r // shape[0]) * per_row + c // shape[1] + 1:04d}"


def _square(r: int, c: int, props: dict[str, Any]) -> dict[str, Any]:
    ring = [[c, r], [c + 1, r], [c + 1, r + 1], [c, r + 1], [c, r]]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
