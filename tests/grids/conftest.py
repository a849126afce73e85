"""Fixtures for the grids tests: small generated lattices written as GeoJSON files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from civicgrid.grids.synthetic import lattice_units


@pytest.fixture
def write_geojson(tmp_path: Path) -> Callable[[dict[str, Any], str], Path]:
    """Writes a FeatureCollection dict to a file under tmp_path and returns the path."""

    def write(collection: dict[str, Any], name: str = "units.geojson") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(collection), encoding="utf-8")
        return path

    return write


@pytest.fixture
def lattice_file(write_geojson: Callable[[dict[str, Any], str], Path]) -> Path:
    """10 x 10 generated units with a current plan of ten 2 x 5 grids."""
    return write_geojson(lattice_units(10, 10, seed=7, current_shape=(2, 5)), "lattice.geojson")
