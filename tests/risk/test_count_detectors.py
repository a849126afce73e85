"""Count detectors: traps.md RISK-01, CAL-03 make-up days, EARS golden values, CUSUM reset."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from civicgrid.risk.control_charts import cusum
from civicgrid.risk.counts import count_matrix
from civicgrid.risk.ears import ears_c1, ears_c2, ears_c3
from civicgrid.risk.surge import workday_surge
from civicgrid.risk.workdays import chinese_workday

MONDAY = dt.date(2026, 3, 2)


def _alert_days(run) -> list[int]:
    return np.nonzero(run.alarms[0])[0].tolist()


def test_risk01a_sparse_grid_series_then_a_two_raises_no_alert() -> None:
    counts = np.zeros(29)
    counts[[3, 10, 18]] = 1  # days 4, 11 and 19 (1-based) have one case
    counts[28] = 2  # day 29
    run = workday_surge(count_matrix([("grid-G", "噪音")], MONDAY, counts))
    assert _alert_days(run) == []
    assert run.judged[0, 28]


def test_risk01a_ears_c2_does_alert_on_the_two() -> None:
    counts = np.zeros(29)
    counts[[3, 10, 18]] = 1
    counts[28] = 2
    assert 28 in _alert_days(ears_c2(count_matrix([("grid-G", "噪音")], MONDAY, counts)))


def test_risk01b_surge_alerts_on_day_29_and_not_on_days_30_to_36() -> None:
    rng = np.random.default_rng(7)
    counts = np.concatenate([rng.integers(18, 24, 28), [60], rng.integers(19, 23, 7)])
    run = workday_surge(count_matrix([("district", "噪音")], MONDAY, counts.astype(float)))
    assert _alert_days(run) == [28]


def _golden_week_series() -> tuple[list[dt.date], np.ndarray]:
    days = [dt.date(2026, 8, 3) + dt.timedelta(days=i) for i in range(75)]
    rng = np.random.default_rng(3)
    base = np.array([25.0 if chinese_workday(d) else 8.0 for d in days])
    counts = base + rng.integers(-2, 3, len(days))
    counts[days.index(dt.date(2026, 10, 8))] = 26
    return days, counts


def test_risk01c_first_workday_after_golden_week_raises_no_surge_alert() -> None:
    days, counts = _golden_week_series()
    run = workday_surge(count_matrix([("district", "噪音")], days[0], counts))
    day = days.index(dt.date(2026, 10, 8))
    assert run.judged[0, day]
    assert not run.alarms[0, day]


def test_risk01c_make_up_workdays_are_not_surges() -> None:
    days, counts = _golden_week_series()
    run = workday_surge(count_matrix([("district", "噪音")], days[0], counts))
    alerted = {days[i] for i in _alert_days(run)}
    assert alerted.isdisjoint({dt.date(2026, 9, 20), dt.date(2026, 10, 10)})
    assert alerted == set()


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2026-05-09", True), ("2026-09-20", True), ("2026-10-10", True),
     ("2026-05-04", False), ("2026-10-08", True)],
)
def test_cal03_chinese_workday_knows_2026_make_up_days(day: str, expected: bool) -> None:
    assert chinese_workday(dt.date.fromisoformat(day)) is expected


def test_ears_c2_golden_values_on_a_hand_computed_series() -> None:
    # Days 0-6 = 1..7: mean 4, sample sd sqrt(28/6) = 2.1602; limit 4 + 3*2.1602 = 10.4807.
    counts = np.array([1, 2, 3, 4, 5, 6, 7, 0, 0, 11, 0, 0], dtype=float)
    run = ears_c2(count_matrix([("r", "c")], MONDAY, counts))
    assert run.baseline[0, 9] == pytest.approx(4.0)
    assert run.statistic[0, 9] == pytest.approx(7 / np.sqrt(28 / 6), rel=1e-9)
    assert _alert_days(run) == [9]
    assert not run.judged[0, 8]


def test_ears_c2_floors_the_sd_of_a_flat_baseline_at_0_2() -> None:
    counts = np.array([2, 2, 2, 2, 2, 2, 2, 2, 2, 2.6, 2.61], dtype=float)
    run = ears_c2(count_matrix([("r", "c")], MONDAY, counts))
    assert not run.alarms[0, 9]  # 2.6 is not > 2 + 3 * 0.2
    assert run.statistic[0, 10] == pytest.approx(0.61 / 0.2)


def test_ears_c1_uses_the_seven_days_just_before() -> None:
    counts = np.array([1, 1, 1, 1, 1, 1, 1, 5], dtype=float)
    run = ears_c1(count_matrix([("r", "c")], MONDAY, counts))
    assert run.baseline[0, 7] == pytest.approx(1.0)
    assert _alert_days(run) == [7]


def test_ears_c3_adds_three_days_of_c2_excess() -> None:
    counts = np.array([1, 2, 1, 2, 1, 2, 1, 0, 0, 3, 3, 3], dtype=float)
    run = ears_c3(count_matrix([("r", "c")], MONDAY, counts))
    assert run.alarms[0].any()


def test_cusum_resets_after_an_alarm_and_stays_quiet_on_zero_days() -> None:
    counts = np.concatenate([np.full(20, 5.0), [30.0], np.zeros(3), np.full(12, 5.0)])
    run = cusum(count_matrix([("r", "c")], MONDAY, counts))
    assert run.alarms[0, 20]
    assert run.statistic[0, 20] > 4.0
    assert not run.alarms[0, 21:24].any()
