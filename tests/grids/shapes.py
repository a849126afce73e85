"""Small polygon builders shared by the grids tests."""

from __future__ import annotations

from typing import Any


def square(x: float, y: float, size: float = 1.0) -> list[list[list[float]]]:
    """Polygon coordinates of an axis-aligned square with its lower-left corner at (x, y)."""
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def feature(props: dict[str, Any], coords: list) -> dict[str, Any]:
    """A GeoJSON polygon feature."""
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon",
                                                                 "coordinates": coords}}


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": features}
