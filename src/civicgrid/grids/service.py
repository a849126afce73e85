"""Public entry points of the grids package, for the API, the console and other packages.

Every function here is pure (files or plain Python objects in, dataclasses out) and needs
no database; the lead's service layer stores what they return. Each result has a
``to_dict()`` giving the JSON the API and the commands print.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from civicgrid.grids.balance import BalanceOptions, BalanceResult, balance_units
from civicgrid.grids.cover import CoverHelper, CoverPlan, CoverTask, spread_cover
from civicgrid.grids.geometry import (
    GridIssue,
    GridPolygon,
    OverlayResult,
    overlay_grids,
    read_grid_polygons,
    validate_grids,
)
from civicgrid.grids.locator import GridLocator
from civicgrid.grids.metrics import BalanceMetrics, LoadFlag, balance_metrics, load_flags
from civicgrid.grids.units import units_from_features
from civicgrid.grids.workload import (
    GridProfile,
    WeightFit,
    WorkloadEstimate,
    WorkloadWeights,
    estimate_workload,
    fit_weights,
)

__all__ = [
    "plan_adjustment", "grid_workloads", "fit_workload_weights", "workload_balance",
    "cover_absence", "load_grid_layer", "check_grid_layer", "overlay_layers", "grid_locator",
]


def plan_adjustment(
    features: list[dict[str, Any]],
    *,
    target_count: int,
    tolerance: float,
    current_col: str | None = None,
    max_moves: int | None = None,
    seed: int = 0,
    time_budget_seconds: float = 60.0,
) -> BalanceResult:
    """Re-cut unit features (GeoJSON dicts with a workload) into even, contiguous grids."""
    units = units_from_features(features, current_col=current_col)
    options = BalanceOptions(
        target_count=target_count, tolerance=tolerance, max_moves=max_moves, seed=seed,
        time_budget_seconds=time_budget_seconds,
    )
    return balance_units(units, options)


def grid_workloads(
    profiles: Sequence[GridProfile], weights: WorkloadWeights | None = None
) -> list[WorkloadEstimate]:
    """Expected monthly hours of each grid, with the parts that make them up."""
    return [estimate_workload(p, weights) for p in profiles]


def fit_workload_weights(
    observations: Sequence[tuple[GridProfile, float]], base: WorkloadWeights | None = None
) -> WeightFit:
    """Hour rates fitted to recorded monthly hours (NNLS), with R², RMSE and CV error."""
    return fit_weights(observations, base)


def workload_balance(
    loads: dict[str, float], band: float = 0.2
) -> tuple[BalanceMetrics, list[LoadFlag]]:
    """cv, max/min and Gini of grid (or worker) loads, and the over/underloaded ones."""
    return balance_metrics(list(loads.values())), load_flags(loads, band)


def cover_absence(
    tasks: Sequence[CoverTask], helpers: Sequence[CoverHelper], allow_overload: bool = False
) -> CoverPlan:
    """Spread an absent worker's tasks over neighbouring grids by spare capacity."""
    return spread_cover(tasks, helpers, allow_overload)


def load_grid_layer(path: Path, id_field: str | None = None) -> list[GridPolygon]:
    """Grid polygons from GeoJSON or Shapefile."""
    return read_grid_polygons(path, id_field)


def check_grid_layer(grids: list[GridPolygon], min_area: float | None = None) -> list[GridIssue]:
    """Overlaps, gaps, invalid rings, holes and duplicate ids of a grid layer."""
    return validate_grids(grids, min_area)


def overlay_layers(professional: list[GridPolygon], basic: list[GridPolygon]) -> OverlayResult:
    """Share of each basic grid's area in each professional grid."""
    return overlay_grids(professional, basic)


def grid_locator(grids: list[GridPolygon]) -> GridLocator:
    """A point-in-grid index; ``locate(x, y)`` gives exactly one grid id or None."""
    return GridLocator(grids)
