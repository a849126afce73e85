"""Benchmark of the workload weight fit (NNLS) on generated grid-months (seed 20261204).

1,978 generated grid profiles (the number of 南山 grids) get monthly hours from planted
weights plus Gaussian noise (sd 10% of each grid's hours, i.e. recording error); the weights
are fitted back with :func:`civicgrid.grids.workload.fit_weights`. Printed: R², RMSE, MAE,
5-fold cross-validated RMSE, each fitted rate's relative error, and wall time.

Run: ``PYTHONPATH=src python bench/grids_workload.py``
"""

from __future__ import annotations

import json
import time

import numpy as np

from civicgrid.grids.workload import GridProfile, WorkloadWeights, estimate_workload, fit_weights

SEED = 20261204
CATEGORIES = ("环境卫生", "占道经营", "噪音扰民", "矛盾纠纷", "安全隐患")


def profile(rng: np.random.Generator, number: int) -> GridProfile:
    """One generated grid (a dense urban grid of about 0.1-2 km²)."""
    return GridProfile(
        grid_id=f"g{number:04d}",
        area_km2=float(rng.uniform(0.1, 2.0)),
        road_km=float(rng.uniform(1, 15)),
        houses=int(rng.integers(200, 3000)),
        enterprises=int(rng.integers(0, 200)),
        cases_by_category={c: float(rng.poisson(lam)) for c, lam in
                           zip(CATEGORIES, (30, 12, 15, 5, 8))},
        key_groups={"独居老人": int(rng.integers(0, 40)), "残疾人": int(rng.integers(0, 20)),
                    "特殊人群": int(rng.integers(0, 10))},
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    planted = WorkloadWeights.from_dict({
        "case_hours": {"环境卫生": 0.8, "占道经营": 1.7, "噪音扰民": 1.2, "矛盾纠纷": 2.6,
                       "安全隐患": 2.1},
        "visit_hours": 0.6, "house_inspection_hours": 0.12, "enterprise_inspection_hours": 0.45,
        "patrol_hours_per_km2": 5.0, "patrol_hours_per_road_km": 0.3,
        "travel_hours_per_trip_km": 0.12,
    })
    profiles = [profile(rng, i) for i in range(1978)]
    observations = []
    for p in profiles:
        hours = estimate_workload(p, planted).total_hours
        observations.append((p, hours + float(rng.normal(0, 0.1 * hours))))
    started = time.perf_counter()
    fit = fit_weights(observations)
    seconds = time.perf_counter() - started
    truth = {f"case_hours:{c}": planted.case_hours[c] for c in CATEGORIES}
    truth.update({k: getattr(planted, k) for k in fit.fitted if not k.startswith("case_hours")})
    errors = {k: abs(fit.fitted[k] - v) / v for k, v in truth.items()}
    worst = max(errors, key=errors.__getitem__)
    print(json.dumps({
        "grids": len(observations), "r2": round(fit.r2, 4), "rmse_hours": round(fit.rmse, 2),
        "mae_hours": round(fit.mae, 2), "cv_rmse_hours": round(fit.cv_rmse or 0.0, 2),
        "mean_hours": round(float(np.mean([h for _, h in observations])), 1),
        "rate_relative_errors": {k: round(v, 3) for k, v in errors.items()},
        "worst_rate": worst, "wall_seconds": round(seconds, 3),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
