"""Endpoints of the resident page (no login) and the grid worker's page.

Residents (``/api/public/...``):

* ``POST /api/public/requests`` — multipart form: ``text`` (required), ``address`` or
  ``lat``/``lon``, optional ``name``/``phone``, up to 4 ``photos`` (JPEG/PNG/WebP, 5 MB
  each, checked by their bytes, stored under ``<data_dir>/photos/<case number>/``).
  Answers the case number and a tracking token.
* ``GET /api/public/requests/{token}`` — status, public timeline and the reply.
* ``POST /api/public/requests/{token}/rating`` — the return-visit rating (满意/不满意);
  it runs the workflow's ``return_visit``, so 不满意 reopens the case (重办).
* ``POST /api/public/phone-code`` and ``/api/public/phone-code/check`` — follow by phone:
  a one-time SMS code exchanged for the token (see :mod:`civicgrid.intake.phonecode`).

Grid workers (``/api/grid/...``, login as ``grid_worker``): report an event seen on patrol
(with photos), list the cases of their grid, and add an on-site note to one.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicgrid.cases import service as cases
from civicgrid.cases import states, workflow
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.schemas import ActionIn, CaseCreate
from civicgrid.cases.workflow import Actor
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.web.deps import CurrentActor, DbSession, requires

log = logging.getLogger(__name__)

router = APIRouter(tags=["public"])
GridWorker = Annotated[Actor, Depends(requires("case.create"))]

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 4
PHOTO_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"RIFF": "webp"}
RESIDENT = Actor(id=None, name="居民（回访评价）", role="admin")
PUBLIC_EVENTS = {
    "create": "已受理", "dispatch": "已分拨至承办单位", "reassign": "已改派", "accept": "承办单位已签收",
    "start": "正在办理", "reply": "承办单位已答复", "review": "答复已审核",
    "return_visit": "回访评价", "close": "已办结", "attachment": "已上传照片",
}


def _photo_kind(head: bytes) -> str | None:
    for magic, ext in PHOTO_TYPES.items():
        if head.startswith(magic) and (ext != "webp" or head[8:12] == b"WEBP"):
            return ext
    return None


async def _read_photos(photos: list[UploadFile]) -> list[tuple[str, bytes]]:
    """Validated photo bytes with their extension, or ValidationFailed naming the file."""
    photos = [p for p in photos if p.filename]
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed(f"最多上传 {MAX_PHOTOS} 张照片", field="photos", value=len(photos),
                               fix=f"choose at most {MAX_PHOTOS} photos")
    result = []
    for photo in photos:
        data = await photo.read(MAX_PHOTO_BYTES + 1)
        if len(data) > MAX_PHOTO_BYTES:
            raise ValidationFailed(f"照片“{photo.filename}”超过 5 MB", field="photos",
                                   value=photo.filename, fix="请压缩后再上传 (at most 5 MB)")
        kind = _photo_kind(data[:16])
        if kind is None:
            raise ValidationFailed(f"“{photo.filename}”不是 JPEG、PNG 或 WebP 图片",
                                   field="photos", value=photo.filename,
                                   allowed=["jpg", "png", "webp"])
        result.append((kind, data))
    return result


def _store_photos(session: Session, request: Request, case: Case,
                  photos: list[tuple[str, bytes]], actor: Actor) -> None:
    if not photos:
        return
    folder = Path(request.app.state.settings.data_dir) / "photos" / case.number
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for index, (kind, data) in enumerate(photos, start=1):
        name = f"{index}-{secrets.token_hex(4)}.{kind}"
        (folder / name).write_bytes(data)
        names.append(name)
    cases.record_event(session=session, case=case, kind="attachment", actor=actor,
                       payload={"photos": names})


def _number(value: str | None, name: str, low: float, high: float) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValidationFailed(f"{name} 不是数字", field=name, value=value) from None
    if not low <= number <= high:
        raise ValidationFailed(f"{name} 超出范围", field=name, value=number)
    return number


def _new_case(text: str, address: str | None, lat: str | None, lon: str | None,
              name: str | None, phone: str | None) -> CaseCreate:
    lat_value = _number(lat, "lat", -90, 90)
    lon_value = _number(lon, "lon", -180, 180)
    if not (address and address.strip()) and lat_value is None:
        raise ValidationFailed("请填写地址或在地图上选点", field="address", value=None,
                               fix="give an address or a map point (lat/lon)")
    try:
        return CaseCreate(text=text, location_text=(address or "").strip() or None,
                          lat=lat_value, lon=lon_value, reporter_name=name or None,
                          reporter_phone=phone or None)
    except ValueError as exc:
        raise ValidationFailed(f"请检查填写内容：{exc.errors()[0]['msg']}",  # type: ignore[attr-defined]
                               field=str(exc.errors()[0]["loc"][0]),  # type: ignore[attr-defined]
                               value=None) from None


@router.post("/api/public/requests", status_code=201)
async def submit_request(
    request: Request,
    session: DbSession,
    text: str = Form(""),
    address: str | None = Form(None),
    lat: str | None = Form(None),
    lon: str | None = Form(None),
    name: str | None = Form(None),
    phone: str | None = Form(None),
    photos: list[UploadFile] = File(default=[]),
) -> dict[str, Any]:
    """A resident's request; answers the case number and the tracking token."""
    if not text.strip():
        raise ValidationFailed("请描述您遇到的问题", field="text", value=text,
                               fix="write what happened and where")
    data = _new_case(text, address, lat, lon, name, phone)
    images = await _read_photos(photos)
    case = cases.create(session=session, data=data, channel="web")
    _store_photos(session, request, case, images, cases.SYSTEM)
    session.commit()
    return {"number": case.number, "token": case.tracking_token,
            "status_label": states.STATUS_LABELS[case.status],
            "follow_url": f"/resident/track/{case.tracking_token}"}


def _by_token(session: Session, token: str) -> Case:
    case = cases.get_by_token(session=session, token=token)
    if case is None:
        raise NotFound("查询码无效", field="token", value=None,
                       fix="use the tracking token shown after submitting")
    return case


def _public_label(event: CaseEvent) -> str:
    if event.kind == "return_visit" and event.to_status == states.DISPATCHED:
        return "回访不满意，已重新交办"
    if event.kind == "return_visit":
        return f"回访评价：{states.SATISFACTION.get(event.payload.get('satisfaction'), '')}"
    return PUBLIC_EVENTS[event.kind]


@router.get("/api/public/requests/{token}")
def follow_request(token: str, session: DbSession) -> dict[str, Any]:
    """What a resident may see of their request."""
    case = _by_token(session, token)
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.at, CaseEvent.id))
    timeline = [{"at": e.at.isoformat(), "label": _public_label(e)}
                for e in events if e.kind in PUBLIC_EVENTS]
    show_reply = case.status in (states.REVIEWED, states.CLOSED)
    return {
        "number": case.number, "status": case.status,
        "status_label": states.STATUS_LABELS[case.status], "text": case.text,
        "address": case.location_text, "received_at": case.received_at.isoformat(),
        "completion_due": case.completion_due.isoformat() if case.completion_due else None,
        "reply": case.reply if show_reply else None, "satisfaction": case.satisfaction,
        "can_rate": case.status == states.REVIEWED, "reopen_count": case.reopen_count,
        "timeline": timeline,
    }


class RatingIn(BaseModel):
    satisfaction: str = Field(pattern="^(satisfied|basic|dissatisfied)$")
    comment: str | None = Field(default=None, max_length=1000)


@router.post("/api/public/requests/{token}/rating")
def rate_request(token: str, body: RatingIn, session: DbSession) -> dict[str, Any]:
    """The return-visit rating; 不满意 reopens the case through the workflow."""
    case = _by_token(session, token)
    data = ActionIn(version=case.version, satisfaction=body.satisfaction,  # type: ignore[arg-type]
                    reason=body.comment)
    workflow.perform(session=session, case=case, action="return_visit", actor=RESIDENT, data=data)
    session.commit()
    return {"number": case.number, "status": case.status,
            "status_label": states.STATUS_LABELS[case.status],
            "reopen_count": case.reopen_count}


class PhoneCodeIn(BaseModel):
    number: str = Field(min_length=1, max_length=32)
    phone: str = Field(min_length=1, max_length=32)


class PhoneCheckIn(BaseModel):
    number: str = Field(min_length=1, max_length=32)
    code: str = Field(min_length=4, max_length=8)


@router.post("/api/public/phone-code")
def send_phone_code(body: PhoneCodeIn, request: Request, session: DbSession) -> dict[str, Any]:
    """Send a one-time code to the reporter's phone (same answer whether it matched)."""
    from civicgrid.intake import phonecode

    result = phonecode.send_code(session=session, settings=request.app.state.settings,
                                 number=body.number, phone=body.phone)
    session.commit()
    return result


@router.post("/api/public/phone-code/check")
def check_phone_code(body: PhoneCheckIn, request: Request, session: DbSession) -> dict[str, Any]:
    """Exchange a right code for the tracking token."""
    from civicgrid.intake import phonecode

    try:
        token = phonecode.check_code(session=session, settings=request.app.state.settings,
                                     number=body.number, code=body.code)
    finally:
        session.commit()  # keep the count of tries even when the code is wrong
    return {"token": token, "follow_url": f"/resident/track/{token}"}


@router.post("/api/grid/reports", status_code=201)
async def grid_report(
    request: Request,
    session: DbSession,
    actor: GridWorker,
    text: str = Form(""),
    address: str | None = Form(None),
    lat: str | None = Form(None),
    lon: str | None = Form(None),
    photos: list[UploadFile] = File(default=[]),
) -> dict[str, Any]:
    """An event the grid worker saw on patrol (网格员上报), in the worker's own grid."""
    if not text.strip():
        raise ValidationFailed("请描述巡查发现的问题", field="text", value=text)
    data = _new_case(text, address, lat, lon, None, None)
    if actor.role == "grid_worker" and actor.region_code:
        data.region_code = actor.region_code
    images = await _read_photos(photos)
    case = cases.create(session=session, data=data, channel="grid", actor=actor)
    _store_photos(session, request, case, images, actor)
    session.commit()
    return {"number": case.number, "status_label": states.STATUS_LABELS[case.status]}


@router.get("/api/grid/cases")
def grid_cases(session: DbSession, actor: CurrentActor,
               status: str | None = None) -> dict[str, Any]:
    """Cases of the worker's grid (the data scope limits them), newest first."""
    total, rows = cases.search(session=session, actor=actor, status=status, limit=100)
    return {"total": total, "items": cases.render_many(session=session, cases=rows, actor=actor)}


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


@router.post("/api/grid/cases/{number}/notes", status_code=201)
def grid_note(number: str, body: NoteIn, session: DbSession, actor: CurrentActor) -> dict:
    """An on-site check by the grid worker (现场核查), added to the case timeline."""
    case = cases.get_visible(session=session, number=number, actor=actor)
    event = cases.record_event(session=session, case=case, kind="grid_note", actor=actor,
                               payload={"text": body.text.strip()})
    session.commit()
    return {"number": case.number, "event_id": event.id if event else None,
            "at": (event.at if event else dt.datetime.now(dt.UTC)).isoformat()}
