"""Atomic units for re-cutting grids, read from GeoJSON.

An atomic unit is the smallest piece a grid is built from (a block, a building, an estate).
Each GeoJSON feature is one unit with a polygon and these properties (names configurable):

* ``workload``: the unit's load (hours per month or any consistent measure). A missing,
  empty, non-numeric or negative value is read as 0 and reported as a ``missing_workload``
  problem, because a plan built on it cannot be trusted.
* the current grid (``--current-col``), optional: the plan before the adjustment.
* ``community``: the community (社区) the unit lies in; new grids never cross communities.
  Absent everywhere means one community.
* ``fixed``: true pins the unit to its current grid.
* ``keep_with``: units with the same value move together, so a large estate stays whole.
* an id (``id``/``unit_id`` property or the feature ``id``); else the 1-based feature number.

Problems with the input are collected (never raised) so the balancer can say what is
infeasible and still return its best plan; only an unreadable file raises
:class:`UnitFileError`.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

log = logging.getLogger(__name__)

ID_PROPERTIES = ("id", "unit_id", "uid")


class UnitFileError(ValueError):
    """A units file that cannot be read at all; the message names the feature and the fix."""


@dataclass
class Problem:
    """One thing that keeps a plan from being fully feasible, with the units it concerns."""

    kind: str
    message: str
    units: list[str] = field(default_factory=list)
    blocking: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict (at most 50 unit ids listed)."""
        return {
            "kind": self.kind,
            "message": self.message,
            "units": self.units[:50],
            "unit_count": len(self.units),
            "blocking": self.blocking,
        }


@dataclass
class UnitSet:
    """Units in file order: ids, polygons, loads and the optional plan attributes."""

    ids: list[str]
    geometries: np.ndarray
    loads: np.ndarray
    communities: list[str]
    current: list[str] | None = None
    fixed: np.ndarray | None = None
    keep_with: list[str | None] | None = None
    features: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)


def read_units_geojson(
    path: Path,
    *,
    workload_col: str = "workload",
    current_col: str | None = None,
    community_col: str = "community",
    fixed_col: str = "fixed",
    keep_with_col: str = "keep_with",
) -> UnitSet:
    """Read a GeoJSON FeatureCollection of unit polygons into a :class:`UnitSet`."""
    features = _load_features(path)
    return units_from_features(
        features,
        workload_col=workload_col,
        current_col=current_col,
        community_col=community_col,
        fixed_col=fixed_col,
        keep_with_col=keep_with_col,
    )


def units_from_features(
    features: list[dict[str, Any]],
    *,
    workload_col: str = "workload",
    current_col: str | None = None,
    community_col: str = "community",
    fixed_col: str = "fixed",
    keep_with_col: str = "keep_with",
) -> UnitSet:
    """Build a :class:`UnitSet` from GeoJSON feature dicts (see the module docstring)."""
    props = [dict(f.get("properties") or {}) for f in features]
    ids = _unit_ids(features, props)
    geoms = np.array([_polygon(f, i) for i, f in enumerate(features)], dtype=object)
    units = UnitSet(
        ids=ids,
        geometries=geoms,
        loads=np.zeros(len(features)),
        communities=[_text(p.get(community_col)) for p in props],
        fixed=np.array([_truthy(p.get(fixed_col)) for p in props], dtype=bool),
        keep_with=[_text(p.get(keep_with_col)) or None for p in props],
        features=features,
    )
    units.loads = _read_loads(props, workload_col, ids, units.problems)
    if current_col is not None:
        units.current = _read_current(props, current_col, ids, units.problems)
    _check_geometries(units)
    return units


def _load_features(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UnitFileError(
            f"units file {str(path)!r} does not exist; pass a GeoJSON path"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnitFileError(f"units file {str(path)!r} is not JSON ({exc}); pass GeoJSON") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise UnitFileError(
            f"units file {str(path)!r} is not a GeoJSON FeatureCollection; "
            "wrap the unit polygons in {\"type\": \"FeatureCollection\", \"features\": [...]}"
        )
    features = data.get("features") or []
    if not features:
        raise UnitFileError(f"units file {str(path)!r} has no features; it needs unit polygons")
    return features


def _unit_ids(features: list[dict[str, Any]], props: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for number, (feature, prop) in enumerate(zip(features, props), start=1):
        value = next((prop[k] for k in ID_PROPERTIES if prop.get(k) not in (None, "")), None)
        if value is None:
            value = feature.get("id")
        ids.append(str(value) if value not in (None, "") else str(number))
    if len(set(ids)) != len(ids):
        # Duplicate ids would make the output ambiguous: fall back to feature numbers.
        log.warning("unit ids are not unique; using 1-based feature numbers instead")
        ids = [str(n) for n in range(1, len(features) + 1)]
    return ids


def _polygon(feature: dict[str, Any], index: int) -> Any:
    geometry = feature.get("geometry")
    if not geometry:
        raise UnitFileError(f"feature {index + 1} has no geometry; every unit needs a polygon")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise UnitFileError(f"feature {index + 1} has an unreadable geometry: {exc}") from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise UnitFileError(
            f"feature {index + 1} is a {geom.geom_type}; units must be Polygon or MultiPolygon"
        )
    return geom


def _read_loads(
    props: list[dict[str, Any]], col: str, ids: list[str], problems: list[Problem]
) -> np.ndarray:
    loads = np.zeros(len(props))
    missing: list[str] = []
    for i, prop in enumerate(props):
        value = _number(prop.get(col))
        if value is None or value < 0:
            missing.append(ids[i])
        else:
            loads[i] = value
    if missing:
        problems.append(
            Problem(
                "missing_workload",
                f"{len(missing)} unit(s) have no usable {col!r} property (missing, empty, "
                "not a number or negative); they were counted as 0. Fill in their workload.",
                missing,
            )
        )
    return loads


def _read_current(
    props: list[dict[str, Any]], col: str, ids: list[str], problems: list[Problem]
) -> list[str]:
    current = [_text(p.get(col)) for p in props]
    absent = [ids[i] for i, c in enumerate(current) if not c]
    if len(absent) == len(current):
        raise UnitFileError(
            f"--current-col {col!r} is not a property of any unit; name the property that "
            "holds each unit's current grid, or leave the option out"
        )
    if absent:
        problems.append(
            Problem(
                "unassigned_current",
                f"{len(absent)} unit(s) have no {col!r} value; each joins a neighbouring grid.",
                absent,
                blocking=False,
            )
        )
    return current


def _check_geometries(units: UnitSet) -> None:
    valid = shapely.is_valid(units.geometries)
    bad = [units.ids[i] for i in np.flatnonzero(~valid)]
    if bad:
        units.geometries[~valid] = shapely.make_valid(units.geometries[~valid])
        units.problems.append(
            Problem(
                "invalid_polygon",
                f"{len(bad)} unit polygon(s) are invalid (e.g. self-intersecting); they were "
                "repaired with make_valid for this run. Fix them at the source.",
                bad,
                blocking=False,
            )
        )
    empty = [units.ids[i] for i in np.flatnonzero(shapely.area(units.geometries) <= 0)]
    if empty:
        units.problems.append(
            Problem("empty_polygon", f"{len(empty)} unit polygon(s) have no area.", empty)
        )


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "是")
    return bool(value)
