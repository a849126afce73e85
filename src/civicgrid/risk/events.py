"""Reading a case history (any CSV or XLSX) into dated, located events for replay.

:func:`events_from_table` turns the rows of a :class:`~civicgrid.intake.files.Table` into
:class:`Events` and a :class:`DataReport` that counts everything it left out and why:

* times that cannot be parsed (the first few data row numbers are kept for the report);
  dates are the local date as written, so a time-zone offset or a daylight-saving change
  neither moves a case to another day nor creates or loses a day;
* rows dated after ``as_of`` (future-dated: clock errors or test rows);
* exact duplicate rows (every column equal), kept once;
* rows with an empty category;
* without a region column, rows without usable coordinates ((0, 0), out of range, empty),
  because their grid cell is unknown.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

import numpy as np

from civicgrid.intake.files import Table
from civicgrid.risk.cells import cell_names, grid_over, usable_coordinates

log = logging.getLogger(__name__)

_SAMPLE_ROWS = 5
NO_REGION = "全部"


@dataclass
class DataReport:
    """What was read, used and left out of a case history."""

    rows: int = 0
    used: int = 0
    unparseable_time: int = 0
    unparseable_time_rows: list[int] = field(default_factory=list)
    future_dated: int = 0
    duplicates: int = 0
    empty_category: int = 0
    without_coordinates: int = 0
    first_day: str | None = None
    last_day: str | None = None


@dataclass
class Events:
    """One entry per used case: day, region, category, and cell centre in km when gridded."""

    days: list[dt.date]
    regions: list[str]
    categories: list[str]
    centres: dict[str, tuple[float, float]]  # region -> (x, y) km; empty when not spatial


_DATE = re.compile(r"\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"\s*(\d{4})(\d{2})(\d{2})(?:\D|$)")


def parse_day(text: str | None) -> dt.date | None:
    """The local calendar date of a time string, or None when it cannot be read.

    Reads the leading date of ``2026-12-04 09:30``, ``2026/12/4 9:30:00``,
    ``2026-12-04T01:30:00+08:00`` (the date as written, offset ignored), ``2026年12月4日`` and
    ``20261204``.
    """
    if not text:
        return None
    match = _DATE.match(text) or _COMPACT.match(text)
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def events_from_table(
    table: Table,
    *,
    time_col: str,
    category_col: str,
    region_col: str | None = None,
    lat_col: str | None = None,
    lon_col: str | None = None,
    as_of: dt.date | None = None,
    cell_km: float = 1.0,
) -> tuple[Events, DataReport]:
    """Dated, located events from table rows, and the report of what was left out."""
    as_of = as_of or dt.date.today()
    times, cats = table.values(time_col), table.values(category_col)
    regions = table.values(region_col) if region_col else None
    spatial = lat_col is not None and lon_col is not None
    lat, lon, usable = (usable_coordinates(table.values(lat_col), table.values(lon_col))
                        if spatial else (None, None, None))
    report = DataReport(rows=len(table.rows))
    parsed = [parse_day(t) for t in times]
    keep = _keep_rows(table, parsed, cats, usable if regions is None else None, as_of, report)
    days = [parsed[i] for i in keep]
    categories = [str(cats[i]) for i in keep]
    if regions is not None:
        region_names = [regions[i] or NO_REGION for i in keep]
        centres = _region_centres(region_names, keep, lat, lon, usable) if spatial else {}
    elif spatial:
        region_names, centres = _grid_regions(keep, lat, lon, cell_km)
    else:
        region_names, centres = [NO_REGION] * len(keep), {}
    report.used = len(keep)
    log.info("case history: %s rows, %s used, %s unparseable times, %s future-dated, "
             "%s duplicates, %s without coordinates", report.rows, report.used,
             report.unparseable_time, report.future_dated, report.duplicates,
             report.without_coordinates)
    if days:
        report.first_day, report.last_day = min(days).isoformat(), max(days).isoformat()
    return Events([d for d in days if d is not None], region_names, categories, centres), report


def _keep_rows(table: Table, parsed: list[dt.date | None], cats: list[str | None],
               usable: np.ndarray | None, as_of: dt.date, report: DataReport) -> list[int]:
    seen: set[tuple[str | None, ...]] = set()
    keep: list[int] = []
    for i, row in enumerate(table.rows):
        day = parsed[i]
        if day is None:
            report.unparseable_time += 1
            if len(report.unparseable_time_rows) < _SAMPLE_ROWS:
                report.unparseable_time_rows.append(i + 1)
            continue
        if day > as_of:
            report.future_dated += 1
            continue
        if not cats[i]:
            report.empty_category += 1
            continue
        if usable is not None and not usable[i]:
            report.without_coordinates += 1
            continue
        key = tuple(row)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        keep.append(i)
    return keep


def _grid_regions(keep: list[int], lat: np.ndarray, lon: np.ndarray, cell_km: float
                  ) -> tuple[list[str], dict[str, tuple[float, float]]]:
    idx = np.asarray(keep, dtype=np.int64)
    grid = grid_over(lat[idx], lon[idx], cell_km)
    ix, iy = grid.cell_of(lat[idx], lon[idx])
    names = cell_names(ix, iy)
    centres_km = grid.centre_km(ix, iy)
    centres = {name: (float(c[0]), float(c[1])) for name, c in zip(names, centres_km, strict=True)}
    return names, centres


def _region_centres(names: list[str], keep: list[int], lat: np.ndarray, lon: np.ndarray,
                    usable: np.ndarray) -> dict[str, tuple[float, float]]:
    sums: dict[str, list[float]] = {}
    for name, i in zip(names, keep, strict=True):
        if usable[i]:
            acc = sums.setdefault(name, [0.0, 0.0, 0.0])
            acc[0] += lat[i]
            acc[1] += lon[i]
            acc[2] += 1
    if not sums:
        return {}
    ref = np.median([a[0] / a[2] for a in sums.values()])
    scale = 111.32 * np.cos(np.radians(ref))
    return {k: (a[1] / a[2] * scale, a[0] / a[2] * 111.32) for k, a in sums.items()}
