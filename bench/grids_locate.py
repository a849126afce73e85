"""Benchmark of point-in-grid lookups (:class:`civicgrid.grids.locator.GridLocator`).

2,000 grids (a 40 x 50 lattice of unit squares, planar) and 200,000 seeded random points,
1% of them placed exactly on shared edges or corners. Printed: build time, bulk and
single-point throughput, and a check that every point inside the layer got exactly one grid.

Run: ``PYTHONPATH=src python bench/grids_locate.py``
"""

from __future__ import annotations

import json
import time

import numpy as np
from shapely.geometry import box

from civicgrid.grids.geometry import GridPolygon
from civicgrid.grids.locator import GridLocator

SEED = 20261204


def main() -> None:
    rng = np.random.default_rng(SEED)
    grids = [GridPolygon(f"G{r:02d}{c:02d}", box(c, r, c + 1, r + 1))
             for r in range(40) for c in range(50)]
    points = np.column_stack([rng.uniform(0, 50, 200_000), rng.uniform(0, 40, 200_000)])
    on_edges = rng.choice(len(points), size=2_000, replace=False)
    points[on_edges] = np.round(points[on_edges])
    started = time.perf_counter()
    locator = GridLocator(grids)
    built = time.perf_counter() - started
    started = time.perf_counter()
    bulk = locator.locate_many(map(tuple, points))
    bulk_seconds = time.perf_counter() - started
    started = time.perf_counter()
    single = [locator.locate(float(x), float(y)) for x, y in points[:20_000]]
    single_seconds = time.perf_counter() - started
    print(json.dumps({
        "grids": len(grids), "points": len(points), "edge_points": len(on_edges),
        "build_seconds": round(built, 3),
        "bulk_points_per_second": round(len(points) / bulk_seconds),
        "single_points_per_second": round(len(single) / single_seconds),
        "unlocated": sum(1 for g in bulk if g is None),
        "bulk_equals_single": bulk[:20_000] == single,
    }))


if __name__ == "__main__":
    main()
