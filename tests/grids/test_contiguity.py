"""Rook contiguity: shared edges count, corners do not, tiny gaps are bridged."""

from __future__ import annotations

import numpy as np
from shapely.geometry import Polygon, box

from civicgrid.grids.contiguity import rook_graph


def test_units_sharing_an_edge_are_neighbours() -> None:
    graph = rook_graph(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1)], dtype=object))
    assert 1 in graph.neighbours[0]


def test_units_touching_at_a_corner_are_not_neighbours() -> None:
    graph = rook_graph(np.array([box(0, 0, 1, 1), box(1, 1, 2, 2)], dtype=object))
    assert graph.neighbours[0] == {}


def test_tiny_gap_between_edges_is_bridged() -> None:
    graph = rook_graph(np.array([box(0, 0, 1, 1), box(1.0002, 0, 2, 1)], dtype=object))
    assert 1 in graph.neighbours[0]


def test_shared_length_is_the_edge_length() -> None:
    graph = rook_graph(np.array([box(0, 0, 1, 1), box(1, 0, 2, 0.5)], dtype=object))
    assert abs(graph.neighbours[0][1] - 0.5) < 0.01


def test_unit_far_from_others_is_an_island() -> None:
    graph = rook_graph(np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(9, 9, 10, 10)],
                                dtype=object))
    assert graph.islands() == [2]


def test_overlap_is_found_and_edge_contact_is_not() -> None:
    geoms = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), Polygon([(1.5, 0), (3, 0), (3, 1)])],
                     dtype=object)
    graph = rook_graph(geoms)
    assert [(a, b) for a, b, _ in graph.overlaps] == [(1, 2)]
