"""GridLocator: a point belongs to exactly one grid, edges included."""

from __future__ import annotations

from shapely.geometry import Polygon, box

from civicgrid.grids.geometry import GridPolygon
from civicgrid.grids.locator import GridLocator


def two_by_two() -> GridLocator:
    return GridLocator([GridPolygon("B", box(1, 0, 2, 1)), GridPolygon("A", box(0, 0, 1, 1)),
                        GridPolygon("D", box(1, 1, 2, 2)), GridPolygon("C", box(0, 1, 1, 2))])


def test_interior_point_is_in_its_grid() -> None:
    assert two_by_two().locate(1.5, 0.5) == "B"


def test_point_on_shared_edge_belongs_to_the_smallest_id() -> None:
    assert two_by_two().locate(1.0, 0.5) == "A"


def test_point_on_shared_corner_belongs_to_one_grid() -> None:
    assert two_by_two().locate(1.0, 1.0) == "A"


def test_point_outside_every_grid_is_none() -> None:
    assert two_by_two().locate(5, 5) is None


def test_point_in_a_rounding_sliver_between_grids_still_lands_once() -> None:
    locator = GridLocator([GridPolygon("R", box(1 + 1e-12, 0, 2, 1)),
                           GridPolygon("L", box(0, 0, 1, 1))])
    assert locator.locate(1 + 5e-13, 0.5) == "L"


def test_every_point_of_a_diagonal_edge_lands_in_exactly_one_grid() -> None:
    left = Polygon([(0, 0), (1, 0), (0.3, 1), (0, 1)])
    right = Polygon([(1, 0), (2, 0), (2, 1), (0.3, 1)])
    locator = GridLocator([GridPolygon("R", right), GridPolygon("L", left)])
    found = {locator.locate(1 - 0.7 * t / 10, t / 10) for t in range(11)}
    assert None not in found and found <= {"L", "R"}


def test_bulk_lookup_agrees_with_single_lookups() -> None:
    locator = two_by_two()
    points = [(0.5, 0.5), (1.0, 0.5), (1.0, 1.0), (1.5, 1.5), (7.0, 7.0), (0.0, 0.0)]
    assert locator.locate_many(points) == [locator.locate(x, y) for x, y in points]
