"""Workload model: parts add up, weights come from config, NNLS recovers planted rates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from civicgrid.grids.workload import (
    GridProfile,
    WorkloadWeights,
    estimate_workload,
    fit_weights,
    load_weights,
)


def sample_profile(rng: np.random.Generator, number: int) -> GridProfile:
    return GridProfile(
        grid_id=f"g{number}",
        area_km2=float(rng.uniform(0.1, 2.0)),
        road_km=float(rng.uniform(1, 15)),
        houses=int(rng.integers(200, 3000)),
        enterprises=int(rng.integers(0, 200)),
        cases_by_category={"环境卫生": float(rng.integers(0, 60)),
                           "矛盾纠纷": float(rng.integers(0, 15))},
        key_groups={"独居老人": int(rng.integers(0, 40)), "残疾人": int(rng.integers(0, 20))},
    )


def test_parts_sum_to_the_total() -> None:
    estimate = estimate_workload(sample_profile(np.random.default_rng(1), 1))
    assert estimate.total_hours == pytest.approx(sum(p.hours for p in estimate.parts))
    assert sum(estimate.by_part().values()) == pytest.approx(estimate.total_hours)


def test_every_part_explains_itself() -> None:
    estimate = estimate_workload(sample_profile(np.random.default_rng(2), 2))
    assert {"cases", "visits", "houses", "enterprises", "patrol_area", "patrol_roads",
            "travel"} == set(estimate.by_part())
    assert all(p.hours == pytest.approx(p.quantity * p.rate) for p in estimate.parts)


def test_case_hours_use_the_configured_rate() -> None:
    weights = WorkloadWeights.from_dict({"case_hours": {"噪音扰民": 2.5}})
    profile = GridProfile("g", cases_by_category={"噪音扰民": 4})
    assert estimate_workload(profile, weights).by_part()["cases"] == pytest.approx(10.0)


def test_weights_file_overrides_defaults(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({"visit_hours": 0.75}), encoding="utf-8")
    weights = load_weights(path)
    assert weights.visit_hours == 0.75 and weights.patrol_hours_per_km2 == 4.0


def test_unknown_weight_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="visit_hourz"):
        WorkloadWeights.from_dict({"visit_hourz": 1})


def test_nnls_recovers_planted_weights() -> None:
    rng = np.random.default_rng(20261204)
    planted = WorkloadWeights.from_dict({
        "case_hours": {"环境卫生": 0.8, "矛盾纠纷": 2.6}, "visit_hours": 0.6,
        "house_inspection_hours": 0.15, "enterprise_inspection_hours": 0.4,
        "patrol_hours_per_km2": 5.0, "patrol_hours_per_road_km": 0.3,
        "travel_hours_per_trip_km": 0.12,
    })
    profiles = [sample_profile(rng, i) for i in range(120)]
    observations = [(p, estimate_workload(p, planted).total_hours) for p in profiles]
    fit = fit_weights(observations)
    assert fit.fitted["case_hours:矛盾纠纷"] == pytest.approx(2.6, rel=1e-3)
    assert fit.weights.visit_hours == pytest.approx(0.6, rel=1e-3)
    assert fit.weights.travel_hours_per_trip_km == pytest.approx(0.12, rel=1e-3)
    assert fit.r2 > 0.999


def test_fit_reports_error_on_noisy_hours() -> None:
    rng = np.random.default_rng(5)
    profiles = [sample_profile(rng, i) for i in range(60)]
    observations = [(p, estimate_workload(p).total_hours + float(rng.normal(0, 5)))
                    for p in profiles]
    fit = fit_weights(observations)
    assert 2.0 < fit.rmse < 8.0 and fit.cv_rmse is not None and fit.cv_rmse >= fit.rmse
