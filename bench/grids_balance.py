"""Benchmark of ``civicgrid.grids.balance`` on generated lattices (seed 20261204).

Scenarios (each runs in its own process so peak memory is its own):

* ``lattice``: 2,025 units (45 x 45 unit squares, log-normal workloads) into 100 grids
  within ±5%, from the seeded start plan (no current grids). Goal: < 10 s, all contiguous.
* ``drift``: the plan from ``lattice`` one year on: every unit's workload drifts by a
  seeded log-normal factor (sigma 0.15); a small adjustment (--max-moves 150) restores ±5%.
* ``district``: 20,000 units (200 x 100) in 100 communities (20 x 10 units each) into 2,000
  grids (about 10 units each) within ±10%. Goal: < 5 minutes on 2 cores.
* ``district-5``: the same within ±5%.

Run: ``PYTHONPATH=src python bench/grids_balance.py`` (all scenarios) or
``--scenario NAME``; ``--write-lattice FILE`` writes the 45 x 45 lattice for timing the
CLI. Wall time includes building the contiguity graph, not file reading.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np

from civicgrid.grids.balance import BalanceOptions, balance_units
from civicgrid.grids.synthetic import lattice_units
from civicgrid.grids.units import units_from_features

SEED = 20261204


def run_lattice() -> dict[str, Any]:
    """2,025 units into 100 grids within ±5% from the seeded start plan."""
    units = units_from_features(lattice_units(45, 45, seed=SEED)["features"])
    started = time.perf_counter()
    result = balance_units(units, BalanceOptions(target_count=100, tolerance=0.05, seed=SEED))
    return _figures("lattice 2,025 -> 100, ±5%", result, time.perf_counter() - started)


def run_drift() -> dict[str, Any]:
    """A year's load drift on the lattice plan, repaired by a small adjustment."""
    features = lattice_units(45, 45, seed=SEED)["features"]
    units = units_from_features(features)
    first = balance_units(units, BalanceOptions(target_count=100, tolerance=0.05, seed=SEED))
    rng = np.random.default_rng(SEED + 1)
    for feature, grid in zip(features, first.new_grid):
        feature["properties"]["grid"] = grid
        factor = rng.lognormal(-0.15**2 / 2, 0.15)
        feature["properties"]["workload"] = round(feature["properties"]["workload"] * factor, 3)
    drifted = units_from_features(features, current_col="grid")
    started = time.perf_counter()
    options = BalanceOptions(target_count=100, tolerance=0.05, max_moves=150, seed=SEED)
    result = balance_units(drifted, options)
    return _figures("drift: small adjustment, --max-moves 150, ±5%", result,
                    time.perf_counter() - started)


def run_district(tolerance: float = 0.10) -> dict[str, Any]:
    """20,000 units in 100 communities into 2,000 grids within the tolerance."""
    collection = lattice_units(200, 100, seed=SEED, community_shape=(20, 10))
    units = units_from_features(collection["features"])
    started = time.perf_counter()
    options = BalanceOptions(target_count=2000, tolerance=tolerance, seed=SEED,
                             time_budget_seconds=280)
    result = balance_units(units, options)
    return _figures(f"district 20,000 -> 2,000 in 100 communities, ±{tolerance:.0%}", result,
                    time.perf_counter() - started)


def run_district_tight() -> dict[str, Any]:
    """The district scenario within ±5% (about 10 units per grid makes this hard)."""
    return run_district(0.05)


def _figures(name: str, result: Any, seconds: float) -> dict[str, Any]:
    data = result.to_dict(with_grids=False)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "scenario": name,
        "wall_seconds": round(seconds, 2),
        "peak_rss_mib": round(peak_mib, 1),
        "feasible": data["feasible"],
        "contiguous": data["contiguous"],
        "grids": data["grid_count"],
        "within_tolerance": data["after"]["within_tolerance"],
        "before_cv": data["before"]["cv"],
        "after_cv": data["after"]["cv"],
        "after_max_min": data["after"]["max_min_ratio"],
        "after_gini": data["after"]["gini"],
        "max_deviation": data["after"]["max_deviation"],
        "compactness": data["after"]["compactness"],
        "moved_units": data["moved_units"],
        "problems": [p["kind"] for p in data["problems"]],
    }


SCENARIOS = {
    "lattice": run_lattice,
    "drift": run_drift,
    "district": run_district,
    "district-5": run_district_tight,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--write-lattice", metavar="FILE",
                        help="Only write the 45 x 45 lattice as GeoJSON (for timing the CLI).")
    args = parser.parse_args()
    if args.write_lattice:
        with open(args.write_lattice, "w", encoding="utf-8") as handle:
            json.dump(lattice_units(45, 45, seed=SEED), handle)
        return
    if args.scenario:
        print(json.dumps(SCENARIOS[args.scenario]()))
        return
    print(f"# {platform.machine()}, Python {platform.python_version()}, seed {SEED}")
    for name in SCENARIOS:
        out = subprocess.run([sys.executable, __file__, "--scenario", name], check=True,
                             capture_output=True, text=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
