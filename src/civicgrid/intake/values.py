"""Reading single cell values of hotline exports: times, phones, coordinates, statuses.

Every reader takes the cell's text (as :mod:`civicgrid.intake.files` gives it) and returns
the typed value, or raises :class:`CellError` with a reason in the user's language that
says what was found and how to fix it. The reasons never repeat personal values (phones,
ID numbers) so they can be shown and logged as they are.

Times accepted:

* ISO 8601 with or without a zone (``2016-07-13 15:11:07+00:00``, ``2022-05-10``);
* Chinese exports ``2019/2/28 11:25:05``, ``2019.2.28``, ``2019年2月28日 11时25分``;
* US exports ``02/28/2023 11:45:00 PM`` (month first whenever the year comes last);
* Excel serial day numbers (``45264.5``, 1900 date system) in a time column.

Times without a zone are read in the mapping's time zone (default Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from civicgrid.cases.schemas import normalise_phone

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# Serial numbers between these bounds are read as days (1954-10-18 … 2173-10-14).
_SERIAL_MIN, _SERIAL_MAX = 20000.0, 100000.0

_YMD = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_MDY = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})"
    r"(?:\s+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?$"
)
CLOSED_WORDS = frozenset({
    "closed", "close", "resolved", "completed", "done",
    "已办结", "办结", "已结案", "结案", "已完成", "完成", "已关闭", "关闭", "已解决",
})


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown to the user."""


def parse_time(text: str, *, zone: ZoneInfo, numeric: bool = False) -> dt.datetime:
    """An aware UTC time from an export's cell text."""
    value = text.strip()
    parsed = _serial(value) if (numeric or _looks_serial(value)) else None
    if parsed is None:
        parsed = _iso(value) or _ymd(value) or _mdy(value)
    if parsed is None:
        raise CellError(
            f"无法识别的时间“{value[:40]}”；请写成 2026-12-04 09:30、2026/12/4 9:30 "
            "或 Excel 日期格式"
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(dt.UTC)


def _looks_serial(value: str) -> bool:
    return bool(re.fullmatch(r"\d{5}(?:\.\d+)?", value))


def _serial(value: str) -> dt.datetime | None:
    try:
        number = float(value)
    except ValueError:
        return None
    if not _SERIAL_MIN <= number <= _SERIAL_MAX:
        return None
    moment = EXCEL_EPOCH + dt.timedelta(days=number)
    return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))


def _iso(value: str) -> dt.datetime | None:
    if not re.match(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _ymd(value: str) -> dt.datetime | None:
    match = _YMD.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                             int(second or 0))
    except ValueError:
        return None
    if zone:
        zone = zone if zone != "Z" else "+00:00"
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment.replace(tzinfo=dt.timezone(sign * offset))
    return moment


def _mdy(value: str) -> dt.datetime | None:
    match = _MDY.match(value)
    if match is None:
        return None
    month, day, year, hour, minute, second, half = match.groups()
    hour_value = int(hour or 0)
    if half:
        if not 1 <= hour_value <= 12:
            return None
        hour_value = hour_value % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return dt.datetime(int(year), int(month), int(day), hour_value, int(minute or 0),
                           int(second or 0))
    except ValueError:
        return None


def parse_phone(text: str) -> str:
    """A normalised phone number; Excel's float forms are repaired or refused."""
    value = text.strip()
    if re.fullmatch(r"\d+\.0+", value):  # 13800000000.0: a phone Excel held as a number
        value = value.split(".")[0]
    if re.fullmatch(r"\d(?:\.\d+)?[eE]\+?\d+", value):
        raise CellError(
            "电话号码被 Excel 存成了科学计数法（如 1.38E+10），后几位已经丢失；"
            "请在原表中把该列设为文本后重新导出"
        )
    try:
        phone = normalise_phone(value)
    except ValueError:
        raise CellError(
            "不是有效的电话号码；手机号应为 11 位（如 13800000000），座机请带区号"
            "（如 0755-26000000）"
        ) from None
    if phone is None:
        raise CellError("电话为空")
    return phone


def parse_coordinate(text: str, *, lower: float, upper: float, name: str) -> float | None:
    """A latitude or longitude in range; 0 (a missing point in many exports) gives None."""
    try:
        number = float(text.strip())
    except ValueError:
        raise CellError(f"{name}“{text[:20]}”不是数字") from None
    if number == 0:
        return None
    if not lower <= number <= upper:
        raise CellError(f"{name} {number} 超出范围 {lower}…{upper}")
    return number


def is_closed_status(text: str) -> bool:
    """Whether a source status word means the request was closed."""
    return text.strip().lower() in CLOSED_WORDS


def lost_digits(text: str) -> bool:
    """Whether a number cell has more digits than Excel keeps (15 significant digits)."""
    digits = re.sub(r"\D", "", text)
    return len(digits) > 15
