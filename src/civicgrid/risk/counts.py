"""Daily count matrices: the input every count detector reads.

A :class:`CountMatrix` holds one row per series (a region × category pair) and one column per
calendar day, plus what the detectors need to read the days right: each day's baseline class
(working day by weekday, make-up working day, rest day; see :mod:`civicgrid.risk.workdays`)
and whether the day was observed at all (a day inside a data gap is not a day with zero
cases: detectors neither judge it nor let it pull their baselines down).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from civicgrid.risk.workdays import (
    MAKEUP_WORKDAY,
    N_DAY_CLASSES,
    REST_DAY,
    WorkdayRule,
    chinese_workday,
    date_range,
    day_classes,
)


@dataclass
class CountMatrix:
    """Daily counts per series with the calendar facts detectors need."""

    keys: list[tuple[str, str]]  # (region, category) per row
    start: dt.date
    counts: np.ndarray  # (n_series, n_days) float64
    classes: np.ndarray  # (n_days,) int8 day class
    observed: np.ndarray  # (n_days,) bool; False inside a data gap

    @property
    def n_days(self) -> int:
        """Number of calendar days covered."""
        return int(self.counts.shape[1])

    def day(self, index: int) -> dt.date:
        """The date of column ``index``."""
        return self.start + dt.timedelta(days=index)

    def index_of(self, day: dt.date) -> int:
        """The column of ``day``."""
        return (day - self.start).days


def count_matrix(
    keys: list[tuple[str, str]],
    start: dt.date,
    counts: np.ndarray,
    *,
    is_workday: WorkdayRule = chinese_workday,
    observed: np.ndarray | None = None,
) -> CountMatrix:
    """Wrap a (series × days) array with its day classes and observed mask."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim == 1:
        counts = counts[None, :]
    if counts.shape[0] != len(keys):
        raise ValueError(
            f"counts has {counts.shape[0]} rows but keys has {len(keys)} entries; give one key "
            "per series"
        )
    n_days = counts.shape[1]
    classes = day_classes(date_range(start, n_days), is_workday)
    seen = np.ones(n_days, dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    return CountMatrix(list(keys), start, counts, classes, seen)


def class_weights(matrix: CountMatrix) -> np.ndarray:
    """Relative volume of each day class, pooled over all series (about 1 per average day).

    Each class's level is the median of its daily totals when the data are dense enough
    (median daily total ≥ 5), so one surge day cannot move it, else the mean. Weekday classes
    with fewer than 2 observed days get the mean working-day weight; a make-up working day
    (补班) is rare, so it always takes the mean of the Monday–Friday weights.
    """
    totals = matrix.counts.sum(axis=0)[matrix.observed]
    classes = matrix.classes[matrix.observed]
    weights = np.ones(N_DAY_CLASSES)
    if totals.size == 0 or totals.sum() <= 0:
        return weights
    level = np.median if np.median(totals) >= 5 else np.mean
    for c in range(N_DAY_CLASSES):
        sel = classes == c
        weights[c] = level(totals[sel]) if sel.sum() >= 2 else np.nan
    workday = weights[:5]
    mean_workday = np.nanmean(workday) if np.isfinite(workday).any() else level(totals)
    weights[:5] = np.where(np.isfinite(workday), workday, mean_workday)
    weights[MAKEUP_WORKDAY] = mean_workday
    if not np.isfinite(weights[REST_DAY]):
        weights[REST_DAY] = mean_workday
    overall = weights[classes].mean()
    if overall <= 0:
        return np.ones(N_DAY_CLASSES)
    return np.maximum(weights / overall, 0.05)


def find_gaps(totals: np.ndarray, *, min_run: int = 7, max_chance: float = 1e-3) -> np.ndarray:
    """Mask of days inside data gaps: zero-total runs too long to be chance.

    A run of ``L`` days with no case at all, in data averaging ``m`` cases a day, happens by
    chance with probability about ``exp(-m L)``; runs at least ``min_run`` days long with that
    probability under ``max_chance`` are treated as missing data, not as quiet days.
    """
    totals = np.asarray(totals, dtype=np.float64)
    gap = np.zeros(totals.shape[0], dtype=bool)
    mean = totals.mean() if totals.size else 0.0
    if mean <= 0:
        return gap
    run_start = None
    for i, value in enumerate(np.append(totals, 1.0)):
        if value == 0 and run_start is None:
            run_start = i
        elif value != 0 and run_start is not None:
            length = i - run_start
            if length >= min_run and np.exp(-mean * length) < max_chance:
                gap[run_start:i] = True
            run_start = None
    return gap
