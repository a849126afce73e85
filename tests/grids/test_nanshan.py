"""The generated 南山 demo base: labelled generated, inside the real streets when present."""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import shape

from civicgrid.grids.nanshan import STREETS, find_streets_file, generate_nanshan

SMALL = {"communities_per_street": 3, "grids_per_community": 3, "units_per_grid": 3}


def test_every_feature_is_labelled_generated() -> None:
    base = generate_nanshan(None, street="蛇口街道", **SMALL)
    layers = base.communities + base.grids + base.units
    assert layers and all(f["properties"]["generated"] is True for f in layers)


def test_without_the_street_file_shapes_surround_the_centre_point() -> None:
    base = generate_nanshan(None, street="粤海街道", **SMALL)
    _, _, lon, lat, _ = next(s for s in STREETS if s[1] == "粤海街道")
    union = shapely.union_all([shape(f["geometry"]) for f in base.communities])
    assert "generated shapes" in base.street_shapes
    assert union.contains(shapely.Point(lon, lat))


def test_grids_lie_inside_the_real_street_polygon(shared_data: Path) -> None:
    streets_file = find_streets_file([shared_data])
    assert streets_file is not None
    base = generate_nanshan(streets_file, street="粤海街道", **SMALL)
    streets = json.loads(streets_file.read_text(encoding="utf-8"))["features"]
    outline = shape(next(f for f in streets if f["properties"]["name"] == "粤海街道")["geometry"])
    grids = shapely.union_all([shape(f["geometry"]) for f in base.grids])
    assert "real street polygons" in base.street_shapes
    assert outline.buffer(1e-6).contains(grids)
    assert grids.area / outline.area > 0.99


def test_units_carry_their_grid_and_a_workload() -> None:
    base = generate_nanshan(None, street="南头街道", **SMALL)
    grid_ids = {f["properties"]["grid_id"] for f in base.grids}
    assert {f["properties"]["grid"] for f in base.units} == grid_ids
    assert all(f["properties"]["workload"] > 0 for f in base.units)


def test_unknown_street_is_refused_with_the_choices() -> None:
    try:
        generate_nanshan(None, street="福田街道")
    except ValueError as exc:
        assert "粤海街道" in str(exc)
    else:
        raise AssertionError("an unknown street must be refused")


def test_a_generated_street_can_be_rebalanced() -> None:
    from civicgrid.grids.balance import BalanceOptions, balance_units
    from civicgrid.grids.units import units_from_features

    base = generate_nanshan(None, street="蛇口街道", communities_per_street=2,
                            grids_per_community=4, units_per_grid=5)
    units = units_from_features(base.units, current_col="grid")
    result = balance_units(units, BalanceOptions(target_count=8, tolerance=0.1, seed=1))
    assert result.contiguous and result.after.metrics["cv"] < result.before.metrics["cv"]
