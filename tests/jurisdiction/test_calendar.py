"""Working days, working hours and the ICS export (traps CAL-01 and CAL-03)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.jurisdiction.calendar import WorkCalendar, default_calendar
from civicgrid.jurisdiction.pack import HolidayNotice, PackError, load_pack

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


@pytest.fixture(scope="module")
def shipped() -> dict[str, HolidayNotice]:
    """The pack's notices by id."""
    return {notice.notice_id: notice for notice in load_pack("nanshan").notices}


@pytest.fixture
def calendar_2019_v1(shipped: dict[str, HolidayNotice]) -> WorkCalendar:
    """Every shipped notice except the 2019 May Day revision."""
    return WorkCalendar(n for n in shipped.values() if n.notice_id != "cn-2019-r1")


@pytest.fixture
def calendar() -> WorkCalendar:
    return default_calendar()


def notice_2027() -> HolidayNotice:
    """A test-only 2027 notice: Friday 2027-01-01 off (the real one is not published)."""
    return HolidayNotice(
        notice_id="test-2027",
        year=2027,
        title="测试用 2027 年节假日安排",
        published=D(2026, 11, 10),
        holidays={D(2027, 1, 1): "元旦"},
        workdays={},
    )


# CAL-01 (a): the 2019 May Day revision -------------------------------------------------------


def test_cal01_original_2019_notice_gives_may_6_and_april_29(
    calendar_2019_v1: WorkCalendar,
) -> None:
    assert calendar_2019_v1.add_working_days(D(2019, 4, 30), 3).date == D(2019, 5, 6)
    assert calendar_2019_v1.add_working_days(D(2019, 4, 26), 1).date == D(2019, 4, 29)


def test_cal01_revised_2019_notice_gives_may_7_and_sunday_april_28(
    calendar_2019_v1: WorkCalendar, shipped: dict[str, HolidayNotice]
) -> None:
    calendar_2019_v1.apply_notice(shipped["cn-2019-r1"])

    x = calendar_2019_v1.add_working_days(D(2019, 4, 30), 3)
    y = calendar_2019_v1.add_working_days(D(2019, 4, 26), 1)

    assert (x.date, x.provisional) == (D(2019, 5, 7), False)
    assert (y.date, y.provisional) == (D(2019, 4, 28), False)
    assert y.date.weekday() == 6


def test_cal01_revision_reports_exactly_the_dates_whose_status_changed(
    calendar_2019_v1: WorkCalendar, shipped: dict[str, HolidayNotice]
) -> None:
    changed = calendar_2019_v1.apply_notice(shipped["cn-2019-r1"])

    assert changed == {D(2019, 4, 28), D(2019, 5, 2), D(2019, 5, 3), D(2019, 5, 4), D(2019, 5, 5)}
    assert calendar_2019_v1.notice_for(D(2019, 4, 28)) == "cn-2019-r1"


def test_cal01_revision_keeps_the_rest_of_the_year(
    calendar_2019_v1: WorkCalendar, shipped: dict[str, HolidayNotice]
) -> None:
    calendar_2019_v1.apply_notice(shipped["cn-2019-r1"])

    assert calendar_2019_v1.day_kind(D(2019, 2, 5)) == "法定节假日"
    assert calendar_2019_v1.day_kind(D(2019, 10, 12)) == "补班"


def test_an_earlier_notice_applied_late_does_not_undo_a_revision(
    shipped: dict[str, HolidayNotice],
) -> None:
    calendar = WorkCalendar([shipped["cn-2019-r1"]])

    changed = calendar.apply_notice(shipped["cn-2019"])

    assert calendar.is_workday(D(2019, 4, 28))
    assert D(2019, 4, 28) not in changed


# CAL-01 (b): a deadline past the last known year ---------------------------------------------


def test_cal01_deadline_into_an_unloaded_year_is_provisional(calendar: WorkCalendar) -> None:
    due = calendar.add_working_days(D(2026, 12, 21), 15)

    assert due.date == D(2027, 1, 11)
    assert due.provisional is True
    assert due.missing_years == (2027,)
    assert due.warning is not None and "2027 calendar not loaded" in due.warning


def test_cal01_loading_2027_moves_the_deadline_and_clears_provisional(
    calendar: WorkCalendar,
) -> None:
    changed = calendar.apply_notice(notice_2027())

    due = calendar.add_working_days(D(2026, 12, 21), 15)

    assert changed == {D(2027, 1, 1)}
    assert (due.date, due.provisional, due.missing_years) == (D(2027, 1, 12), False, ())
    assert due.warning is None


def test_known_years_are_2019_to_2026_and_2027_is_not_covered(calendar: WorkCalendar) -> None:
    assert calendar.known_years == tuple(range(2019, 2027))
    assert calendar.covers(D(2026, 12, 31))
    assert not calendar.covers(D(2027, 1, 1))


# CAL-03: 2026 make-up workdays, local dates, ICS ---------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 5, 9), True),
        (D(2026, 9, 20), True),
        (D(2026, 10, 10), True),
        (D(2026, 5, 4), False),
        (D(2026, 10, 8), True),
    ],
)
def test_cal03_2026_is_workday(calendar: WorkCalendar, day: dt.date, expected: bool) -> None:
    assert calendar.is_workday(day) is expected


def test_cal03_deadlines_land_on_make_up_saturdays(calendar: WorkCalendar) -> None:
    assert calendar.add_working_days(D(2026, 4, 30), 4).date == D(2026, 5, 9)
    assert calendar.add_working_days(D(2026, 9, 30), 3).date == D(2026, 10, 10)


def test_cal03_receipt_counts_from_the_local_date_not_the_utc_date(calendar: WorkCalendar) -> None:
    received = dt.datetime(2026, 9, 20, 7, 0, tzinfo=SHANGHAI)

    assert received.astimezone(dt.UTC).date() == D(2026, 9, 19)
    assert calendar.due_date(received, 1).date == D(2026, 9, 21)
    assert calendar.due_date(received.astimezone(dt.UTC), 1).date == D(2026, 9, 21)


def test_cal03_ics_national_day_is_one_all_day_event_with_exclusive_end(
    calendar: WorkCalendar,
) -> None:
    ics = calendar.to_ics(2026)
    events = ics.split("BEGIN:VEVENT")[1:]
    national = next(e for e in events if "DTSTART;VALUE=DATE:20261001" in e)

    assert "DTEND;VALUE=DATE:20261008\r\n" in national
    assert "SUMMARY:国庆节 放假" in national


def test_cal03_ics_make_up_days_are_separate_buban_events(calendar: WorkCalendar) -> None:
    events = calendar.to_ics(2026).split("BEGIN:VEVENT")[1:]
    makeup = [e for e in events if "CATEGORIES:补班" in e]
    starts = sorted(line for e in makeup for line in e.split("\r\n") if line.startswith("DTSTART"))

    assert [s[-8:] for s in starts] == [
        "20260104", "20260214", "20260228", "20260509", "20260920", "20261010",
    ]
    assert all("补班" in e and "调休" not in e for e in makeup)


def test_cal03_ics_uses_crlf_and_no_time_zone(calendar: WorkCalendar) -> None:
    ics = calendar.to_ics(2026)

    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")
    assert "TZID" not in ics
    dated = [line for line in ics.split("\r\n") if line.startswith(("DTSTART", "DTEND"))]
    assert dated and all(";VALUE=DATE:" in line for line in dated)


def test_ics_lines_are_folded_at_75_octets(calendar: WorkCalendar) -> None:
    lines = calendar.to_ics(2026).split("\r\n")

    assert max(len(line.encode("utf-8")) for line in lines) <= 75


def test_ics_for_a_year_without_a_notice_names_the_known_years(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match=r"2027.*known years"):
        calendar.to_ics(2027)


def test_day_kinds_keep_make_up_days_and_rest_days_in_lieu_apart(calendar: WorkCalendar) -> None:
    assert calendar.day_kind(D(2026, 9, 20)) == "补班"
    assert calendar.day_label(D(2026, 9, 20)) == "国庆节补班 上班"
    assert calendar.day_kind(D(2026, 10, 7)) == "法定节假日"
    assert calendar.day_label(D(2026, 10, 7)) == "国庆节 调休 放假"
    assert calendar.day_label(D(2026, 10, 1)) == "国庆节 放假"
    assert calendar.day_kind(D(2026, 10, 11)) == "周末"
    assert calendar.day_kind(D(2026, 10, 12)) == "工作日"


def test_2020_spring_festival_extension_overrides_the_make_up_saturday(
    shipped: dict[str, HolidayNotice],
) -> None:
    original = WorkCalendar([shipped["cn-2020"]])
    extended = WorkCalendar([shipped["cn-2020"], shipped["cn-2020-r1"]])

    assert original.is_workday(D(2020, 2, 1)) and original.is_workday(D(2020, 1, 31))
    assert not extended.is_workday(D(2020, 2, 1))
    assert not extended.is_workday(D(2020, 1, 31))
    assert extended.is_workday(D(2020, 1, 19))


def test_new_year_days_of_december_come_from_the_next_years_notice(
    shipped: dict[str, HolidayNotice],
) -> None:
    assert D(2018, 12, 30) in shipped["cn-2019"].holidays
    assert D(2018, 12, 29) in shipped["cn-2019"].workdays


# Working hours -------------------------------------------------------------------------------


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("received", "hours", "expected"),
    [
        (local(2026, 12, 1, 10, 0), 1, local(2026, 12, 1, 11, 0)),
        (local(2026, 12, 1, 11, 30), 1, local(2026, 12, 1, 14, 30)),
        (local(2026, 12, 1, 11, 0), 1, local(2026, 12, 1, 12, 0)),
        (local(2026, 12, 1, 7, 0), 2, local(2026, 12, 1, 11, 0)),
        (local(2026, 12, 1, 17, 0), 2, local(2026, 12, 2, 10, 0)),
        (local(2026, 12, 4, 20, 0), 24, local(2026, 12, 10, 12, 0)),
        (local(2026, 9, 30, 17, 0), 2, local(2026, 10, 8, 10, 0)),
        (local(2026, 9, 19, 23, 0), 1, local(2026, 9, 20, 10, 0)),
    ],
)
def test_working_hours_skip_lunch_nights_weekends_and_holidays(
    calendar: WorkCalendar, received: dt.datetime, hours: int, expected: dt.datetime
) -> None:
    due = calendar.add_working_hours(received, hours)

    assert due == expected
    assert due.utcoffset() == dt.timedelta(0)


def test_working_hours_into_an_unloaded_year_are_provisional(calendar: WorkCalendar) -> None:
    due = calendar.due_at(local(2026, 12, 31, 17, 0), 2)

    assert due.at == local(2027, 1, 1, 10, 0)
    assert due.missing_years == (2027,)


def test_naive_receipt_time_is_refused_with_the_argument_named(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="received_at must be a timezone-aware datetime"):
        calendar.due_date(dt.datetime(2026, 9, 20, 7, 0), 1)


def test_negative_working_days_are_refused(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="n must be"):
        calendar.add_working_days(D(2026, 9, 20), -1)


# Handling-day metrics ------------------------------------------------------------------------


def test_working_days_between_inverts_add_working_days(calendar: WorkCalendar) -> None:
    for start in (D(2026, 4, 30), D(2026, 9, 30), D(2026, 12, 21), D(2019, 4, 26)):
        for n in (0, 1, 3, 15):
            due = calendar.add_working_days(start, n).date
            assert calendar.working_days_between(start, due) == n


def test_working_days_between_uses_local_dates_and_signs_reversed_ranges(
    calendar: WorkCalendar,
) -> None:
    received = dt.datetime(2026, 9, 19, 23, 0, tzinfo=dt.UTC)  # local 09-20, a make-up Sunday
    closed = dt.datetime(2026, 9, 22, 9, 0, tzinfo=SHANGHAI)

    assert calendar.working_days_between(received, closed) == 2
    assert calendar.working_days_between(closed, received) == -2


# Notices -------------------------------------------------------------------------------------


def test_a_broken_notice_reports_every_problem_at_once() -> None:
    body = {
        "notice_id": "bad",
        "year": "2027",
        "title": "",
        "published": "2026/11/10",
        "holidays": [{"date": "2027-01-01", "name": "元旦"}, {"date": "2027-13-01", "name": "x"}],
        "workdays": [{"date": "2027-01-01", "name": "元旦补班"}, {"date": "2027-01-05", "name": "y"}],
    }

    with pytest.raises(PackError) as caught:
        HolidayNotice.from_json(body, file="calendar/bad.json")

    fields = {problem.field for problem in caught.value.problems}
    assert {"year", "title", "published", "holidays[1].date", "date", "workdays.date"} <= fields


def test_notice_json_round_trips(shipped: dict[str, HolidayNotice]) -> None:
    for notice in shipped.values():
        assert HolidayNotice.from_json(notice.to_json()) == notice
