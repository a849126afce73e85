"""Inbox messages and outbound deliveries, and the reaction to case events.

Outbound sends never run inside the request that caused them: an event only queues an
:class:`OutboundMessage`; :func:`deliver_pending` (a background job) sends it, and a failure
is written on the delivery (attempts, time, reason) and retried with back-off.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.accounts.models import User
from civicgrid.cases.events import CaseHappening, subscribe
from civicgrid.notifications.channels import SENDERS, DeliveryFailed
from civicgrid.notifications.models import InboxMessage, OutboundMessage
from civicgrid.settings import Settings, settings_of

log = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 5, 15, 60, 240)
MAX_ATTEMPTS = 8


def notify_user(
    *, session: Session, user_id: int, kind: str, text: str, case_number: str | None = None
) -> InboxMessage:
    """Put one message in a user's inbox."""
    message = InboxMessage(user_id=user_id, kind=kind, text=text, case_number=case_number)
    session.add(message)
    return message


def notify_unit(
    *, session: Session, unit_code: str | None, kind: str, text: str, case_number: str | None = None
) -> int:
    """Put a message in the inbox of every active user of a unit; returns how many."""
    if not unit_code:
        return 0
    users = session.scalars(select(User.id).where(User.unit_code == unit_code, User.active))
    count = 0
    for user_id in users:
        notify_user(session=session, user_id=user_id, kind=kind, text=text, case_number=case_number)
        count += 1
    return count


def notify_role(
    *, session: Session, role: str, kind: str, text: str, case_number: str | None = None
) -> int:
    """Put a message in the inbox of every active user with a role."""
    users = session.scalars(select(User.id).where(User.role == role, User.active))
    count = 0
    for user_id in users:
        notify_user(session=session, user_id=user_id, kind=kind, text=text, case_number=case_number)
        count += 1
    return count


def inbox(*, session: Session, user_id: int, unread_only: bool = False) -> list[InboxMessage]:
    """A user's inbox, newest first."""
    query = select(InboxMessage).where(InboxMessage.user_id == user_id)
    if unread_only:
        query = query.where(InboxMessage.read_at.is_(None))
    return list(session.scalars(query.order_by(InboxMessage.id.desc()).limit(200)))


def mark_read(*, session: Session, user_id: int, message_id: int) -> bool:
    """Mark one of the user's messages read; False if it is not theirs."""
    message = session.get(InboxMessage, message_id)
    if message is None or message.user_id != user_id:
        return False
    message.read_at = message.read_at or dt.datetime.now(dt.UTC)
    return True


def queue_outbound(
    *,
    session: Session,
    settings: Settings,
    channel: str,
    kind: str,
    text: str,
    target: str | None = None,
    case_number: str | None = None,
) -> OutboundMessage | None:
    """Queue a delivery on a configured channel (None when the channel is off)."""
    sender_cls = SENDERS.get(channel)
    if sender_cls is None or not sender_cls(settings).configured():
        return None
    message = OutboundMessage(
        channel=channel, target=target, kind=kind, case_number=case_number, payload={"text": text}
    )
    session.add(message)
    return message


def deliver_pending(
    *, session: Session, settings: Settings, now: dt.datetime | None = None
) -> dict[str, int]:
    """Send every due delivery; record failures and schedule retries."""
    now = now or dt.datetime.now(dt.UTC)
    due = session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.status == "pending", OutboundMessage.next_attempt_at <= now)
        .order_by(OutboundMessage.id)
        .limit(500)
    )
    counts = {"sent": 0, "failed": 0, "retrying": 0}
    for message in due:
        sender = SENDERS[message.channel](settings)
        message.attempts += 1
        try:
            sender.send(message.target, message.payload)
        except DeliveryFailed as exc:
            message.last_error = str(exc)
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
                counts["failed"] += 1
            else:
                wait = BACKOFF_MINUTES[min(message.attempts - 1, len(BACKOFF_MINUTES) - 1)]
                message.next_attempt_at = now + dt.timedelta(minutes=wait)
                counts["retrying"] += 1
            log.warning(
                "delivery %s on %s failed (attempt %s): %s",
                message.id,
                message.channel,
                message.attempts,
                exc,
            )
            continue
        message.status = "sent"
        message.sent_at = now
        counts["sent"] += 1
    return counts


_UNIT_MESSAGES = {
    "dispatch": ("new_case", "新工单 {number}：{title}"),
    "reassign": ("new_case", "改派工单 {number}：{title}"),
    "supervise": ("supervision", "领导督办 {number}：{title}"),
    "overdue": ("overdue", "工单已超期 {number}：{title}"),
    "deadline_near": ("deadline_near", "工单即将到期 {number}：{title}"),
}


@subscribe(live_only=True)
def on_case_event(session: Session, happening: CaseHappening) -> None:
    """Inbox and outbound messages for live case events (imported history raises none)."""
    if not happening.live:
        return
    case, event = happening.case, happening.event
    fields = {"number": case.number, "title": case.title}
    settings = settings_of(session)
    kind_text = _UNIT_MESSAGES.get(event.kind)
    if event.kind == "return_visit" and event.to_status == "dispatched":
        kind_text = ("reopened", "不满意重办 {number}：{title}")
    if event.kind == "review" and event.to_status == "in_progress":
        kind_text = ("review_returned", "答复审核退回 {number}：{title}")
    if kind_text:
        kind, template = kind_text
        text = template.format(**fields)
        notify_unit(
            session=session, unit_code=case.lead_unit, kind=kind, text=text, case_number=case.number
        )
        for channel in ("wecom", "dingtalk"):
            queue_outbound(
                session=session,
                settings=settings,
                channel=channel,
                kind=kind,
                text=text,
                case_number=case.number,
            )
    if event.kind == "whistle":
        for code in event.payload.get("unit_codes", []):
            notify_unit(
                session=session,
                unit_code=code,
                kind="whistle",
                text="吹哨报到 {number}：请按时报到".format(**fields),
                case_number=case.number,
            )
    if event.kind in ("return", "overdue"):
        notify_role(
            session=session,
            role="dispatcher",
            kind=event.kind,
            text=(
                "退单 {number}：{title}"
                if event.kind == "return"
                else "工单已超期 {number}：{title}"
            ).format(**fields),
            case_number=case.number,
        )
    if event.kind == "create" and case.reporter_phone:
        queue_outbound(
            session=session,
            settings=settings,
            channel="sms",
            kind="receipt",
            target=case.reporter_phone,
            case_number=case.number,
            text=f"您的诉求已受理，编号{case.number}，可凭编号查询办理进度。",
        )
