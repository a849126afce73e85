"""Reading the times an audit is given: received, replied, deadline.

Times may come as ``datetime``, ``date`` or text as exports write it (``2019/4/25 9:32:09``,
``2022-05-10``, ISO 8601). Times without a zone are taken as Asia/Shanghai local time. A
deadline given as a bare date means the end of that day.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from civicgrid.settings import TIMEZONE

LOCAL = ZoneInfo(TIMEZONE)

_TEXT = re.compile(
    r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)

When = dt.datetime | dt.date | str | None


class WhenError(ValueError):
    """A time that cannot be read; the message names the argument and the accepted forms."""


def parse_when(value: When, *, name: str, end_of_day: bool = False) -> dt.datetime | None:
    """A zone-aware datetime from a datetime, date or text, or None for None/empty text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL)
    if isinstance(value, dt.date):
        clock = dt.time(23, 59, 59) if end_of_day else dt.time(0, 0)
        return dt.datetime.combine(value, clock, tzinfo=LOCAL)
    if isinstance(value, str):
        return _parse_text(value, name=name, end_of_day=end_of_day)
    raise WhenError(f"{name} must be a datetime, a date or text, got {type(value).__name__}")


def _parse_text(value: str, *, name: str, end_of_day: bool) -> dt.datetime:
    match = _TEXT.match(value)
    if not match:
        raise WhenError(
            f"{name}={value!r} is not a time; write it like 2026-12-04, 2026-12-04 09:30 or "
            "2026/12/4 9:30:00"
        )
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        raise WhenError(f"{name}={value!r} is not a real calendar date") from None
    if hour is None:
        return parse_when(date, name=name, end_of_day=end_of_day)  # type: ignore[return-value]
    clock = dt.time(int(hour), int(minute), int(second or 0))
    return dt.datetime.combine(date, clock, tzinfo=_zone(zone))


def _zone(text: str | None) -> dt.tzinfo:
    if not text:
        return LOCAL
    if text == "Z":
        return dt.timezone.utc
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
