"""The working calendar: which days are worked in China, and deadlines counted in them.

Built from State Council holiday notices (:class:`~civicgrid.jurisdiction.pack.HolidayNotice`).
A day is a working day when it is a Monday-Friday that no notice makes a holiday, or a
weekend day that a notice makes a make-up workday. Words used here and in the UI:

* 法定节假日 / 放假: a day off given by a notice (the statutory days and the rest days in lieu);
* 调休: a rest day given *in exchange* for a worked weekend day (the notice's ``in_lieu``);
* 补班 / 上班: a Saturday or Sunday that must be worked (never called 调休 here).

Rules (the same for every caller):

* **Working days.** A limit of N working days ends on the N-th working day strictly after
  the local (Asia/Shanghai) date of receipt. A request received on a Sunday make-up day at
  07:00 local counts from that Sunday, not from the UTC date (the day before).
* **Working hours.** 09:00-12:00 and 14:00-18:00 local time on working days (7 hours a day).
  The clock starts at receipt if that is inside working hours, else at the next working
  period; a limit ending exactly at 12:00 or 18:00 ends then.
* **Years without a notice.** Past the last year the calendar knows (holiday notices arrive
  each November for the next year), days are counted as Monday-Friday and the answer is
  marked ``provisional`` with the missing years, so it can be recomputed when they load.
* **Revisions.** Notices are applied in publication order; a later notice replaces the
  status of every date it governs (an annual notice: its year; a revision: its scope).
  :meth:`WorkCalendar.apply_notice` returns the dates whose status changed, which is what
  a caller needs to find deadlines to recompute and audit.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from civicgrid.jurisdiction.pack import HolidayNotice, load_pack

log = logging.getLogger(__name__)

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
WORKING_PERIODS: tuple[tuple[dt.time, dt.time], ...] = (
    (dt.time(9, 0), dt.time(12, 0)),
    (dt.time(14, 0), dt.time(18, 0)),
)
KIND_WORKDAY = "工作日"
KIND_WEEKEND = "周末"
KIND_HOLIDAY = "法定节假日"
KIND_MAKEUP = "补班"
ICS_PRODID = "-//CivicGrid//Work calendar//ZH"


@dataclass(frozen=True)
class Deadline:
    """A due date; ``provisional`` when it was counted through ``missing_years``."""

    date: dt.date
    provisional: bool
    missing_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str | None:
        """A line to show beside a provisional deadline, e.g. "2027 calendar not loaded"."""
        return provisional_warning(self.missing_years)


@dataclass(frozen=True)
class TimedDeadline:
    """A due moment (aware, UTC); ``provisional`` as for :class:`Deadline`."""

    at: dt.datetime
    provisional: bool
    missing_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str | None:
        """As :attr:`Deadline.warning`."""
        return provisional_warning(self.missing_years)


def provisional_warning(missing_years: tuple[int, ...]) -> str | None:
    """The warning for a deadline counted through years without a holiday notice."""
    if not missing_years:
        return None
    years = "、".join(str(year) for year in missing_years)
    return (
        f"{years}年节假日安排未加载（{years} calendar not loaded）：期限按周一至周五推算，"
        "为暂定值，加载后将重新计算"
    )


@dataclass(frozen=True)
class DayStatus:
    """What a notice says about one date: ``off`` (a holiday) or a make-up workday."""

    off: bool
    name: str
    in_lieu: bool
    notice_id: str


class WorkCalendar:
    """Working days of mainland China from a set of holiday notices.

    >>> calendar = default_calendar()
    >>> calendar.is_workday(dt.date(2026, 9, 20))   # a Sunday make-up day
    True
    >>> calendar.add_working_days(dt.date(2026, 9, 30), 3).date
    datetime.date(2026, 10, 10)
    """

    def __init__(self, notices: Iterable[HolidayNotice] = ()) -> None:
        self._notices: dict[str, HolidayNotice] = {}
        self._status: dict[dt.date, DayStatus] = {}
        self._known_years: frozenset[int] = frozenset()
        for notice in notices:
            self._notices[notice.notice_id] = notice
        self._rebuild()

    # Notices ---------------------------------------------------------------------------------

    @property
    def notices(self) -> list[HolidayNotice]:
        """The notices in force, in the order they were applied (publication order)."""
        return sorted(self._notices.values(), key=lambda n: (n.published, n.notice_id))

    def apply_notice(self, notice: HolidayNotice) -> set[dt.date]:
        """Add (or replace, by id) a notice; returns the dates whose day kind changed."""
        before = dict(self._status)
        self._notices[notice.notice_id] = notice
        self._rebuild()
        changed = {
            day
            for day in before.keys() | self._status.keys()
            if kind_of(before.get(day), day) != kind_of(self._status.get(day), day)
        }
        log.info("applied holiday notice %s: %s dates changed", notice.notice_id, len(changed))
        return changed

    def _rebuild(self) -> None:
        status: dict[dt.date, DayStatus] = {}
        for notice in self.notices:
            first, last = notice.scope()
            for day in [day for day in status if first <= day <= last]:
                del status[day]
            for day, name in notice.holidays.items():
                status[day] = DayStatus(True, name, day in notice.in_lieu, notice.notice_id)
            for day, name in notice.workdays.items():
                status[day] = DayStatus(False, name, False, notice.notice_id)
        self._status = status
        self._known_years = frozenset(n.year for n in self._notices.values() if not n.is_revision)

    @property
    def known_years(self) -> tuple[int, ...]:
        """Years with an annual notice loaded, ascending."""
        return tuple(sorted(self._known_years))

    def covers(self, day: dt.date) -> bool:
        """True when the year of ``day`` has its annual notice loaded."""
        return day.year in self._known_years

    def notice_for(self, day: dt.date) -> str | None:
        """The id of the notice that decided ``day``, or None for an ordinary day."""
        status = self._status.get(day)
        return status.notice_id if status else None

    # Days ------------------------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        """True on Monday-Friday unless a holiday, and on make-up weekend days."""
        status = self._status.get(day)
        if status is not None:
            return not status.off
        return day.weekday() < 5

    def day_kind(self, day: dt.date) -> str:
        """工作日, 周末, 法定节假日 (any day off by notice) or 补班 (a worked weekend day)."""
        return kind_of(self._status.get(day), day)

    def holiday_name(self, day: dt.date) -> str | None:
        """The notice's name for the day (e.g. 国庆节, 国庆节补班), or None."""
        status = self._status.get(day)
        return status.name if status else None

    def day_label(self, day: dt.date) -> str:
        """A label for people: 国庆节 放假 / 国庆节 调休 放假 / 国庆节补班 上班 / 周末 休息 / 工作日 上班."""
        status = self._status.get(day)
        if status is None:
            return "工作日 上班" if day.weekday() < 5 else "周末 休息"
        if not status.off:
            return f"{status.name} 上班"
        return f"{status.name} 调休 放假" if status.in_lieu else f"{status.name} 放假"

    # Working days ----------------------------------------------------------------------------

    def add_working_days(self, local_date: dt.date, n: int) -> Deadline:
        """The N-th working day strictly after ``local_date`` (``n=0``: the date itself)."""
        if isinstance(local_date, dt.datetime):
            raise TypeError(
                f"local_date must be a date, got the datetime {local_date.isoformat()}; "
                "use due_date(received_at, n) for a moment of receipt"
            )
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a whole number of working days >= 0, got {n!r}")
        day, counted, missing = local_date, 0, set()
        while counted < n:
            day += dt.timedelta(days=1)
            if not self.covers(day):
                missing.add(day.year)
            if self.is_workday(day):
                counted += 1
        return Deadline(day, bool(missing), tuple(sorted(missing)))

    def due_date(self, received_at: dt.datetime, n: int) -> Deadline:
        """The completion date of an N-working-day limit, from the local date of receipt."""
        return self.add_working_days(local_date(received_at, "received_at"), n)

    def working_days_between(self, start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if end < start).

        Aware datetimes are taken at their local date; this inverts :meth:`add_working_days`.
        """
        first, last = to_local_date(start, "start"), to_local_date(end, "end")
        if last < first:
            return -self.working_days_between(last, first)
        days = (last - first).days
        return sum(self.is_workday(first + dt.timedelta(days=i)) for i in range(1, days + 1))

    # Working hours ---------------------------------------------------------------------------

    def add_working_hours(self, received_at: dt.datetime, hours: float) -> dt.datetime:
        """The moment (aware UTC) when ``hours`` working hours have passed since receipt."""
        return self.due_at(received_at, hours).at

    def due_at(self, received_at: dt.datetime, hours: float) -> TimedDeadline:
        """As :meth:`add_working_hours`, also saying whether unknown years were crossed."""
        if hours < 0:
            raise ValueError(f"hours must be >= 0, got {hours!r}")
        local_date(received_at, "received_at")
        cursor = received_at.astimezone(LOCAL_ZONE)
        remaining = dt.timedelta(hours=hours)
        missing: set[int] = set()
        day = cursor.date()
        while True:
            if not self.covers(day):
                missing.add(day.year)
            if self.is_workday(day):
                for start, end in working_periods(day):
                    begin = max(cursor, start)
                    if begin >= end:
                        continue
                    if remaining <= end - begin:
                        moment = (begin + remaining).astimezone(dt.UTC)
                        return TimedDeadline(moment, bool(missing), tuple(sorted(missing)))
                    remaining -= end - begin
            day += dt.timedelta(days=1)

    # Export ----------------------------------------------------------------------------------

    def to_ics(self, year: int) -> str:
        """The year's holidays and make-up days as iCalendar text (RFC 5545).

        All-day ``VALUE=DATE`` events with an exclusive DTEND and no TZID, so no client
        shifts them by a time zone: one event per holiday period (consecutive days off),
        and one event per make-up workday, summarised "…补班（上班）". CRLF line ends.
        """
        if year not in self._known_years:
            raise ValueError(
                f"year {year} has no holiday notice loaded; known years: {self.known_years}"
            )
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ICS_PRODID}",
                 "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:节假日与补班 {year}"]
        for first, last in self._holiday_periods(year):
            lines += self._holiday_event(first, last)
        for day in sorted(d for d, s in self._status.items() if not s.off and d.year == year):
            lines += self._makeup_event(day)
        lines.append("END:VCALENDAR")
        return "".join(fold(line) + "\r\n" for line in lines)

    def _holiday_periods(self, year: int) -> list[tuple[dt.date, dt.date]]:
        """(first, last) of each run of consecutive days off that touches ``year``."""
        periods: list[tuple[dt.date, dt.date]] = []
        for day in sorted(d for d, s in self._status.items() if s.off):
            if periods and day - periods[-1][1] == dt.timedelta(days=1):
                periods[-1] = (periods[-1][0], day)
            else:
                periods.append((day, day))
        return [(a, b) for a, b in periods if a.year <= year <= b.year]

    def _holiday_event(self, first: dt.date, last: dt.date) -> list[str]:
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        names = list(dict.fromkeys(self._status[day].name for day in days))
        in_lieu = [f"{d.month}月{d.day}日" for d in days if self._status[d].in_lieu]
        description = f"放假 {len(days)} 天"
        if in_lieu:
            description += "，其中调休：" + "、".join(in_lieu)
        return event_lines(
            uid=f"{first:%Y%m%d}-holiday@civicgrid",
            stamp=self._stamp(first),
            first=first,
            end=last + dt.timedelta(days=1),
            summary=f"{'、'.join(names)} 放假",
            description=description,
            category="放假",
        )

    def _makeup_event(self, day: dt.date) -> list[str]:
        name = self._status[day].name
        return event_lines(
            uid=f"{day:%Y%m%d}-workday@civicgrid",
            stamp=self._stamp(day),
            first=day,
            end=day + dt.timedelta(days=1),
            summary=f"{name}（上班）" if "补班" in name else f"{name} 补班（上班）",
            description="周末补班：这一天上班",
            category="补班",
        )

    def _stamp(self, day: dt.date) -> str:
        notice = self._notices[self._status[day].notice_id]
        return f"{notice.published:%Y%m%d}T000000Z"


def kind_of(status: DayStatus | None, day: dt.date) -> str:
    """The day kind of a date given what the notices say about it (None: nothing)."""
    if status is None:
        return KIND_WORKDAY if day.weekday() < 5 else KIND_WEEKEND
    return KIND_HOLIDAY if status.off else KIND_MAKEUP


def working_periods(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The working periods of a day as aware local datetimes."""
    return [
        (dt.datetime.combine(day, start, LOCAL_ZONE), dt.datetime.combine(day, end, LOCAL_ZONE))
        for start, end in WORKING_PERIODS
    ]


def local_date(moment: dt.datetime, argument: str) -> dt.date:
    """The Asia/Shanghai date of an aware datetime; a naive one is refused."""
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        raise ValueError(
            f"{argument} must be a timezone-aware datetime, got {moment!r}; attach a zone, "
            "e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai')) or timezone.utc"
        )
    return moment.astimezone(LOCAL_ZONE).date()


def to_local_date(value: dt.date | dt.datetime, argument: str) -> dt.date:
    """A date as is, or the local date of an aware datetime."""
    if isinstance(value, dt.datetime):
        return local_date(value, argument)
    return value


def event_lines(
    *, uid: str, stamp: str, first: dt.date, end: dt.date, summary: str, description: str,
    category: str,
) -> list[str]:
    """One all-day VEVENT (DTEND exclusive)."""
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{end:%Y%m%d}",
        f"SUMMARY:{ics_text(summary)}",
        f"DESCRIPTION:{ics_text(description)}",
        f"CATEGORIES:{ics_text(category)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    )


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line at ``limit`` octets without splitting a UTF-8 character."""
    parts, current = [], ""
    for char in line:
        width = 75 if not parts else limit - 1
        if len((current + char).encode("utf-8")) > width:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


@functools.lru_cache(maxsize=1)
def _shipped_notices() -> tuple[HolidayNotice, ...]:
    return tuple(load_pack("nanshan").notices)


def default_calendar() -> WorkCalendar:
    """A new calendar from the 南山 pack's notices (2019-2026); yours to apply notices to."""
    return WorkCalendar(_shipped_notices())
