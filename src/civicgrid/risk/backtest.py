"""Backtest: replay a case history day by day and score what each detector would have raised.

Steps (:func:`run_backtest`):

1. :func:`build_matrix` turns :class:`~civicgrid.risk.events.Events` into a daily
   :class:`~civicgrid.risk.counts.CountMatrix` (one series per region × category); days in a
   data gap (:func:`~civicgrid.risk.counts.find_gaps`) are marked unobserved.
2. :func:`inject_bursts` adds ``n`` seeded bursts. Each goes to a random series that has
   history before a random observed day (a day inside a data gap cannot be judged), and adds
   ``max(5, ceil(3 × that series' mean daily count))`` cases spread uniformly over 1–3 days
   (length drawn uniformly). The same seed gives the same bursts.
3. Every count detector runs over every series and day; with coordinates, the space-time
   permutation scan runs per category over the grid cells.
4. :func:`score` matches alerts to bursts. A burst is detected when an alert for its region and
   category (or a scan cluster of its category containing its cell) fires on a day from its
   start to three days after it (``0 ≤ delay ≤ 3``). The delay is the first such day minus the
   start. Alerts that match no burst are false alarms; their number over all series, divided
   by the months replayed (replayed days / 30.4375), is ``false_alarms_per_month``.
   ``sensitivity`` is None only when no burst was injected and ``median_delay_days`` when
   no burst was detected; the result's ``not_judged`` notes say why.

Only days from ``WARMUP_DAYS`` on are replayed (earlier days have no baseline), and bursts
start inside the replayed days.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from civicgrid.risk.control_charts import cusum, ewma
from civicgrid.risk.counts import CountMatrix, count_matrix, find_gaps
from civicgrid.risk.detection import DetectorRun
from civicgrid.risk.ears import ears_c1, ears_c2, ears_c3
from civicgrid.risk.events import DataReport, Events
from civicgrid.risk.scan import ScanSettings, prospective_scan
from civicgrid.risk.surge import workday_surge
from civicgrid.risk.workdays import WorkdayRule, chinese_workday

log = logging.getLogger(__name__)

WARMUP_DAYS = 31
DETECTION_DAYS = 3
DAYS_PER_MONTH = 30.4375

COUNT_DETECTORS: dict[str, Callable[[CountMatrix], DetectorRun]] = {
    "ears_c1": ears_c1,
    "ears_c2": ears_c2,
    "ears_c3": ears_c3,
    "cusum": cusum,
    "ewma": ewma,
    "workday_surge": workday_surge,
}


@dataclass(frozen=True)
class Burst:
    """One injected burst."""

    series: int
    region: str
    category: str
    start: int
    days: int
    extra: int


@dataclass(frozen=True)
class RaisedAlert:
    """An alert a detector raised in the replay: day, category and the regions it covers."""

    day: int
    category: str
    regions: tuple[str, ...]


@dataclass
class DetectorScore:
    """How one detector did against the injected bursts."""

    sensitivity: float | None
    median_delay_days: float | None
    false_alarms_per_month: float
    alerts: int
    detected: int
    false_alarms: int
    delays: list[int] = field(default_factory=list)


def build_matrix(events: Events, is_workday: WorkdayRule = chinese_workday) -> CountMatrix:
    """Daily counts per (region, category) series with gap days marked unobserved."""
    if not events.days:
        raise ValueError("no usable rows: every row was left out (see the data report)")
    start = min(events.days)
    n_days = (max(events.days) - start).days + 1
    keys = sorted(set(zip(events.regions, events.categories, strict=True)))
    index = {k: i for i, k in enumerate(keys)}
    rows = np.fromiter((index[k] for k in zip(events.regions, events.categories, strict=True)),
                       dtype=np.int64, count=len(events.days))
    cols = np.fromiter(((d - start).days for d in events.days), dtype=np.int64,
                       count=len(events.days))
    counts = np.zeros((len(keys), n_days))
    np.add.at(counts, (rows, cols), 1.0)
    observed = ~find_gaps(counts.sum(axis=0))
    return count_matrix(keys, start, counts, is_workday=is_workday, observed=observed)


def inject_bursts(matrix: CountMatrix, n: int, seed: int) -> tuple[CountMatrix, list[Burst]]:
    """A copy of ``matrix`` with ``n`` seeded bursts added, and the bursts."""
    rng = np.random.default_rng(seed)
    counts = matrix.counts.copy()
    n_days = matrix.n_days
    has_case = matrix.counts > 0
    first_case = np.where(has_case.any(axis=1), has_case.argmax(axis=1), n_days)
    n_observed = max(int(matrix.observed.sum()), 1)
    candidates = np.nonzero(first_case < n_days - 1)[0]
    observed_days = np.nonzero(matrix.observed)[0]
    bursts: list[Burst] = []
    for _ in range(n * 100):
        if len(bursts) == n or candidates.size == 0:
            break
        series = int(rng.choice(candidates))
        low = max(WARMUP_DAYS, int(first_case[series]) + 1)
        open_days = observed_days[observed_days >= low]
        if open_days.size == 0:
            continue
        start = int(rng.choice(open_days))
        length = int(min(rng.integers(1, 4), n_days - start))
        mean = matrix.counts[series].sum() / n_observed
        extra = max(5, math.ceil(3 * mean))
        days = start + rng.integers(0, length, size=extra)
        np.add.at(counts[series], days, 1.0)
        region, category = matrix.keys[series]
        bursts.append(Burst(series, region, category, start, length, extra))
    injected = CountMatrix(matrix.keys, matrix.start, counts, matrix.classes, matrix.observed)
    return injected, bursts


def count_alerts(run: DetectorRun, matrix: CountMatrix) -> list[RaisedAlert]:
    """The replayed alerts of a count detector."""
    rows, days = run.alert_cells()
    keep = days >= WARMUP_DAYS
    keys = matrix.keys
    return [RaisedAlert(d, keys[r][1], (keys[r][0],))
            for r, d in zip(rows[keep].tolist(), days[keep].tolist(), strict=True)]


def scan_alerts(matrix: CountMatrix, centres: dict[str, tuple[float, float]],
                settings: ScanSettings, seed: int) -> list[RaisedAlert]:
    """Prospective scan per category over the regions that have coordinates."""
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, (region, category) in enumerate(matrix.keys):
        if region in centres:
            by_category[category].append(i)
    alerts: list[RaisedAlert] = []
    days = range(WARMUP_DAYS, matrix.n_days)
    for c_index, (category, rows) in enumerate(sorted(by_category.items())):
        if matrix.counts[rows].sum() < settings.min_cases * 2:
            continue
        regions = [matrix.keys[r][0] for r in rows]
        xy = np.array([centres[r] for r in regions])
        counts = np.rint(matrix.counts[rows]).astype(np.int64)
        counts[:, ~matrix.observed] = 0
        found = prospective_scan(counts, xy, days, settings, seed=seed * 1000 + c_index)
        for cluster in found:
            cells = tuple(regions[i] for i in cluster.cells)
            alerts.append(RaisedAlert(cluster.end_day, category, cells))
    return alerts


def score(alerts: list[RaisedAlert], bursts: list[Burst], months: float) -> DetectorScore:
    """Sensitivity, median delay and false alarms per month of one detector's alerts."""
    by_series: dict[tuple[str, str], list[int]] = defaultdict(list)
    for b_index, burst in enumerate(bursts):
        by_series[(burst.category, burst.region)].append(b_index)
    first_delay: dict[int, int] = {}
    false_alarms = 0
    for alert in alerts:
        matched = False
        for region in alert.regions:
            for b_index in by_series.get((alert.category, region), ()):
                delay = alert.day - bursts[b_index].start
                if 0 <= delay <= DETECTION_DAYS:
                    matched = True
                    first_delay[b_index] = min(first_delay.get(b_index, delay), delay)
        false_alarms += not matched
    delays = sorted(first_delay.values())
    return DetectorScore(
        sensitivity=len(delays) / len(bursts) if bursts else None,
        median_delay_days=float(np.median(delays)) if delays else None,
        false_alarms_per_month=false_alarms / months if months > 0 else 0.0,
        alerts=len(alerts),
        detected=len(delays),
        false_alarms=false_alarms,
        delays=delays,
    )


def run_backtest(events: Events, report: DataReport, *, inject: int = 0, seed: int = 0,
                 is_workday: WorkdayRule = chinese_workday, scan: bool = True,
                 scan_settings: ScanSettings | None = None) -> dict[str, Any]:
    """Replay, inject, detect and score; a JSON-ready result with what could not be judged."""
    matrix = build_matrix(events, is_workday)
    replayed = max(matrix.n_days - WARMUP_DAYS, 0)
    months = replayed / DAYS_PER_MONTH
    injected, bursts = inject_bursts(matrix, inject, seed)
    alerts = {name: count_alerts(fn(injected), injected) for name, fn in COUNT_DETECTORS.items()}
    not_judged = _not_judged(matrix, report, replayed, events, inject, len(bursts))
    if scan and events.centres:
        alerts["stp_scan"] = scan_alerts(injected, events.centres,
                                         scan_settings or ScanSettings(), seed)
    elif scan:
        not_judged.append("stp_scan: the space-time scan needs coordinates (--lat-col and "
                          "--lon-col); it was not run")
    detectors = {}
    for name, raised in alerts.items():
        result = asdict(score(raised, bursts, months))
        result.pop("delays")
        detectors[name] = result
        if bursts and not result["detected"]:
            not_judged.append(f"{name}: detected none of the {len(bursts)} bursts, so its "
                              "median delay is null")
    return {
        "data": {**asdict(report), "series": len(matrix.keys), "days": matrix.n_days,
                 "replayed_days": replayed, "months": round(months, 3),
                 "gap_days": int((~matrix.observed).sum()),
                 "regions": len({k[0] for k in matrix.keys}),
                 "categories": len({k[1] for k in matrix.keys})},
        "injected": len(bursts),
        "seed": seed,
        "bursts": [_burst_json(b, matrix) for b in bursts],
        "detectors": detectors,
        "not_judged": not_judged,
    }


def _burst_json(burst: Burst, matrix: CountMatrix) -> dict[str, Any]:
    data = asdict(burst)
    data["start"] = matrix.day(burst.start).isoformat()
    data.pop("series")
    return data


def _not_judged(matrix: CountMatrix, report: DataReport, replayed: int, events: Events,
                inject: int, injected: int) -> list[str]:
    notes: list[str] = []
    if replayed <= 0:
        notes.append(f"the history covers {matrix.n_days} days; at least {WARMUP_DAYS + 1} are "
                     "needed before any day can be judged")
    thin = int((matrix.counts.sum(axis=1) < 3).sum())
    if thin:
        notes.append(f"{thin} of {len(matrix.keys)} series have fewer than 3 cases in all; no "
                     "detector with a minimum-count rule can alert on them")
    gaps = int((~matrix.observed).sum())
    if gaps:
        notes.append(f"{gaps} days fall in data gaps (no case at all for too long to be chance) "
                     "and were neither judged nor used in baselines")
    for label, value in (("unparseable times", report.unparseable_time),
                         ("future-dated rows", report.future_dated),
                         ("duplicate rows", report.duplicates),
                         ("rows with an empty category", report.empty_category),
                         ("rows without usable coordinates", report.without_coordinates)):
        if value:
            notes.append(f"{value} {label} were left out")
    if injected < inject:
        notes.append(f"only {injected} of {inject} bursts could be placed: too few series with "
                     "history inside the replayed days")
    if not inject:
        notes.append("no bursts injected (--inject 0): sensitivity and delay cannot be judged")
    return notes

