"""Case-like records as the case-level detectors read them.

The detectors take any mix of dicts, dataclasses or ORM rows with the fields below and turn
each into a :class:`CaseRecord` with :func:`as_case`; nothing else about the case model is
assumed. Times may be datetimes, dates or ISO strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

CLOSED_STATUSES = frozenset({"closed", "resolved", "办结", "已办结", "已关闭", "已解决", "归档"})


@dataclass(frozen=True)
class CaseRecord:
    """The fields the case-level detectors use."""

    id: str
    time: dt.datetime
    category: str = ""
    place: str = ""  # house, building or address key
    reporter: str = ""  # reporter key (never a raw phone number)
    text: str = ""
    status: str = ""
    reopen_count: int = 0
    region: str = ""  # grid or community, for topic concentration
    negativity: float | None = None  # 0 (calm) … 1 (angry), from the NLP models when present

    @property
    def is_open(self) -> bool:
        """True unless the status is a closed one."""
        return self.status.strip().lower() not in CLOSED_STATUSES


def _time(value: Any, field: str, case_id: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, str) and value.strip():
        try:
            parsed = dt.datetime.fromisoformat(value.strip().replace("/", "-"))
        except ValueError:
            pass
        else:
            return parsed.replace(tzinfo=None)
    raise ValueError(
        f"case {case_id!r}: field {field!r} has {value!r}, which is not a time; give a datetime "
        "or an ISO string such as 2026-12-04T09:30"
    )


def as_case(record: Mapping[str, Any] | Any) -> CaseRecord:
    """A :class:`CaseRecord` from a dict, dataclass or object with the same field names."""
    if isinstance(record, CaseRecord):
        return record
    get = record.get if isinstance(record, Mapping) else (lambda k, d=None: getattr(record, k, d))
    case_id = str(get("id", "") or "")
    if not case_id:
        raise ValueError("a case record has no 'id'; give every record a case id")
    negativity = get("negativity")
    return CaseRecord(
        id=case_id,
        time=_time(get("time"), "time", case_id),
        category=str(get("category", "") or ""),
        place=str(get("place", "") or ""),
        reporter=str(get("reporter", "") or ""),
        text=str(get("text", "") or ""),
        status=str(get("status", "") or ""),
        reopen_count=int(get("reopen_count", 0) or 0),
        region=str(get("region", "") or ""),
        negativity=None if negativity is None else float(negativity),
    )


def as_cases(records: Iterable[Mapping[str, Any] | Any]) -> list[CaseRecord]:
    """Records as :class:`CaseRecord`, sorted by time then id."""
    return sorted((as_case(r) for r in records), key=lambda c: (c.time, c.id))
