"""Rook contiguity between unit polygons, tolerant of tiny gaps and slivers.

Two units are neighbours when they share an *edge* (rook contiguity), not just a corner
(queen). Digitised boundaries rarely meet exactly, so each polygon is grown by a snap
distance ``snap`` (default 0.1% of the median unit size, i.e. the square root of the median
area) and the length of unit A's boundary lying inside grown unit B is measured; the pair is
a neighbour when that shared length exceeds ``10 * snap`` in both directions on average.
A corner contact yields only about ``3 * snap`` and is ignored.

The same pass reports overlaps: pairs whose common area exceeds 1% of the smaller polygon.
All work is vectorised through shapely 2 (an STRtree query, then array operations), so
20,000 units take a few seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import shapely

log = logging.getLogger(__name__)

OVERLAP_SHARE = 0.01
EDGE_FACTOR = 10.0


@dataclass
class UnitGraph:
    """Neighbours of each unit with the length of boundary they share."""

    neighbours: list[dict[int, float]]
    areas: np.ndarray
    perimeters: np.ndarray
    centroids: np.ndarray
    snap: float
    overlaps: list[tuple[int, int, float]] = field(default_factory=list)

    def islands(self) -> list[int]:
        """Units with no neighbour at all."""
        return [i for i, nb in enumerate(self.neighbours) if not nb]


def rook_graph(geometries: np.ndarray, snap: float | None = None) -> UnitGraph:
    """Neighbours sharing an edge, with shared lengths; ``snap`` in the data's units."""
    geoms = np.asarray(geometries, dtype=object)
    areas = shapely.area(geoms)
    scale = _median_size(geoms, areas)
    snap = float(snap) if snap is not None else 1e-3 * scale
    grown = shapely.buffer(geoms, snap, quad_segs=2)
    left, right = shapely.STRtree(geoms).query(grown, predicate="intersects")
    keep = left < right
    i, j = left[keep], right[keep]
    shared = _shared_lengths(geoms, grown, i, j)
    neighbours: list[dict[int, float]] = [{} for _ in range(len(geoms))]
    edge = shared > EDGE_FACTOR * snap
    for a, b, length in zip(i[edge], j[edge], shared[edge]):
        neighbours[int(a)][int(b)] = float(length)
        neighbours[int(b)][int(a)] = float(length)
    graph = UnitGraph(
        neighbours=neighbours,
        areas=areas,
        perimeters=shapely.length(geoms),
        centroids=shapely.get_coordinates(shapely.centroid(geoms)),
        snap=snap,
    )
    graph.overlaps = _overlaps(geoms, areas, i, j)
    log.debug("rook graph: %s units, %s edges, %s overlaps", len(geoms), int(edge.sum()),
             len(graph.overlaps))
    return graph


def _median_size(geoms: np.ndarray, areas: np.ndarray) -> float:
    positive = areas[areas > 0]
    if positive.size:
        return float(np.sqrt(np.median(positive)))
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    return float(max(xmax - xmin, ymax - ymin, 1.0)) / max(len(geoms), 1)


def _shared_lengths(
    geoms: np.ndarray, grown: np.ndarray, i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    if i.size == 0:
        return np.zeros(0)
    bounds = shapely.boundary(geoms)
    one_way = shapely.length(shapely.intersection(bounds[i], grown[j]))
    other_way = shapely.length(shapely.intersection(bounds[j], grown[i]))
    return (one_way + other_way) / 2.0


def _overlaps(
    geoms: np.ndarray, areas: np.ndarray, i: np.ndarray, j: np.ndarray
) -> list[tuple[int, int, float]]:
    if i.size == 0:
        return []
    touching = shapely.intersects(geoms[i], geoms[j])
    i, j = i[touching], j[touching]
    common = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    smaller = np.minimum(areas[i], areas[j])
    hit = common > OVERLAP_SHARE * np.maximum(smaller, 1e-300)
    return [(int(a), int(b), float(c)) for a, b, c in zip(i[hit], j[hit], common[hit])]
