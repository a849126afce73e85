"""Following a request by phone: a one-time code sent by SMS to the reporter's number.

A resident who lost the tracking token gives the case number and their phone; when the
phone is the case's reporter phone, a 6-digit code is queued on the SMS channel (valid 10
minutes, 5 tries). The answer is the same whether or not the phone matched, so the
endpoint does not reveal who reported what. With no SMS gateway configured the answer
says so and the tracking token remains the way to follow. Codes are stored hashed, as a
``phone_code`` event on the case; phones never reach the logs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from civicgrid.cases import service as cases
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import normalise_phone
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.notifications.service import queue_outbound
from civicgrid.settings import Settings

VALID_FOR = dt.timedelta(minutes=10)
MAX_TRIES = 5


def _hash(code: str, case: Case, settings: Settings) -> str:
    key = settings.secret().encode("utf-8")
    return hmac.new(key, f"{case.number}:{code}".encode(), hashlib.sha256).hexdigest()


def _phone(value: str) -> str | None:
    try:
        return normalise_phone(value)
    except ValueError:
        raise ValidationFailed(
            "手机号格式不正确", field="phone", value=None,
            fix="use the 11-digit mobile number given with the request",
        ) from None


def send_code(*, session: Session, settings: Settings, number: str, phone: str,
              now: dt.datetime | None = None) -> dict[str, object]:
    """Queue a code for the reporter's phone; the answer never tells whether it matched."""
    now = now or dt.datetime.now(dt.UTC)
    wanted = _phone(phone)
    case = cases.get_by_number(session=session, number=number.strip())
    code = f"{secrets.randbelow(1_000_000):06d}"
    if case is None or not case.reporter_phone or case.reporter_phone != wanted:
        return {"sent": True, "valid_minutes": 10}
    message = queue_outbound(session=session, settings=settings, channel="sms", kind="phone_code",
                             text=f"【南山民生诉求】您查询工单 {case.number} 的验证码为 {code}，"
                                  "10分钟内有效。", target=wanted, case_number=case.number)
    if message is None:
        return {"sent": False, "reason": "短信通道未配置，请使用提交时获得的查询码"}
    cases.record_event(session=session, case=case, kind="phone_code", at=now,
                       payload={"hash": _hash(code, case, settings), "tries": 0,
                                "expires": (now + VALID_FOR).isoformat()})
    return {"sent": True, "valid_minutes": 10}


def check_code(*, session: Session, settings: Settings, number: str, code: str,
               now: dt.datetime | None = None) -> str:
    """The tracking token when the code is right, fresh and not tried too often."""
    now = now or dt.datetime.now(dt.UTC)
    refused = NotFound("验证码不正确或已过期", field="code", value=None,
                       fix="request a new code, or use the tracking token")
    case = cases.get_by_number(session=session, number=number.strip())
    if case is None:
        raise refused
    event = session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == "phone_code").order_by(CaseEvent.id.desc()))
    if event is None or dt.datetime.fromisoformat(event.payload["expires"]) < now:
        raise refused
    if event.payload["tries"] >= MAX_TRIES:
        raise refused
    if not hmac.compare_digest(event.payload["hash"], _hash(code.strip(), case, settings)):
        event.payload = {**event.payload, "tries": event.payload["tries"] + 1}
        flag_modified(event, "payload")
        raise refused
    event.payload = {**event.payload, "tries": MAX_TRIES}  # one use
    flag_modified(event, "payload")
    if not case.tracking_token:
        case.tracking_token = secrets.token_urlsafe(16)
    return case.tracking_token
