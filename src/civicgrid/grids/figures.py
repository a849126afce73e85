"""Figures of a plan: per-grid load, deviation, tolerance, contiguity and compactness.

:func:`plan_figures` measures any labelling of the units (the plan before or after): the
balance metrics of the grid loads (:mod:`.metrics`), how many grids are within the
tolerance of the target load, whether each grid is one piece through real shared edges,
and the Polsby-Popper compactness ``4 pi A / P^2`` of each grid, with the perimeter taken
as the units' perimeters minus twice their internal shared edges (no polygon union needed).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from civicgrid.grids.contiguity import UnitGraph
from civicgrid.grids.metrics import balance_metrics
from civicgrid.grids.units import UnitSet


@dataclass
class PlanFigures:
    """Metrics of one plan (before or after)."""

    metrics: dict[str, Any]
    grids: list[dict[str, Any]]
    contiguous: bool

    def summary(self) -> dict[str, Any]:
        """The metrics with the contiguity flag (no per-grid list)."""
        return {**self.metrics, "contiguous": self.contiguous}


def plan_figures(
    units: UnitSet, graph: UnitGraph, labels: list[str], target: float, tolerance: float
) -> PlanFigures:
    """Per-grid loads, metrics, tolerance and contiguity of a labelling of the units."""
    members: dict[str, list[int]] = {}
    for unit, label in enumerate(labels):
        if label:
            members.setdefault(label, []).append(unit)
    grids = [
        _grid_row(label, units_of, units, graph, target, tolerance)
        for label, units_of in sorted(members.items())
    ]
    loads = [g["load"] for g in grids]
    metrics = balance_metrics(loads).to_dict()
    deviations = [abs(g["deviation"]) for g in grids] or [0.0]
    metrics.update({
        "grid_count": len(grids),
        "within_tolerance": sum(1 for g in grids if g["within_tolerance"]),
        "max_deviation": round(max(deviations), 4),
        "compactness": round(float(np.mean([g["compactness"] for g in grids] or [0.0])), 4),
    })
    return PlanFigures(metrics, grids, all(g["contiguous"] for g in grids))


def _grid_row(
    label: str, members: list[int], units: UnitSet, graph: UnitGraph, target: float,
    tolerance: float,
) -> dict[str, Any]:
    load = float(units.loads[members].sum())
    deviation = (load - target) / target if target > 0 else 0.0
    inside = set(members)
    internal = sum(
        length for u in members for n, length in graph.neighbours[u].items() if n in inside
    )  # each shared edge counted twice, which is what the perimeter needs
    area = float(graph.areas[members].sum())
    perimeter = float(graph.perimeters[members].sum()) - internal
    return {
        "grid": label,
        "community": units.communities[members[0]],
        "units": len(members),
        "load": round(load, 4),
        "deviation": round(deviation, 4),
        "within_tolerance": abs(deviation) <= tolerance + 1e-9,
        "contiguous": _connected(members, graph),
        "compactness": round(4 * math.pi * area / perimeter**2, 4) if perimeter > 0 else 0.0,
    }


def _connected(members: list[int], graph: UnitGraph) -> bool:
    inside = set(members)
    seen, queue = {members[0]}, deque([members[0]])
    while queue:
        node = queue.popleft()
        for nb in graph.neighbours[node]:
            if nb in inside and nb not in seen:
                seen.add(nb)
                queue.append(nb)
    return len(seen) == len(inside)
