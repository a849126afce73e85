"""Helpers of the insights database tests: planting GENERATED cases straight into the tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from civicgrid.cases.models import Case

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def plant_cases(
    session: Session, texts: Sequence[str], days: Sequence[dt.date], *, prefix: str,
    street: str | None = None, status: str = "received",
) -> list[int]:
    """Insert one generated case per text, received at noon on the matching day; returns ids."""
    cases = [
        Case(number=f"{prefix}{n:06d}", channel="hotline", title=text[:60], text=text,
             status=status, received_at=dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI),
             received_on=day, street_code=street, generated=True)
        for n, (text, day) in enumerate(zip(texts, days, strict=True))
    ]
    session.add_all(cases)
    session.flush()
    return [c.id for c in cases]
