"""The working calendar that count baselines use to tell working days from rest days.

Citizen requests follow the office week: far fewer arrive on rest days, and the 7–8 day
Golden Week (国庆) and Spring Festival breaks look like deep troughs. A baseline that knows
only ``weekday() < 5`` is wrong on about six days a year in China, because make-up working
days (补班/调休上班) fall on weekends: in 2026 those are 05-09 (Sat), 09-20 (Sun) and 10-10
(Sat). The default calendar is the ``chinese_calendar`` package, which carries the State
Council notices up to its last supported year; beyond that year we fall back to Monday–Friday
and say so once in the log.

Any callable ``is_workday(date) -> bool`` can replace the default (a district pack with its
own table, a test calendar).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

WorkdayRule = Callable[[dt.date], bool]

# Day classes used by baselines: 0-4 = Monday-Friday working days, 5 = make-up working day on
# a weekend (补班), 6 = rest day (weekend or public holiday).
MAKEUP_WORKDAY = 5
REST_DAY = 6
N_DAY_CLASSES = 7

_warned_years: set[int] = set()


@lru_cache(maxsize=8192)
def chinese_workday(day: dt.date) -> bool:
    """True when ``day`` is a working day in mainland China (holidays and 补班 included)."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "chinese_calendar has no holiday table for %s; Monday-Friday is used for that "
                "year (upgrade chinese-calendar or pass is_workday=)", day.year
            )
        return day.weekday() < 5


def day_classes(days: list[dt.date], is_workday: WorkdayRule = chinese_workday) -> np.ndarray:
    """The baseline class (0-6, see module constants) of each day."""
    classes = np.empty(len(days), dtype=np.int8)
    for i, day in enumerate(days):
        if not is_workday(day):
            classes[i] = REST_DAY
        elif day.weekday() >= 5:
            classes[i] = MAKEUP_WORKDAY
        else:
            classes[i] = day.weekday()
    return classes


def date_range(start: dt.date, n_days: int) -> list[dt.date]:
    """``n_days`` consecutive dates from ``start``."""
    return [start + dt.timedelta(days=i) for i in range(n_days)]
