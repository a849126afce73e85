"""How fast the pack loads and the calendar answers (per-case costs the case workflow pays).

Run: PYTHONPATH=src python bench/jurisdiction_calendar.py
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from civicgrid.jurisdiction.calendar import WorkCalendar, default_calendar
from civicgrid.jurisdiction.pack import load_pack, route

SHANGHAI = ZoneInfo("Asia/Shanghai")


def per_call_us(func: Callable[[int], object], calls: int) -> float:
    """Mean microseconds per call of ``func(i)`` over ``calls`` calls."""
    start = time.perf_counter()
    for i in range(calls):
        func(i)
    return (time.perf_counter() - start) / calls * 1e6


def main() -> None:
    start = time.perf_counter()
    pack = load_pack("nanshan")
    load_ms = (time.perf_counter() - start) * 1e3
    start = time.perf_counter()
    calendar = WorkCalendar(pack.notices)
    build_ms = (time.perf_counter() - start) * 1e3
    default_calendar()

    base = dt.datetime(2026, 1, 1, 8, 0, tzinfo=SHANGHAI)
    moments = [base + dt.timedelta(hours=7 * i) for i in range(1000)]
    days = [m.date() for m in moments]
    leaves = [c.code for c in pack.categories if c.level == 3]
    grids = [r.code for r in pack.regions if r.level == "grid"]

    figures = {
        "load_pack('nanshan') ms": load_ms,
        "WorkCalendar(10 notices) ms": build_ms,
        "add_working_days(n=10) us": per_call_us(
            lambda i: calendar.add_working_days(days[i % 1000], 10), 20000
        ),
        "due_date(aware, n=10) us": per_call_us(
            lambda i: calendar.due_date(moments[i % 1000], 10), 20000
        ),
        "add_working_hours(h=24) us": per_call_us(
            lambda i: calendar.add_working_hours(moments[i % 1000], 24), 20000
        ),
        "working_days_between(365 days) us": per_call_us(
            lambda i: calendar.working_days_between(dt.date(2025, 1, 1), dt.date(2026, 1, 1)), 2000
        ),
        "route(leaf, grid) us": per_call_us(
            lambda i: route(pack, leaves[i % len(leaves)], grids[i % len(grids)]), 20000
        ),
        "to_ics(2026) us": per_call_us(lambda i: calendar.to_ics(2026), 200),
    }
    for name, value in figures.items():
        print(f"{name:40s} {value:10.1f}")


if __name__ == "__main__":
    main()
