"""Service entry points: surge and cluster alert candidates for one day; EWMA reset."""

from __future__ import annotations

import datetime as dt

import numpy as np

from civicgrid.risk.alerts import AlertType, Severity
from civicgrid.risk.control_charts import ewma
from civicgrid.risk.counts import count_matrix
from civicgrid.risk.service import cluster_alerts_for_day, surge_alerts_for_day

MONDAY = dt.date(2026, 3, 2)


def test_surge_alert_for_the_surge_day_carries_its_evidence() -> None:
    rng = np.random.default_rng(7)
    counts = np.concatenate([rng.integers(18, 24, 28), [60]]).astype(float)
    matrix = count_matrix([("南山区", "噪音")], MONDAY, counts)
    alerts = surge_alerts_for_day(matrix, MONDAY + dt.timedelta(days=28))
    assert [(a.type, a.severity, a.dedup_key) for a in alerts] == [
        (AlertType.SURGE, Severity.RED, "surge|南山区|噪音")]
    assert alerts[0].evidence.p_value < 1e-8
    assert 15 < alerts[0].evidence.baseline < 25


def test_surge_alerts_for_a_quiet_day_are_empty() -> None:
    counts = np.full(40, 20.0)
    matrix = count_matrix([("南山区", "噪音")], MONDAY, counts)
    assert surge_alerts_for_day(matrix, MONDAY + dt.timedelta(days=39)) == []


def test_cluster_alert_names_the_cells_of_a_planted_cluster() -> None:
    rng = np.random.default_rng(1)
    side = 12
    xy = np.array([(i % side, i // side) for i in range(side * side)], dtype=float)
    counts = rng.poisson(0.3, size=(side * side, 90))
    counts[[50, 51, 62], -1] += 4
    regions = [f"cell{i}" for i in range(side * side)]
    alerts = cluster_alerts_for_day(counts, xy, regions, "噪音", MONDAY, seed=4)
    assert len(alerts) == 1
    assert {"cell50", "cell51", "cell62"} <= set(alerts[0].subject["regions"].split(","))


def test_ewma_alarms_on_a_spike_and_resets_to_the_baseline() -> None:
    counts = np.concatenate([np.full(20, 5.0), [25.0], np.full(10, 5.0)])
    run = ewma(count_matrix([("r", "c")], MONDAY, counts))
    assert np.nonzero(run.alarms[0])[0].tolist() == [20]
