"""Incremental surge check: the state the lead keeps per series, checked on every new case.

A :class:`SeriesMonitor` wraps one series of the working-day surge detector
(:mod:`civicgrid.risk.surge`). Feed it the series' history once (:meth:`SeriesMonitor.from_counts`)
and then every new case with :meth:`SeriesMonitor.add_case`: the case raises the running count
of its day, and the day is judged at once with the counts so far, so a surge is seen on the
case that makes it significant, not at midnight. Past days are committed when a later day's
first case arrives (or by :meth:`SeriesMonitor.close_through` from the daily job). A day raises
at most one alert, and the detector's cooldown keeps a running situation to one alert.

The monitor pickles (plain numpy arrays and numbers), so it can be stored per series between
requests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from civicgrid.risk.surge import DayContext, SurgeSettings, SurgeState, surge_severity
from civicgrid.risk.workdays import WorkdayRule, chinese_workday, day_classes


@dataclass(frozen=True)
class SurgeCheck:
    """The verdict on a day when a new case made it significant."""

    day: dt.date
    count: int
    expected: float
    p_value: float
    severity: str


class SeriesMonitor:
    """Working-day surge state of one series, updated case by case."""

    def __init__(self, start: dt.date, weights: np.ndarray, settings: SurgeSettings | None = None,
                 is_workday: WorkdayRule = chinese_workday):
        self.start = start
        self.is_workday = is_workday
        self.state = SurgeState(1, weights, settings)
        self.today = start
        self.count_today = 0
        self.alerted_today = False
        self._context: DayContext | None = None

    @classmethod
    def from_counts(cls, start: dt.date, counts: np.ndarray, weights: np.ndarray,
                    settings: SurgeSettings | None = None,
                    is_workday: WorkdayRule = chinese_workday) -> SeriesMonitor:
        """A monitor that has replayed ``counts`` (one per day from ``start``)."""
        monitor = cls(start, weights, settings, is_workday)
        for value in np.asarray(counts, dtype=np.float64):
            monitor.count_today = int(value)
            monitor._commit_today()
        return monitor

    def _class(self, day: dt.date) -> int:
        return int(day_classes([day], self.is_workday)[0])

    def _index(self, day: dt.date) -> int:
        return (day - self.start).days

    def _commit_today(self) -> None:
        t = self._index(self.today)
        self.state.step(t, np.array([float(self.count_today)]), self._class(self.today),
                        context=self._context)
        self.today += dt.timedelta(days=1)
        self.count_today, self.alerted_today = 0, False
        self._context = None

    def close_through(self, day: dt.date) -> None:
        """Commit every day up to and including ``day``."""
        while self.today <= day:
            self._commit_today()

    def add_case(self, when: dt.date) -> SurgeCheck | None:
        """Count one case of day ``when``; a :class:`SurgeCheck` if it raises a new alert."""
        if when < self.today:
            return None  # a late case for a closed day: counted by the next daily rebuild
        self.close_through(when - dt.timedelta(days=1))
        self.count_today += 1
        if self.alerted_today:
            return None
        if self._context is None:
            self._context = self.state.prepare(self._index(self.today), self._class(when))
        result = self.state.judge(self._context, np.array([float(self.count_today)]))
        if not bool(result["alarm"][0]):
            return None
        self.alerted_today = True
        p_value = float(result["p_value"][0])
        return SurgeCheck(when, self.count_today, float(result["baseline"][0]), p_value,
                          surge_severity(p_value, self.count_today))
