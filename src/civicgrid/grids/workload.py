"""A grid's expected hours per month as a sum of explained parts, and fitting its weights.

Parts of a grid's monthly workload (each returned with its quantity, rate and hours):

=================  ====================================================================
``cases``          per category: cases per month x hours per case (``case_hours``)
``visits``         per key group: people x visits per person per month
                   (``visit_frequency``) x ``visit_hours``
``houses``         houses x share inspected per month x ``house_inspection_hours``
``enterprises``    enterprises x inspections per month x ``enterprise_inspection_hours``
``patrol_area``    area in km² x ``patrol_hours_per_km2``
``patrol_roads``   road length in km x ``patrol_hours_per_road_km``
``travel``         field trips (visits + inspections) x mean trip length (half the square
                   root of the area, km) x ``travel_hours_per_trip_km``
=================  ====================================================================

The default weights are placeholders chosen to be plausible for a dense urban grid; they
are *not* taken from any regulation. A district sets its own through a JSON file or dict
(:func:`load_weights`), or fits the hour rates from recorded monthly hours with
non-negative least squares (:func:`fit_weights`, Lawson-Hanson NNLS via scipy), which reports
R², RMSE, MAE and a k-fold cross-validated RMSE. Visit frequencies and inspection shares are
policy, not fitted.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import nnls

log = logging.getLogger(__name__)

DEFAULT = "_default"


@dataclass
class GridProfile:
    """What a grid holds, per month where it is a count of events."""

    grid_id: str
    area_km2: float = 0.0
    road_km: float = 0.0
    houses: int = 0
    enterprises: int = 0
    cases_by_category: dict[str, float] = field(default_factory=dict)
    key_groups: dict[str, int] = field(default_factory=dict)


@dataclass
class WorkloadWeights:
    """Rates that turn a profile into hours (see the module docstring for each)."""

    case_hours: dict[str, float] = field(default_factory=lambda: {
        DEFAULT: 1.5, "环境卫生": 1.0, "占道经营": 1.5, "噪音扰民": 1.0,
        "矛盾纠纷": 3.0, "安全隐患": 2.0,
    })
    visit_frequency: dict[str, float] = field(default_factory=lambda: {
        DEFAULT: 1.0, "独居老人": 4.0, "特殊人群": 2.0, "残疾人": 1.0, "低保户": 1.0,
    })
    visit_hours: float = 0.5
    house_inspection_share: float = 0.25
    house_inspection_hours: float = 0.1
    enterprise_inspections: float = 1.0
    enterprise_inspection_hours: float = 0.5
    patrol_hours_per_km2: float = 4.0
    patrol_hours_per_road_km: float = 0.5
    travel_hours_per_trip_km: float = 0.1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkloadWeights:
        """Defaults overridden by the keys given; unknown keys are refused by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown workload weight(s) {unknown}; allowed keys: {sorted(known)}"
            )
        base = cls()
        updates: dict[str, Any] = {}
        for key, value in data.items():
            current = getattr(base, key)
            updates[key] = {**current, **value} if isinstance(current, dict) else float(value)
        return replace(base, **updates)

    def to_dict(self) -> dict[str, Any]:
        """All weights as a plain dict (the format :func:`load_weights` reads)."""
        return asdict(self)


@dataclass(frozen=True)
class WorkloadPart:
    """One explained part of a grid's monthly hours."""

    name: str
    detail: str
    quantity: float
    rate: float
    hours: float
    basis: str


@dataclass
class WorkloadEstimate:
    """A grid's expected hours per month and the parts that make them up."""

    grid_id: str
    parts: list[WorkloadPart]

    @property
    def total_hours(self) -> float:
        """Sum of the parts."""
        return float(sum(p.hours for p in self.parts))

    def by_part(self) -> dict[str, float]:
        """Hours per part name (categories and groups summed)."""
        totals: dict[str, float] = {}
        for part in self.parts:
            totals[part.name] = totals.get(part.name, 0.0) + part.hours
        return totals

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready estimate with every part."""
        return {
            "grid_id": self.grid_id,
            "total_hours": round(self.total_hours, 3),
            "by_part": {k: round(v, 3) for k, v in self.by_part().items()},
            "parts": [asdict(p) for p in self.parts],
        }


def load_weights(path: Path | None = None) -> WorkloadWeights:
    """Weights from a JSON file of overrides, or the defaults when no path is given."""
    if path is None:
        return WorkloadWeights()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ValueError(f"weights file {str(path)!r} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"weights file {str(path)!r} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"weights file {str(path)!r} must hold a JSON object of weights")
    return WorkloadWeights.from_dict(data)


def estimate_workload(
    profile: GridProfile, weights: WorkloadWeights | None = None
) -> WorkloadEstimate:
    """Expected hours per month of one grid, as explained parts."""
    w = weights or WorkloadWeights()
    parts = _case_parts(profile, w) + _visit_parts(profile, w) + _inspection_parts(profile, w)
    parts += _patrol_parts(profile, w)
    parts.append(_travel_part(profile, w))
    return WorkloadEstimate(profile.grid_id, parts)


def _rate(table: Mapping[str, float], key: str) -> float:
    return float(table.get(key, table.get(DEFAULT, 0.0)))


def _case_parts(p: GridProfile, w: WorkloadWeights) -> list[WorkloadPart]:
    return [
        WorkloadPart("cases", category, float(count), _rate(w.case_hours, category),
                     float(count) * _rate(w.case_hours, category),
                     f"{count:g} cases/month x {_rate(w.case_hours, category):g} h per case")
        for category, count in sorted(p.cases_by_category.items())
    ]


def _visit_parts(p: GridProfile, w: WorkloadWeights) -> list[WorkloadPart]:
    parts = []
    for group, people in sorted(p.key_groups.items()):
        visits = people * _rate(w.visit_frequency, group)
        parts.append(WorkloadPart(
            "visits", group, visits, w.visit_hours, visits * w.visit_hours,
            f"{people} people x {_rate(w.visit_frequency, group):g} visits/month x "
            f"{w.visit_hours:g} h",
        ))
    return parts


def _inspection_parts(p: GridProfile, w: WorkloadWeights) -> list[WorkloadPart]:
    houses = p.houses * w.house_inspection_share
    firms = p.enterprises * w.enterprise_inspections
    return [
        WorkloadPart("houses", "出租屋/房屋巡查", houses, w.house_inspection_hours,
                     houses * w.house_inspection_hours,
                     f"{p.houses} houses x {w.house_inspection_share:g}/month x "
                     f"{w.house_inspection_hours:g} h"),
        WorkloadPart("enterprises", "企业检查", firms, w.enterprise_inspection_hours,
                     firms * w.enterprise_inspection_hours,
                     f"{p.enterprises} enterprises x {w.enterprise_inspections:g}/month x "
                     f"{w.enterprise_inspection_hours:g} h"),
    ]


def _patrol_parts(p: GridProfile, w: WorkloadWeights) -> list[WorkloadPart]:
    return [
        WorkloadPart("patrol_area", "巡查面积", p.area_km2, w.patrol_hours_per_km2,
                     p.area_km2 * w.patrol_hours_per_km2,
                     f"{p.area_km2:g} km² x {w.patrol_hours_per_km2:g} h/km²"),
        WorkloadPart("patrol_roads", "巡查道路", p.road_km, w.patrol_hours_per_road_km,
                     p.road_km * w.patrol_hours_per_road_km,
                     f"{p.road_km:g} km x {w.patrol_hours_per_road_km:g} h/km"),
    ]


def _trip_km(p: GridProfile, w: WorkloadWeights) -> float:
    trips = sum(p.key_groups[g] * _rate(w.visit_frequency, g) for g in p.key_groups)
    trips += p.houses * w.house_inspection_share + p.enterprises * w.enterprise_inspections
    return trips * 0.5 * math.sqrt(max(p.area_km2, 0.0))


def _travel_part(p: GridProfile, w: WorkloadWeights) -> WorkloadPart:
    km = _trip_km(p, w)
    return WorkloadPart("travel", "路途", km, w.travel_hours_per_trip_km,
                        km * w.travel_hours_per_trip_km,
                        f"{km:.3g} trip-km (trips x half the square root of the area) x "
                        f"{w.travel_hours_per_trip_km:g} h/km")


@dataclass
class WeightFit:
    """Fitted hour rates with how well they explain the recorded hours."""

    weights: WorkloadWeights
    fitted: dict[str, float]
    not_identifiable: list[str]
    observations: int
    r2: float
    rmse: float
    mae: float
    cv_rmse: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fit report."""
        return {
            "observations": self.observations,
            "r2": round(self.r2, 4),
            "rmse_hours": round(self.rmse, 3),
            "mae_hours": round(self.mae, 3),
            "cv_rmse_hours": None if self.cv_rmse is None else round(self.cv_rmse, 3),
            "fitted": {k: round(v, 4) for k, v in self.fitted.items()},
            "not_identifiable": self.not_identifiable,
            "weights": self.weights.to_dict(),
        }


def _design(
    profiles: Sequence[GridProfile], w: WorkloadWeights
) -> tuple[np.ndarray, list[str]]:
    categories = sorted({c for p in profiles for c in p.cases_by_category})
    names = [f"case_hours:{c}" for c in categories] + [
        "visit_hours", "house_inspection_hours", "enterprise_inspection_hours",
        "patrol_hours_per_km2", "patrol_hours_per_road_km", "travel_hours_per_trip_km",
    ]
    rows = []
    for p in profiles:
        visits = sum(n * _rate(w.visit_frequency, g) for g, n in p.key_groups.items())
        rows.append([p.cases_by_category.get(c, 0.0) for c in categories] + [
            visits, p.houses * w.house_inspection_share, p.enterprises * w.enterprise_inspections,
            p.area_km2, p.road_km, _trip_km(p, w),
        ])
    return np.asarray(rows, dtype=float), names


def fit_weights(
    observations: Sequence[tuple[GridProfile, float]],
    base: WorkloadWeights | None = None,
    folds: int = 5,
) -> WeightFit:
    """Fit hour rates to recorded monthly hours by non-negative least squares."""
    base = base or WorkloadWeights()
    if len(observations) < 2:
        raise ValueError(f"observations has {len(observations)} row(s); fitting needs 2 or more")
    profiles = [p for p, _ in observations]
    hours = np.array([h for _, h in observations], dtype=float)
    matrix, names = _design(profiles, base)
    present = np.abs(matrix).sum(axis=0) > 0
    coef = np.zeros(len(names))
    coef[present], _ = nnls(matrix[:, present], hours)
    predicted = matrix @ coef
    fitted = {n: float(c) for n, c, ok in zip(names, coef, present) if ok}
    residual = hours - predicted
    total = float(np.sum((hours - hours.mean()) ** 2))
    return WeightFit(
        weights=_apply(base, fitted),
        fitted=fitted,
        not_identifiable=[n for n, ok in zip(names, present) if not ok],
        observations=len(hours),
        r2=1.0 - float(np.sum(residual**2)) / total if total > 0 else 1.0,
        rmse=float(np.sqrt(np.mean(residual**2))),
        mae=float(np.mean(np.abs(residual))),
        cv_rmse=_cross_validated_rmse(matrix[:, present], hours, folds),
    )


def _cross_validated_rmse(matrix: np.ndarray, hours: np.ndarray, folds: int) -> float | None:
    if len(hours) < 2 * folds:
        return None
    order = np.random.default_rng(0).permutation(len(hours))
    errors = np.zeros(len(hours))
    for fold in np.array_split(order, folds):
        train = np.setdiff1d(order, fold)
        coef, _ = nnls(matrix[train], hours[train])
        errors[fold] = hours[fold] - matrix[fold] @ coef
    return float(np.sqrt(np.mean(errors**2)))


def _apply(base: WorkloadWeights, fitted: Mapping[str, float]) -> WorkloadWeights:
    cases = dict(base.case_hours)
    scalars: dict[str, float] = {}
    for name, value in fitted.items():
        if name.startswith("case_hours:"):
            cases[name.split(":", 1)[1]] = value
        else:
            scalars[name] = value
    return replace(base, case_hours=cases, **scalars)
