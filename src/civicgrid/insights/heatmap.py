"""Heat-map aggregation: case counts by region, category and time range, and H3 hexagons.

The map layers of the console draw these counts over offline GeoJSON base layers (grids,
communities, streets). Inputs are plain case dicts (``{"region": …, "category": …,
"time": …, "lat": …, "lng": …}``); keys are chosen by the caller, so one function serves
grid, community and street maps.

H3 hexagons (Uber's hierarchical hexagonal grid) need the optional ``h3`` package, installed
with the ``insights`` extra. Coordinates must be WGS-84 latitude/longitude; convert GCJ-02
points first (see the shared data README).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from civicgrid.insights.heat import parse_time

log = logging.getLogger(__name__)

UNKNOWN = "(未知)"


@dataclass
class HeatCounts:
    """Counts per key, the cases left out and why, and notes for the page."""

    counts: dict[str, int]
    total: int
    left_out: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def count_by(
    cases: Iterable[Mapping[str, Any]],
    *,
    key: str,
    time_key: str = "time",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> HeatCounts:
    """Cases per value of ``key`` (a region, grid, street or category) within [start, end)."""
    counts: Counter[str] = Counter()
    left_out: Counter[str] = Counter()
    for case in cases:
        if not _in_range(case.get(time_key), start, end, left_out):
            continue
        value = case.get(key)
        counts[str(value).strip() if value not in (None, "") else UNKNOWN] += 1
    notes = _notes(counts, left_out, key)
    return HeatCounts(dict(counts.most_common()), sum(counts.values()), dict(left_out), notes)


def count_by_pair(
    cases: Iterable[Mapping[str, Any]], *, row_key: str, column_key: str
) -> dict[str, dict[str, int]]:
    """Cross counts, e.g. region × category, for a heat table."""
    table: dict[str, Counter[str]] = {}
    for case in cases:
        row = str(case.get(row_key) or UNKNOWN)
        table.setdefault(row, Counter())[str(case.get(column_key) or UNKNOWN)] += 1
    return {row: dict(cols.most_common()) for row, cols in table.items()}


def _in_range(
    value: Any, start: dt.datetime | None, end: dt.datetime | None, left_out: Counter[str]
) -> bool:
    if start is None and end is None:
        return True
    stamp = parse_time(value)
    if stamp is None:
        left_out["no readable time"] += 1
        return False
    if (start and stamp < start) or (end and stamp >= end):
        left_out["outside the time range"] += 1
        return False
    return True


def _notes(counts: Counter[str], left_out: Counter[str], key: str) -> list[str]:
    notes = []
    if not counts:
        notes.append("no cases in this time range: the map is empty, not broken")
    if counts.get(UNKNOWN):
        notes.append(f"{counts[UNKNOWN]} case(s) have no {key}; shown as {UNKNOWN}")
    if left_out.get("no readable time"):
        notes.append(f"{left_out['no readable time']} case(s) without a readable time left out")
    return notes


def h3_counts(
    cases: Iterable[Mapping[str, Any]],
    *,
    resolution: int = 8,
    lat_key: str = "lat",
    lng_key: str = "lng",
) -> HeatCounts:
    """Cases per H3 cell at ``resolution`` (8 ≈ 0.7 km² cells); needs the ``insights`` extra."""
    h3 = _h3()
    if not 0 <= resolution <= 15:
        raise ValueError(f"resolution must be 0..15, got {resolution}; 8 suits a district")
    counts: Counter[str] = Counter()
    left_out: Counter[str] = Counter()
    for case in cases:
        lat, lng = case.get(lat_key), case.get(lng_key)
        try:
            cell = h3.latlng_to_cell(float(lat), float(lng), resolution)  # type: ignore[arg-type]
            counts[cell] += 1
        except (TypeError, ValueError):
            left_out["no coordinates"] += 1
    notes = [] if counts else ["no case has coordinates: no hexagons to draw"]
    if left_out:
        notes.append(f"{left_out['no coordinates']} case(s) without coordinates left out")
    return HeatCounts(dict(counts.most_common()), sum(counts.values()), dict(left_out), notes)


def h3_geojson(counts: Mapping[str, int]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of hexagon polygons with a ``count`` property each."""
    h3 = _h3()
    features = []
    for cell, count in counts.items():
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])
        features.append({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"cell": cell, "count": count},
        })
    return {"type": "FeatureCollection", "features": features}


def _h3():  # type: ignore[no-untyped-def]
    try:
        import h3
    except ImportError as exc:
        raise ImportError(
            "H3 hexagons need the h3 package: pip install 'civicgrid[insights]'"
        ) from exc
    return h3
