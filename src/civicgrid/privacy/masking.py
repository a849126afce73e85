"""Patterns and masks for phones, ID numbers and names.

Every pattern is anchored with digit look-arounds, so a phone number is never taken from
inside a longer digit run such as a 19-digit work-order number or an 18-character ID number.
Spans are Python string indices (Unicode code points) into the text given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Mainland mobile numbers: 1 followed by 3-9 and nine more digits (covers 13x..19x), with
# optional +86 / 0086 prefix and optional spaces or hyphens in the 3-4-4 grouping.
_MOBILE = re.compile(
    r"(?<![0-9A-Za-z])(?:(?:\+|00)86[\s-]?)?(1[3-9]\d(?:[\s-]?\d{4}){2})(?![0-9])"
)
# Landlines: area code 0xx or 0xxx, a hyphen or space optional, then 7-8 digits.
_LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3}[\s-]?\d{7,8})(?![0-9])")
# Resident ID numbers (GB 11643): 17 digits and a digit or X; 15-digit old form too.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Found:
    """One piece of personal data found in a text."""

    kind: str
    value: str
    start: int
    end: int


def id_check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    """Whether an 18-character ID number carries the right GB 11643 check character."""
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    return id_check_character(value[:17]) == value[17]


# Words that introduce a serial number (work order, tracking, invoice): a digit run right
# after them is never an ID number, even when its digits happen to hold a plausible date.
_SERIAL_LABEL = re.compile(r"(?:工单|单号|编号|订单|流水|运单|快递|发票|案件|序号|受理号)[号码:：\s]*$")


def find_id_numbers(text: str) -> list[Found]:
    """ID numbers in ``text`` (18-digit with a valid-looking birth date, or 15-digit)."""
    found = []
    for m in _ID_NUMBER.finditer(text):
        value = m.group(1)
        birth = value[6:14] if len(value) == 18 else "19" + value[6:12]
        if not _plausible_birth(birth):
            continue
        if _SERIAL_LABEL.search(text[max(0, m.start(1) - 8) : m.start(1)]):
            continue
        found.append(Found("id_number", value, m.start(1), m.end(1)))
    return found


def find_phones(text: str) -> list[Found]:
    """Mobile and landline numbers in ``text``, outside any ID number."""
    taken = [(f.start, f.end) for f in find_id_numbers(text)]
    found: list[Found] = []
    for pattern, kind in ((_MOBILE, "mobile"), (_LANDLINE, "landline")):
        for m in pattern.finditer(text):
            span = (m.start(1), m.end(1))
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            found.append(Found(kind, m.group(1), *span))
    return sorted(found, key=lambda f: f.start)


def _plausible_birth(yyyymmdd: str) -> bool:
    year, month, day = int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    return 1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def mask_phone(value: str | None) -> str | None:
    """``13800000000`` → ``138****0000``; landlines keep the area code and last four."""
    if not value:
        return value
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        head = value.split("-")[0] if "-" in value else digits[:3]
        return f"{head}-****{digits[-4:]}" if "-" in value else f"{head}****{digits[-4:]}"
    return "****"


def mask_id_number(value: str | None) -> str | None:
    """``11010519491231002X`` → ``110105********002X`` (region kept, birth date hidden)."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """``张三丰`` → ``张**``; a one-character name becomes ``*``."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"


def redact_text(text: str) -> str:
    """Replace every phone and ID number inside free text by its mask."""
    pieces = find_id_numbers(text) + find_phones(text)
    for item in sorted(pieces, key=lambda f: f.start, reverse=True):
        masked = mask_id_number(item.value) if item.kind == "id_number" else mask_phone(item.value)
        text = text[: item.start] + (masked or "") + text[item.end :]
    return text
