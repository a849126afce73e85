"""Applying a holiday notice to a running installation: store it, rebuild the calendar,
recompute every open case's deadline and audit each change (traps CAL-01)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from civicgrid.jurisdiction import service
from civicgrid.jurisdiction.pack import HolidayNotice


def apply_notice(*, session: Session, notice: HolidayNotice) -> dict:
    """Store ``notice`` and move open deadlines accordingly."""
    from civicgrid.cases.service import recompute_deadlines

    added = service.store_notice(session=session, notice=notice)
    moved = recompute_deadlines(session=session, notice_id=notice.notice_id) if added else 0
    return {"notice_id": notice.notice_id, "added": added, "deadlines_moved": moved}


def apply_notice_file(*, session: Session, path: Path) -> dict:
    """Read a notice JSON file (the pack's format) and apply it."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"cannot read notice {path}: {exc}; it must be the pack's JSON format"
        ) from None
    return apply_notice(session=session, notice=HolidayNotice.from_json(body, file=str(path)))
