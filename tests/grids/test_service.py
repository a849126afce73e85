"""The public service entry points work on plain inputs."""

from __future__ import annotations

from civicgrid.grids import service
from civicgrid.grids.synthetic import lattice_units


def test_plan_adjustment_from_feature_dicts() -> None:
    features = lattice_units(6, 6, seed=2, current_shape=(3, 3))["features"]
    result = service.plan_adjustment(features, target_count=4, tolerance=0.1,
                                     current_col="grid", max_moves=6)
    assert result.moved_units <= 6 and len(result.new_grid) == 36


def test_workload_balance_flags_the_heavy_grid() -> None:
    metrics, flags = service.workload_balance({"a": 100, "b": 100, "c": 200})
    assert metrics.max_min_ratio == 2.0
    assert [f.key for f in flags if f.flag == "overloaded"] == ["c"]
