"""Check digits of Chinese identifiers: resident ID numbers (GB 11643) and unified social
credit codes (GB 32100), with findings that name the field, the value and the fix.

A finding is a :class:`Problem`; :func:`id_number_problems` and :func:`credit_code_problems`
return every problem of one value (an empty list means the value is good).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from civicgrid.privacy.masking import id_check_character, is_valid_id_number, mask_id_number

# GB 32100-2015: 31 characters (no I, O, Z, S, V) and the weights 3**i mod 31 of positions 1-17.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a field of a record; ``value`` is masked for ID numbers."""

    field: str
    code: str
    message: str
    value: str | None = None
    fix: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """The problem as JSON."""
        return {"field": self.field, "code": self.code, "message": self.message,
                "value": self.value, "fix": self.fix}


def credit_check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    """Whether an 18-character unified social credit code has the right check character."""
    value = value.strip().upper()
    return bool(_CREDIT_SHAPE.fullmatch(value)) and credit_check_character(value[:17]) == value[17]


def credit_code_problems(value: str | None, *, field: str = "credit_code") -> list[Problem]:
    """Every problem of a credit code: missing, wrong shape or wrong check character."""
    if not value:
        return [Problem(field, "missing", "credit code is required", None,
                        "enter the 18-character unified social credit code")]
    code = value.strip().upper()
    if not _CREDIT_SHAPE.fullmatch(code):
        return [Problem(field, "shape", f"{code!r} is not 18 characters of the GB 32100 set",
                        code, "use digits and capital letters except I, O, Z, S, V")]
    expected = credit_check_character(code[:17])
    if expected != code[17]:
        return [Problem(field, "check_character",
                        f"check character is {code[17]}, GB 32100 gives {expected}", code,
                        "re-read the code from the business licence")]
    return []


def birth_date(id_number: str) -> dt.date | None:
    """The date of birth held in an 18-digit ID number, or None when it is no date."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def id_number_problems(value: str | None, *, today: dt.date | None = None,
                       field: str = "id_number") -> list[Problem]:
    """Every problem of a resident ID number: old 15-digit form, shape, date, check digit."""
    if not value:
        return [Problem(field, "missing", "ID number is required", None,
                        "enter the 18-character resident ID number")]
    number = value.strip().upper()
    shown = mask_id_number(number)
    if re.fullmatch(r"\d{15}", number):
        return [Problem(field, "old_15_digit", "15-digit ID number of the old form", shown,
                        "ask for the current 18-digit ID card")]
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return [Problem(field, "shape", "an ID number is 17 digits and a digit or X", shown,
                        "re-read the number from the ID card")]
    problems = []
    born = birth_date(number)
    if born is None:
        problems.append(Problem(field, "birth_date", "digits 7-14 are no calendar date", shown,
                                "re-read the date of birth part"))
    elif born > (today or dt.date.today()):
        problems.append(Problem(field, "future_birth", f"date of birth {born} is in the future",
                                shown, "re-read the date of birth part"))
    if not is_valid_id_number(number):
        problems.append(Problem(field, "check_digit",
                                f"check digit is {number[17]}, GB 11643 gives "
                                f"{id_check_character(number[:17])}", shown,
                                "re-read the number; one digit is likely wrong"))
    return problems
