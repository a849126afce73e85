"""Times and dates in request texts, normalised against the time the request was received.

Citizens write relative times (``昨天晚上``, ``凌晨2点``, ``上周三``, ``3月5日``, ``两天前``).
:func:`find_times` finds them in a (normalised) text and resolves each to a local
(Asia/Shanghai) interval ``[start, end)``:

* a date alone (``3月5日``, ``昨天``) covers that whole day;
* a part of the day (``晚上``) covers its hours (table :data:`DAY_PARTS`);
* a clock time (``2点``, ``14:30``) covers one minute, or the hour for ``2点``;
* ``上周`` covers the previous Monday..Sunday, ``上个月`` the previous calendar month.

Rules for incomplete expressions: a date without a year takes the year that puts it on or
before the receipt date (complaints are about the past); a clock time without a date takes
the receipt date, or the day before when that would lie in the future; a time after
``每天``/``每晚``/``天天`` is marked ``recurring`` and keeps the receipt date. Hours written
with ``下午/晚上/傍晚`` and below 12 are moved to the afternoon; ``凌晨12点`` is midnight.

Spans are code point offsets into the text given (see :mod:`civicgrid.nlp.normalise`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from civicgrid.settings import TIMEZONE

LOCAL = ZoneInfo(TIMEZONE)

# Part of the day -> (start hour, end hour) in local time; end 24 means midnight after.
DAY_PARTS: dict[str, tuple[int, int]] = {
    "凌晨": (0, 6), "清晨": (5, 8), "早晨": (5, 9), "早上": (5, 9), "一早": (5, 9),
    "上午": (8, 12), "中午": (11, 14), "下午": (12, 18), "傍晚": (17, 19),
    "晚上": (18, 24), "夜里": (20, 24), "夜间": (20, 24), "晚间": (18, 24), "半夜": (0, 4),
    "深夜": (22, 24), "午夜": (0, 2), "白天": (8, 18), "夜晚": (18, 24), "晚": (18, 24),
}
_AFTERNOON = {"下午", "傍晚", "晚上", "夜里", "夜间", "晚间", "深夜", "夜晚", "晚"}
_RELATIVE_DAYS = {
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "昨": -1, "今天": 0, "今日": 0, "今": 0,
    "当天": 0, "明天": 1, "明日": 1, "后天": 2,
}
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}

_NUM = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_DATE = (
    r"(?P<ymd>(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})[日号]?)"
    rf"|(?P<md>(?:(?P<y2>\d{{4}})年)?(?P<m2>{_NUM})月(?P<d2>{_NUM})[日号])"
    r"|(?P<rel>大前天|前天|昨天|昨日|今天|今日|当天|明天|明日|后天|昨(?=晚|夜)|今(?=晚|早))"
    rf"|(?P<ago>(?P<n>{_NUM}|几|半)个?(?P<unit>天|日|周|星期|个月|月|年)[以之]?前)"
    r"|(?P<week>(?P<wk>上上|上|这|本|下)(?:个)?(?:周|星期|礼拜)(?P<wd>[二三四五六日天末]|一(?![直样起些次下点般定共切]))?)"
    r"|(?P<lonewd>(?:周|星期|礼拜)(?P<wd2>[二三四五六日天末]|一(?![直样起些次下点般定共切])))"
    r"|(?P<month>(?P<mo>上上|上|这|本)个?月)"
)
_PART = "|".join(sorted(DAY_PARTS, key=len, reverse=True))
_CLOCK = (
    rf"(?P<hh>{_NUM})[点时](?:(?P<mm>\d{{1,2}}|[一二三四五]?十[一二三四五六七八九]?)分?|(?P<half>半))?"
    r"|(?P<hh2>\d{1,2}):(?P<mm2>\d{2})"
)
# Words a few characters before a time that make it a habit (每天开到凌晨2点).
_RECURRING = re.compile(r"每天|每晚|每日|天天|每到|每个?晚上|经常|长期|每周|每逢")
# Every time expression starts with one of these characters; the look-ahead lets the regex
# engine skip all other positions at C speed.
_FIRST = "0-9零〇一二两三四五六七八九十几半大前昨今当明后上这本下周星礼每天凌清早中傍晚夜深午白"
_TIME = re.compile(
    rf"(?=[{_FIRST}])(?P<recur>每天|每晚|每日|天天|每到|每个?晚上)?"
    rf"(?:(?P<date>{_DATE}))?(?P<part>{_PART})?(?P<clock>{_CLOCK})?"
)


@dataclass(frozen=True)
class TimeMention:
    """A time expression and the local interval it denotes (``start`` inclusive)."""

    text: str
    start: int
    end: int
    value_start: dt.datetime
    value_end: dt.datetime
    granularity: str  # "minute", "hour", "day_part", "day", "week", "month", "year"
    recurring: bool = False


def find_times(text: str, received_at: dt.datetime) -> list[TimeMention]:
    """All time expressions in ``text``, resolved against ``received_at`` (aware or local)."""
    received = _as_local(received_at)
    mentions: list[TimeMention] = []
    for m in _TIME.finditer(text):
        if not (m.group("date") or m.group("part") or m.group("clock")):
            continue
        if m.group("part") == "晚" and not (m.group("date") or m.group("clock")):
            continue  # a lone 晚 is too often 太晚/晚了
        if m.group("clock") and not (m.group("date") or m.group("part")):
            if not _clock_alone_is_time(text, m):
                continue
        resolved = _resolve(m, received)
        if resolved is None:
            continue
        start_value, end_value, granularity = resolved
        begin = m.start("date") if m.group("date") else m.start("part") if m.group("part") \
            else m.start("clock")
        recurring = bool(m.group("recur") or _RECURRING.search(text[max(0, begin - 6) : begin]))
        mentions.append(TimeMention(
            text=text[begin:m.end()], start=begin, end=m.end(), value_start=start_value,
            value_end=end_value, granularity=granularity, recurring=recurring,
        ))
    return mentions


def _clock_alone_is_time(text: str, m: re.Match[str]) -> bool:
    """``3点`` alone is a time; ``一点`` in ``快一点`` or ``有点`` is not."""
    if m.group("hh2"):
        return True
    return bool(re.fullmatch(r"\d{1,2}", m.group("hh") or "")) or bool(m.group("mm"))


def _as_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=LOCAL)
    return value.astimezone(LOCAL)


def _number(token: str | None) -> int | None:
    if not token:
        return None
    if token.isdigit():
        return int(token)
    if token == "半":
        return 0
    if token == "几":
        return 3
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0))
    total = 0
    for char in token:
        if char not in _CN_DIGITS:
            return None
        total = total * 10 + _CN_DIGITS[char]
    return total


def _resolve(
    m: re.Match[str], received: dt.datetime
) -> tuple[dt.datetime, dt.datetime, str] | None:
    day_range = _date_range(m, received) if m.group("date") else None
    if m.group("date") and day_range is None:
        return None
    if day_range is not None and day_range[2] in ("week", "month", "year"):
        return day_range if not (m.group("part") or m.group("clock")) else None
    base_day = day_range[0].date() if day_range else received.date()
    part = m.group("part")
    if m.group("clock"):
        return _clock(m, base_day, part, received, dated=day_range is not None)
    if part:
        return _day_part(part, base_day, received, dated=day_range is not None, m=m)
    assert day_range is not None
    return day_range


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LOCAL)


def _date_range(
    m: re.Match[str], received: dt.datetime
) -> tuple[dt.datetime, dt.datetime, str] | None:
    today = received.date()
    try:
        day = _explicit_date(m, today)
    except ValueError:
        return None
    if day is not None:
        return _midnight(day), _midnight(day + dt.timedelta(days=1)), "day"
    if m.group("rel"):
        rel = m.group("rel")
        day = today + dt.timedelta(days=_RELATIVE_DAYS[rel])
        return _midnight(day), _midnight(day + dt.timedelta(days=1)), "day"
    if m.group("ago"):
        return _ago(m, received)
    if m.group("week") or m.group("lonewd"):
        return _week(m, today)
    return _month(m.group("mo"), today)


def _explicit_date(m: re.Match[str], today: dt.date) -> dt.date | None:
    if m.group("ymd"):
        return dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    if not m.group("md"):
        return None
    month, day = _number(m.group("m2")), _number(m.group("d2"))
    if month is None or day is None:
        raise ValueError("unreadable month or day")
    if m.group("y2"):
        return dt.date(int(m.group("y2")), month, day)
    candidate = dt.date(today.year, month, day)
    return candidate if candidate <= today else dt.date(today.year - 1, month, day)


def _ago(m: re.Match[str], received: dt.datetime) -> tuple[dt.datetime, dt.datetime, str]:
    count = _number(m.group("n")) or 0
    unit = m.group("unit")
    days = {"天": 1, "日": 1, "周": 7, "星期": 7, "个月": 30, "月": 30, "年": 365}[unit] * count
    if m.group("n") == "半":
        days = {"天": 0, "日": 0, "周": 3, "星期": 3, "个月": 15, "月": 15, "年": 182}[unit]
    day = received.date() - dt.timedelta(days=days)
    granularity = "day" if unit in ("天", "日") else "week" if unit in ("周", "星期") else "month"
    return _midnight(day), _midnight(day + dt.timedelta(days=1)), granularity if days else "day"


def _week(m: re.Match[str], today: dt.date) -> tuple[dt.datetime, dt.datetime, str]:
    which = m.group("wk")
    offset = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, None: 0}[which]
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=offset)
    weekday = m.group("wd") or m.group("wd2")
    if weekday is None:
        return _midnight(monday), _midnight(monday + dt.timedelta(days=7)), "week"
    day = monday + dt.timedelta(days=_WEEKDAYS[weekday])
    if which is None and day > today:
        day -= dt.timedelta(days=7)  # a bare 周三 is the most recent one
    length = 2 if weekday == "末" else 1
    return _midnight(day), _midnight(day + dt.timedelta(days=length)), "day"


def _month(which: str, today: dt.date) -> tuple[dt.datetime, dt.datetime, str]:
    back = {"上上": 2, "上": 1, "这": 0, "本": 0}[which]
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return _midnight(first), _midnight(following), "month"


def _day_part(
    part: str, day: dt.date, received: dt.datetime, *, dated: bool, m: re.Match[str]
) -> tuple[dt.datetime, dt.datetime, str]:
    if m.group("rel") in ("昨", "今") and part == "晚":
        part = "晚上"
    first, last = DAY_PARTS[part]
    start = _midnight(day) + dt.timedelta(hours=first)
    if not dated and not m.group("recur") and start > received:
        start -= dt.timedelta(days=1)
    return start, start + dt.timedelta(hours=last - first), "day_part"


def _clock(
    m: re.Match[str], day: dt.date, part: str | None, received: dt.datetime, *, dated: bool
) -> tuple[dt.datetime, dt.datetime, str] | None:
    hour = _number(m.group("hh") or m.group("hh2"))
    minute_token = m.group("mm") or m.group("mm2")
    minute = 30 if m.group("half") else _number(minute_token) or 0
    if hour is None or hour > 24 or minute > 59:
        return None
    if part in _AFTERNOON and hour < 12 and not (part in ("晚上", "夜里") and hour <= 4):
        hour += 12
    if part in ("凌晨", "半夜", "午夜") and hour == 12:
        hour = 0
    start = _midnight(day) + dt.timedelta(hours=hour, minutes=minute)
    if not dated and not m.group("recur") and start > received:
        start -= dt.timedelta(days=1)
    exact = bool(minute_token or m.group("half") or m.group("hh2"))
    length = dt.timedelta(minutes=1) if exact else dt.timedelta(hours=1)
    return start, start + length, "minute" if exact else "hour"
