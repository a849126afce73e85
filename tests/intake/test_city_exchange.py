"""Exchange with the city platform: orders in (idempotent), results out to a stub city
server on 127.0.0.1 that fails first and then accepts; the failure is recorded on the case
and the background job retries it."""

from __future__ import annotations

from tests.support.texts import NOISE_REPLY

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select

from civicgrid.background import run_periodic
from civicgrid.cases import workflow
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import ActionIn
from civicgrid.db.core import make_session_factory
from civicgrid.intake.models import CityDelivery
from civicgrid.settings import Settings

pytestmark = pytest.mark.db

KEY = "demo-open311-key"


class StubCity(BaseHTTPRequestHandler):
    """Answers 503 to the first ``failures`` posts, then 200; keeps every body."""

    failures = 1
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StubCity.received.append(body)
        status = 503 if len(StubCity.received) <= StubCity.failures else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": %s}' % (b"false" if status != 200 else b"true"))

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def city() -> Iterator[str]:
    StubCity.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubCity)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/results"
    server.shutdown()


def _order(order_id: str) -> dict:
    return {"order_id": order_id, "title": "噪音扰民", "content": "夜间施工噪音扰民，请处理",
            "received_at": "2026-12-04T09:30:00+08:00", "category": "某市自定义分类",
            "address": "南山区桂庙路", "reporter_phone": "13800000000"}


def test_order_is_received_once_by_order_id(server) -> None:
    order_id = f"SZ-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=server, headers={"X-Api-Key": KEY}) as client:
        first = client.post("/api/city/orders", json=_order(order_id)).json()
        second = client.post("/api/city/orders", json=_order(order_id)).json()
    assert (first["created"], second["created"]) == (True, False)
    assert first["case_number"] == second["case_number"]


def test_order_without_key_is_refused(server) -> None:
    answer = httpx.post(server + "/api/city/orders", json=_order("SZ-nokey"))
    assert answer.status_code == 401 and answer.json()["error"]["field"] == "X-Api-Key"


def _close(session, number: str) -> Case:
    case = session.scalar(select(Case).where(Case.number == number))
    steps = [("dispatch", {"unit_code": "CGJ"}), ("accept", {}), ("reply", {"text": NOISE_REPLY}),
             ("review", {"passed": True}), ("return_visit", {"satisfaction": "satisfied"})]
    for action, extra in steps:
        workflow.perform(session=session, case=case, action=action, actor=workflow.SYSTEM,
                         data=ActionIn(version=case.version, **extra))
    session.commit()
    return case


def test_failed_send_is_recorded_and_retried_by_background_job(server, engine, session,
                                                               city) -> None:
    order_id = f"SZ-{uuid.uuid4().hex[:8]}"
    number = httpx.post(server + "/api/city/orders", json=_order(order_id),
                        headers={"X-Api-Key": KEY}).json()["case_number"]
    case = _close(session, number)  # closing never waits for the city
    settings = Settings(city_exchange_url=city, data_dir="/tmp/unused")
    factory = make_session_factory(engine)
    now = dt.datetime.now(dt.UTC)
    first = run_periodic(factory, settings, now=now)
    later = run_periodic(factory, settings, now=now + dt.timedelta(minutes=5))
    session.expire_all()
    delivery = session.scalar(select(CityDelivery).where(CityDelivery.case_id == case.id))
    kinds = list(session.scalars(select(CaseEvent.kind).where(
        CaseEvent.case_id == case.id, CaseEvent.kind.like("city_%")).order_by(CaseEvent.id)))
    assert (first["city"]["failed"], later["city"]["sent"]) == (1, 1)
    assert (delivery.attempts, delivery.delivered_at is not None) == (2, True)
    assert kinds == ["city_send_failed", "city_sent"]


def test_result_message_has_the_documented_fields(server, engine, session, city) -> None:
    StubCity.failures = 0
    try:
        order_id = f"SZ-{uuid.uuid4().hex[:8]}"
        number = httpx.post(server + "/api/city/orders", json=_order(order_id),
                            headers={"X-Api-Key": KEY}).json()["case_number"]
        _close(session, number)
        run_periodic(make_session_factory(engine),
                     Settings(city_exchange_url=city, data_dir="/tmp/unused"))
    finally:
        StubCity.failures = 1
    body = next(b for b in StubCity.received if b["order_id"] == order_id)
    assert set(body) == {"order_id", "case_number", "status", "resolution", "reply",
                         "replied_at", "closed_at", "satisfaction", "unit", "sent_at"}
    assert (body["case_number"], body["status"], body["resolution"], body["unit"]) == (
        number, "closed", "resolved", "CGJ")
