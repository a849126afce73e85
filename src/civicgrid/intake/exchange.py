"""Exchange with the upstream city platform (市12345): orders in, results out.

Inbound, the city POSTs a dispatched work order (JSON below) to ``/api/city/orders``; the
order id makes it idempotent (a repeat returns the case created the first time). The case
is created on the ``city`` channel with the order id as ``source_id``.

Outbound, when a city case is closed (or reopened), a result message is queued in
``city_deliveries`` and sent to ``settings.city_exchange_url`` by the background job. A
failed send never blocks the workflow: the error is kept on the delivery, one
``city_send_failed`` event per attempt goes on the case timeline, and the job retries with
a growing pause (1, 2, 4 … 60 minutes) until the city answers 2xx.

Inbound order (UTF-8 JSON)::

    {"order_id": "SZ12345-20261204-000123",      # required, unique at the city
     "title": "…", "content": "…",               # content required
     "received_at": "2026-12-04T09:30:00+08:00", # W3C time with zone
     "category": "环境保护/噪声污染",              # city's words; kept and queued if unknown
     "address": "…", "lat": 22.53, "lon": 113.93,# WGS-84
     "reporter_name": "…", "reporter_phone": "…",
     "due_at": "2026-12-10T18:00:00+08:00"}      # the city's deadline, if any

Outbound result (POST to city_exchange_url, JSON)::

    {"order_id": "…", "case_number": "NS20261204000001",
     "status": "closed" | "reopened",
     "resolution": "resolved" | "explained" | "closed_unconfirmed" | "unresolvable" | null,
     "reply": "…", "replied_at": "…+00:00", "closed_at": "…+00:00",
     "satisfaction": "satisfied" | "basic" | "dissatisfied" | null,
     "unit": "CGJ", "sent_at": "…+00:00"}

The city answers 2xx when it accepted the message; anything else is a failure.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import httpx
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.cases import service as cases
from civicgrid.cases import states
from civicgrid.cases.events import CaseHappening, subscribe
from civicgrid.cases.models import Case
from civicgrid.cases.schemas import CaseCreate
from civicgrid.intake.models import CityDelivery
from civicgrid.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "city"
MAX_PAUSE = dt.timedelta(minutes=60)


class CityOrder(BaseModel):
    """A work order dispatched by the city platform."""

    order_id: str = Field(min_length=1, max_length=64)
    title: str | None = Field(default=None, max_length=200)
    content: str = Field(min_length=1, max_length=50_000)
    received_at: dt.datetime | None = None
    category: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    reporter_name: str | None = Field(default=None, max_length=100)
    reporter_phone: str | None = Field(default=None, max_length=32)
    due_at: dt.datetime | None = None


def receive_order(*, session: Session, order: CityOrder) -> tuple[Case, bool]:
    """The case for this order, created on first receipt; (case, created)."""
    existing = session.scalar(
        select(Case).where(Case.channel == CHANNEL, Case.source_id == order.order_id)
    )
    if existing is not None:
        return existing, False
    from civicgrid.jurisdiction import service as jurisdiction

    category = jurisdiction.find_category_by_name(session=session, name=order.category) \
        if order.category else None
    data = CaseCreate(
        title=order.title, text=order.content, reporter_name=order.reporter_name,
        reporter_phone=order.reporter_phone, location_text=order.address, lat=order.lat,
        lon=order.lon, category_code=category.code if category else None,
        received_at=order.received_at, source_id=order.order_id,
    )
    case = cases.create(session=session, data=data, channel=CHANNEL,
                        extra={"source_category": order.category,
                               "completion_due": order.due_at})
    if order.category and category is None:
        cases.queue_source_value(session=session, kind="category", raw_value=order.category)
    return case, True


def result_message(case: Case, status: str) -> dict[str, Any]:
    """The outbound result for a city case, in the documented format."""
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "order_id": case.source_id, "case_number": case.number, "status": status,
        "resolution": case.resolution, "reply": case.reply, "replied_at": iso(case.replied_at),
        "closed_at": iso(case.closed_at), "satisfaction": case.satisfaction,
        "unit": case.lead_unit,
    }


def queue_result(*, session: Session, case: Case, status: str) -> CityDelivery:
    """Owe the city a result message for this case."""
    delivery = CityDelivery(case_id=case.id, order_id=case.source_id or "", kind="result",
                            payload=result_message(case, status))
    session.add(delivery)
    session.flush()
    return delivery


@subscribe(live_only=True)
def _on_case_event(session: Session, happening: CaseHappening) -> None:
    """Queue a result when a city case closes or is reopened after a dissatisfied visit."""
    case, event = happening.case, happening.event
    if case.channel != CHANNEL or not happening.live:
        return
    if event.to_status == states.CLOSED and event.from_status != states.CLOSED:
        queue_result(session=session, case=case, status="closed")
    elif event.kind == "return_visit" and event.to_status == states.DISPATCHED:
        queue_result(session=session, case=case, status="reopened")


def _pause(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_PAUSE)


def deliver_pending(
    *, session: Session, settings: Settings, now: dt.datetime | None = None,
    client: httpx.Client | None = None,
) -> dict[str, int]:
    """Try every delivery that is due; failures are recorded and retried later."""
    now = now or dt.datetime.now(dt.UTC)
    due = list(session.scalars(
        select(CityDelivery).where(CityDelivery.delivered_at.is_(None),
                                   CityDelivery.next_try_at <= now).order_by(CityDelivery.id)
    ))
    counts = {"sent": 0, "failed": 0, "waiting": 0}
    if not due:
        return counts
    if not settings.city_exchange_url:
        counts["waiting"] = len(due)
        return counts
    own = client is None
    client = client or httpx.Client(timeout=10)
    try:
        for delivery in due:
            ok = _send(session, client, settings.city_exchange_url, delivery, now)
            counts["sent" if ok else "failed"] += 1
    finally:
        if own:
            client.close()
    return counts


def _send(session: Session, client: httpx.Client, url: str, delivery: CityDelivery,
          now: dt.datetime) -> bool:
    delivery.attempts += 1
    body = {**delivery.payload, "sent_at": now.isoformat()}
    try:
        answer = client.post(url, json=body)
        error = None if answer.is_success else f"HTTP {answer.status_code}: {answer.text[:200]}"
    except httpx.HTTPError as exc:
        error = f"{exc.__class__.__name__}: {exc}"
    case = session.get(Case, delivery.case_id)
    if error is None:
        delivery.delivered_at, delivery.last_error = now, None
        if case is not None:
            cases.record_event(session=session, case=case, kind="city_sent", at=now,
                               payload={"delivery": delivery.id, "attempts": delivery.attempts},
                               dedup_key=f"city_sent:{delivery.id}")
        return True
    delivery.last_error = error
    delivery.next_try_at = now + _pause(delivery.attempts)
    log.warning("city result for case %s not delivered (attempt %s): %s", delivery.case_id,
                delivery.attempts, error)
    if case is not None:
        cases.record_event(session=session, case=case, kind="city_send_failed", at=now,
                           payload={"delivery": delivery.id, "attempt": delivery.attempts,
                                    "error": error,
                                    "next_try_at": delivery.next_try_at.isoformat()},
                           dedup_key=f"city_fail:{delivery.id}:{delivery.attempts}")
    return False
