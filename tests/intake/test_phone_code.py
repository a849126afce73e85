"""Following a request by phone: a one-time SMS code exchanged for the tracking token."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select

from civicgrid.cases import service as cases
from civicgrid.cases.schemas import CaseCreate
from civicgrid.errors import NotFound
from civicgrid.intake import phonecode
from civicgrid.notifications.models import OutboundMessage
from civicgrid.settings import Settings

pytestmark = pytest.mark.db

SMS = Settings(sms_gateway_url="http://127.0.0.1:9/sms", secret_key="k" * 32,
               data_dir="/tmp/unused")


def _case(session, phone: str = "13800000000"):  # noqa: ANN001, ANN202
    case = cases.create(session=session, data=CaseCreate(
        text="噪音", reporter_phone=phone, source_id=uuid.uuid4().hex), channel="web")
    session.flush()
    return case


def _sent_code(session, number: str) -> str:  # noqa: ANN001
    message = session.scalar(select(OutboundMessage).where(
        OutboundMessage.case_number == number, OutboundMessage.kind == "phone_code"))
    return re.search(r"验证码为 (\d{6})", message.payload["text"]).group(1)


def test_right_code_gives_the_tracking_token(session) -> None:
    case = _case(session)
    phonecode.send_code(session=session, settings=SMS, number=case.number, phone="138 0000 0000")
    code = _sent_code(session, case.number)
    token = phonecode.check_code(session=session, settings=SMS, number=case.number, code=code)
    assert token == case.tracking_token


def test_wrong_phone_gets_the_same_answer_and_no_sms(session) -> None:
    case = _case(session)
    answer = phonecode.send_code(session=session, settings=SMS, number=case.number,
                                 phone="13900000000")
    queued = session.scalar(select(OutboundMessage).where(
        OutboundMessage.case_number == case.number))
    assert answer == {"sent": True, "valid_minutes": 10} and queued is None


def test_code_is_refused_after_five_wrong_tries(session) -> None:
    case = _case(session)
    phonecode.send_code(session=session, settings=SMS, number=case.number, phone="13800000000")
    code = _sent_code(session, case.number)
    for _ in range(5):
        with pytest.raises(NotFound):
            phonecode.check_code(session=session, settings=SMS, number=case.number,
                                 code="000000" if code != "000000" else "111111")
    with pytest.raises(NotFound):
        phonecode.check_code(session=session, settings=SMS, number=case.number, code=code)


def test_without_sms_gateway_the_page_is_told_to_use_the_token(server) -> None:
    submitted = httpx.post(server + "/api/public/requests", data={
        "text": "噪音", "address": "桂庙路", "phone": "13800000000"}).json()
    answer = httpx.post(server + "/api/public/phone-code",
                        json={"number": submitted["number"], "phone": "13800000000"}).json()
    assert answer["sent"] is False and "查询码" in answer["reason"]
