"""Public entry points of the risk package, for the daily job, the API and the console.

Count surges and space-time clusters come from :func:`surge_alerts_for_day` and
:func:`cluster_alerts_for_day`; case-level detectors from :func:`case_alerts`; the incremental
per-case check from :class:`~civicgrid.risk.incremental.SeriesMonitor`; the daily report from
:func:`~civicgrid.risk.report.build_daily_report`. Every function returns
:class:`~civicgrid.risk.alerts.AlertCandidate` objects with a ``dedup_key``; storing them,
the alert lifecycle and the 24-hour notification clock belong to the alert store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from civicgrid.risk.alerts import AlertCandidate, AlertType, Evidence, Severity, dedup_key
from civicgrid.risk.concentration import concentration_alerts
from civicgrid.risk.counts import CountMatrix
from civicgrid.risk.hazard import hazard_alerts
from civicgrid.risk.incremental import SeriesMonitor, SurgeCheck
from civicgrid.risk.repeat import repeat_alerts
from civicgrid.risk.report import ReportFiles, build_daily_report
from civicgrid.risk.scan import Neighbourhoods, ScanSettings, scan_today
from civicgrid.risk.surge import SurgeSettings, surge_severity, workday_surge
from civicgrid.risk.weak_signals import weak_signal_alerts

__all__ = [
    "ReportFiles", "SeriesMonitor", "SurgeCheck", "build_daily_report", "case_alerts",
    "cluster_alerts_for_day", "surge_alerts_for_day",
]


def surge_alerts_for_day(matrix: CountMatrix, day: dt.date,
                         settings: SurgeSettings | None = None) -> list[AlertCandidate]:
    """Working-day surge alerts raised on ``day`` (the matrix must reach that day)."""
    t = matrix.index_of(day)
    if not 0 <= t < matrix.n_days:
        raise ValueError(f"day {day} is outside the counts ({matrix.start} + {matrix.n_days} d)")
    run = workday_surge(matrix, settings)
    alerts = []
    for row in np.nonzero(run.alarms[:, t])[0].tolist():
        region, category = matrix.keys[row]
        count, p_value = float(matrix.counts[row, t]), float(run.p_value[row, t])
        alerts.append(AlertCandidate(
            type=AlertType.SURGE, severity=Severity(surge_severity(p_value, count)),
            subject={"region": region, "category": category},
            evidence=Evidence(statistic=float(run.statistic[row, t]),
                              baseline=round(float(run.baseline[row, t]), 3), p_value=p_value,
                              method="workday_surge", note=f"当日 {count:g} 件"),
            dedup_key=dedup_key(AlertType.SURGE, region, category),
            detected_on=day, title=f"{region}“{category}”诉求激增",
        ))
    return alerts


def cluster_alerts_for_day(counts: np.ndarray, centres_km: np.ndarray, regions: list[str],
                           category: str, day: dt.date, settings: ScanSettings | None = None,
                           seed: int = 0) -> list[AlertCandidate]:
    """The significant space-time cluster ending today (counts: regions × study days)."""
    settings = settings or ScanSettings()
    cluster = scan_today(counts, Neighbourhoods(centres_km, settings), settings,
                         np.random.default_rng(seed))
    if cluster is None or cluster.p_value > settings.alpha:
        return []
    cells = [regions[i] for i in cluster.cells]
    return [AlertCandidate(
        type=AlertType.CLUSTER, severity=Severity.ORANGE,
        subject={"regions": ",".join(cells), "category": category},
        evidence=Evidence(statistic=round(cluster.llr, 3), baseline=round(cluster.expected, 3),
                          p_value=cluster.p_value, method="space_time_permutation_scan",
                          note=f"近{cluster.window_days}天 {cluster.cases} 件"),
        dedup_key=dedup_key(AlertType.CLUSTER, category, regions[cluster.centre]),
        detected_on=day, title=f"“{category}”诉求时空聚集（{len(cells)}个网格）",
    )]


def case_alerts(records: Iterable[Mapping[str, Any] | Any], *,
                repeat_links: Iterable[tuple[str, str]] | None = None,
                hazard_signals: Mapping[str, Iterable[str]] | None = None,
                now: dt.datetime | None = None) -> list[AlertCandidate]:
    """Repeat, concentration, hazard and weak-signal alerts over case records."""
    cases = list(records)
    return (repeat_alerts(cases, repeat_links) + concentration_alerts(cases)
            + hazard_alerts(cases, hazard_signals) + weak_signal_alerts(cases, now=now))
