"""Outbound channels against stub servers on 127.0.0.1: a failed send is recorded and
retried, and never blocks the case; the inbox gets the unit's messages."""

from __future__ import annotations

import datetime as dt
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from civicgrid.accounts.models import User
from civicgrid.cases import service
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.cases.workflow import Actor, perform
from civicgrid.notifications import service as notifications
from civicgrid.notifications.models import InboxMessage, OutboundMessage
from civicgrid.settings import Settings

pytestmark = pytest.mark.db


class StubHTTP:
    """Answers each POST with the next (status, body) from ``answers``; keeps bodies."""

    def __init__(self, answers: list[tuple[int, dict]]) -> None:
        self.answers, self.bodies = list(answers), []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stub.bodies.append((dict(self.headers), json.loads(body)))
                status, answer = stub.answers.pop(0) if stub.answers else (200, {"errcode": 0})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class StubSMTP(socketserver.ThreadingTCPServer):
    """A minimal SMTP server keeping each message's DATA."""

    allow_reuse_address = True

    def __init__(self) -> None:
        self.messages: list[str] = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 stub\r\n")
                while line := self.rfile.readline():
                    verb = line.decode().strip().upper()
                    if verb.startswith("DATA"):
                        self.wfile.write(b"354 go\r\n")
                        data = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(chunk.decode("utf-8", "replace"))
                        outer.messages.append("".join(data))
                        self.wfile.write(b"250 ok\r\n")
                    elif verb.startswith("QUIT"):
                        self.wfile.write(b"221 bye\r\n")
                        return
                    elif verb.startswith("EHLO"):
                        self.wfile.write(b"250-stub\r\n250 8BITMIME\r\n")
                    else:
                        self.wfile.write(b"250 ok\r\n")

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def clean_outbox(session):  # noqa: ANN001, ANN201
    for row in session.scalars(select(OutboundMessage)):
        session.delete(row)
    session.flush()
    return session


def test_sms_failure_is_recorded_and_retried_until_sent(clean_outbox) -> None:  # noqa: ANN001
    session = clean_outbox
    stub = StubHTTP([(500, {}), (200, {"code": 0})])
    settings = Settings(sms_gateway_url=stub.url, sms_gateway_key="k-123")
    try:
        message = notifications.queue_outbound(
            session=session,
            settings=settings,
            channel="sms",
            kind="receipt",
            text="已受理",
            target="13800138000",
        )
        session.flush()
        now = dt.datetime.now(dt.UTC)
        first = notifications.deliver_pending(session=session, settings=settings, now=now)
        assert first == {"sent": 0, "failed": 0, "retrying": 1}
        assert message.attempts == 1 and "HTTP 500" in message.last_error
        assert message.next_attempt_at > now
        later = notifications.deliver_pending(
            session=session, settings=settings, now=now + dt.timedelta(minutes=2)
        )
        assert later["sent"] == 1 and message.status == "sent"
        headers, body = stub.bodies[-1]
        assert (
            body == {"phone": "13800138000", "text": "已受理"} and headers["X-Api-Key"] == "k-123"
        )
    finally:
        stub.close()


@pytest.mark.parametrize("channel", ["wecom", "dingtalk"])
def test_group_robot_errcode_is_a_failure(clean_outbox, channel: str) -> None:  # noqa: ANN001
    session = clean_outbox
    stub = StubHTTP([(200, {"errcode": 93000, "errmsg": "invalid webhook"}), (200, {"errcode": 0})])
    settings = Settings(**{f"{channel}_webhook_url": stub.url})
    try:
        message = notifications.queue_outbound(
            session=session, settings=settings, channel=channel, kind="new_case", text="新工单"
        )
        session.flush()
        now = dt.datetime.now(dt.UTC)
        notifications.deliver_pending(session=session, settings=settings, now=now)
        assert message.status == "pending" and "93000" in message.last_error
        notifications.deliver_pending(
            session=session, settings=settings, now=now + dt.timedelta(hours=1)
        )
        assert message.status == "sent"
        assert stub.bodies[0][1] == {"msgtype": "text", "text": {"content": "新工单"}}
    finally:
        stub.close()


def test_email_is_delivered_over_smtp(clean_outbox) -> None:  # noqa: ANN001
    session = clean_outbox
    smtp = StubSMTP()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.server_address[1])
    try:
        notifications.queue_outbound(
            session=session,
            settings=settings,
            channel="email",
            kind="supervision",
            text="督办通知",
            target="lead@example.org",
        )
        session.flush()
        counts = notifications.deliver_pending(session=session, settings=settings)
        assert counts["sent"] == 1 and "lead@example.org" in smtp.messages[0]
    finally:
        smtp.shutdown()
        smtp.server_close()


def test_unconfigured_channel_queues_nothing(clean_outbox) -> None:  # noqa: ANN001
    assert (
        notifications.queue_outbound(
            session=clean_outbox,
            settings=Settings(),
            channel="sms",
            kind="receipt",
            text="x",
            target="13800138000",
        )
        is None
    )


def test_dispatch_puts_a_message_in_the_unit_inbox(session) -> None:  # noqa: ANN001
    handler = session.scalar(select(User).where(User.username == "t_handler"))
    case = service.create(session=session, data=CaseCreate(text="井盖缺失"), channel="hotline")
    perform(
        session=session,
        case=case,
        action="dispatch",
        actor=Actor(id=None, name="派单员", role="dispatcher"),
        data=ActionIn(version=case.version, unit_code=handler.unit_code),
    )
    inbox = session.scalars(
        select(InboxMessage).where(
            InboxMessage.user_id == handler.id, InboxMessage.case_number == case.number
        )
    ).all()
    assert [m.kind for m in inbox] == ["new_case"]


def test_imported_history_raises_no_notifications(session) -> None:  # noqa: ANN001
    handler = session.scalar(select(User).where(User.username == "t_handler"))
    case = service.create(
        session=session, data=CaseCreate(text="历史工单"), channel="import", live=False
    )
    perform(
        session=session,
        case=case,
        action="dispatch",
        actor=Actor(id=None, name="导入", role="admin"),
        data=ActionIn(version=case.version, unit_code=handler.unit_code),
        live=False,
    )
    assert not session.scalars(
        select(InboxMessage).where(InboxMessage.case_number == case.number)
    ).all()
