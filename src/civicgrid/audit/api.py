"""Reply audit figures per unit and month, read from the reply events of the case timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from civicgrid.audit import service
from civicgrid.audit.statistics import AuditRecord, unit_month_statistics
from civicgrid.cases.models import CaseEvent
from civicgrid.cases.workflow import Actor
from civicgrid.web.deps import CurrentActor, DbSession, requires

router = APIRouter(prefix="/api/audit", tags=["audit"])
MetricsReader = Annotated[Actor, Depends(requires("metrics.read"))]


@router.get("/stats")
def stats(session: DbSession, _actor: MetricsReader, days: int = 90) -> list[dict]:
    """Per unit and month: replies audited, returned, passed with notes, the top faults."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.kind == "reply", CaseEvent.at >= since)
    )
    records = [
        AuditRecord(unit=e.unit_code or "", audited_at=e.at, verdict=e.payload["audit"]["verdict"],
                    faults=tuple(e.payload["audit"].get("faults", ())))
        for e in events if "audit" in e.payload
    ]
    return [asdict(row) for row in unit_month_statistics(records)]


@router.post("/check")
def check(body: dict, _actor: CurrentActor) -> dict:
    """Audit a draft reply against a request text before it is sent (no case needed)."""
    verdict = service.audit(str(body.get("request", "")), str(body.get("reply", "")))
    return verdict.to_dict()
