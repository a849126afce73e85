"""Ground data endpoints under ``/api/ground`` and the grid worker's page ``/grid/records``.

Thin: parse, check the permission (``ground.read`` masked reads, ``ground.write`` collect and
correct, ``ground.personal`` unmasked data and view logs, ``ground.export`` watermarked XLSX,
``ground.review`` tag review, ``ground.manage`` merges and purge), call one function of
:mod:`.records`, :mod:`.privacy` or :mod:`.tags`, commit, render. Saving a person
re-evaluates the key-group tags of their house.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from civicgrid.cases.workflow import Actor
from civicgrid.ground import heads, privacy, records, tags, utility
from civicgrid.ground.checks import credit_code_problems, id_number_problems
from civicgrid.ground.config import load_config
from civicgrid.ground.models import BuildingHead, Enterprise, Person, Tag, Visit
from civicgrid.ground.vault import Vault
from civicgrid.privacy.masking import mask_phone
from civicgrid.web.deps import DbSession, requires

router = APIRouter(tags=["ground"])
Reader = Annotated[Actor, Depends(requires("ground.read"))]
Writer = Annotated[Actor, Depends(requires("ground.write"))]
Personal = Annotated[Actor, Depends(requires("ground.personal"))]
Exporter = Annotated[Actor, Depends(requires("ground.export"))]
Reviewer = Annotated[Actor, Depends(requires("ground.review"))]
Manager = Annotated[Actor, Depends(requires("ground.manage"))]
Verifier = Annotated[Actor, Depends(requires("ground.verify"))]


class PersonBody(BaseModel):
    """A person as collected on the phone page."""

    house_code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    id_number: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    building_code: str | None = None
    grid_code: str | None = None
    relation: str | None = None
    tenure: str = "owner"
    arrived_on: dt.date | None = None
    left_on: dt.date | None = None


class EnterpriseBody(BaseModel):
    """An enterprise or other legal person."""

    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(max_length=32)
    address: str | None = None
    house_code: str | None = None
    building_code: str | None = None
    grid_code: str | None = None
    legal_representative: str | None = None
    industry: str | None = None
    staff: int | None = Field(default=None, ge=0)


class VisitBody(BaseModel):
    """A visit: where, what was found, follow-up (who and when default to now and you)."""

    house_code: str | None = None
    building_code: str | None = None
    grid_code: str | None = None
    enterprise_id: int | None = None
    visited_at: dt.datetime | None = None
    findings: str = Field(max_length=4000)
    follow_up: str | None = Field(default=None, max_length=4000)


class CheckBody(BaseModel):
    """One field to check as the worker types."""

    field: str
    value: str | None = None


class MergeBody(BaseModel):
    record_type: str
    keep_id: int
    drop_id: int


class ReviewBody(BaseModel):
    decision: str


def _vault(request: Request) -> Vault:
    return Vault(request.app.state.settings.pii_secret())


def _retag(session: DbSession, house_code: str) -> None:
    tags.evaluate(session=session, rules=load_config()["tag_rules"], houses=[house_code])


def _plain(record: Any) -> dict[str, Any]:
    out = {}
    for column in record.__table__.columns:
        value = getattr(record, column.key)
        out[column.key] = value.isoformat() if isinstance(value, dt.date | dt.datetime) \
            else value
    return out


@router.get("/api/ground/people")
def list_people(request: Request, session: DbSession, actor: Reader,
                house_code: str | None = None, grid_code: str | None = None,
                limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    """People of a house or grid, always masked (open one record with a reason to see more)."""
    query = select(Person).where(Person.merged_into.is_(None)).order_by(Person.id).limit(limit)
    if house_code:
        query = query.where(Person.house_code == house_code)
    if grid_code:
        query = query.where(Person.grid_code == grid_code)
    vault = _vault(request)
    return {"items": [privacy.render_person(p, vault=vault, unmasked=False)
                      for p in session.scalars(query)]}


@router.post("/api/ground/people", status_code=201)
def create_person(request: Request, session: DbSession, actor: Writer,
                  body: PersonBody) -> dict[str, Any]:
    """Register a person; problems of the ID number come back with the record."""
    saved = records.save_person(session=session, vault=_vault(request), actor=actor.name,
                                data=records.PersonIn(**body.model_dump()))
    _retag(session, saved.record.house_code)
    session.commit()
    return {"person": privacy.render_person(saved.record, vault=_vault(request),
                                            unmasked=False),
            "problems": [p.to_dict() for p in saved.problems]}


@router.put("/api/ground/people/{person_id}")
def correct_person(request: Request, session: DbSession, actor: Writer, person_id: int,
                   body: PersonBody) -> dict[str, Any]:
    """Correct a person; the change is kept in the history."""
    saved = records.save_person(session=session, vault=_vault(request), actor=actor.name,
                                data=records.PersonIn(**body.model_dump()),
                                person_id=person_id)
    _retag(session, saved.record.house_code)
    session.commit()
    return {"person": privacy.render_person(saved.record, vault=_vault(request),
                                            unmasked=False),
            "problems": [p.to_dict() for p in saved.problems]}


@router.get("/api/ground/people/{person_id}")
def read_person(request: Request, session: DbSession, actor: Reader, person_id: int,
                reason: str | None = None) -> dict[str, Any]:
    """One person's record; ``reason`` is required and the view is logged."""
    shown = privacy.view_person(session=session, vault=_vault(request), person_id=person_id,
                                user_id=actor.id, username=actor.name, role=actor.role,
                                reason=reason)
    session.commit()
    return shown


@router.get("/api/ground/people/{person_id}/history")
def person_history(session: DbSession, actor: Reader, person_id: int) -> dict[str, Any]:
    """Every change of a person: version, who, when, which fields."""
    return {"items": records.history(session=session, record_type="person",
                                     record_id=person_id)}


@router.get("/api/ground/people/{person_id}/views")
def person_views(session: DbSession, actor: Personal, person_id: int) -> dict[str, Any]:
    """Who viewed a person's record, when and why."""
    return {"items": privacy.view_log(session=session, person_id=person_id)}


@router.get("/api/ground/export/people.xlsx")
def export_people(request: Request, session: DbSession, actor: Exporter,
                  grid_code: str | None = None) -> Response:
    """People as XLSX, watermarked with the exporting user and time."""
    data = privacy.export_people_xlsx(session=session, vault=_vault(request),
                                      username=actor.name, role=actor.role,
                                      grid_code=grid_code)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="people.xlsx"'})


@router.get("/api/ground/enterprises")
def list_enterprises(session: DbSession, actor: Reader, grid_code: str | None = None,
                     limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    """Enterprises, newest first."""
    query = select(Enterprise).order_by(Enterprise.id.desc()).limit(limit)
    if grid_code:
        query = query.where(Enterprise.grid_code == grid_code)
    return {"items": [_plain(e) for e in session.scalars(query)]}


@router.post("/api/ground/enterprises", status_code=201)
def create_enterprise(session: DbSession, actor: Writer, body: EnterpriseBody) -> dict[str, Any]:
    """Register an enterprise; a credit code problem comes back with the record."""
    saved = records.save_enterprise(session=session, values=body.model_dump(),
                                    actor=actor.name)
    session.commit()
    return {"enterprise": _plain(saved.record),
            "problems": [p.to_dict() for p in saved.problems]}


@router.get("/api/ground/visits")
def list_visits(session: DbSession, actor: Reader, house_code: str | None = None,
                limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    """Visits, newest first."""
    query = select(Visit).order_by(Visit.id.desc()).limit(limit)
    if house_code:
        query = query.where(Visit.house_code == house_code)
    return {"items": [_plain(v) for v in session.scalars(query)]}


@router.post("/api/ground/visits", status_code=201)
def create_visit(session: DbSession, actor: Writer, body: VisitBody) -> dict[str, Any]:
    """Record a visit by the current user."""
    values = {k: v for k, v in body.model_dump().items() if v is not None}
    saved = records.record_visit(session=session, values=values, actor=actor.name)
    session.commit()
    return {"visit": _plain(saved.record)}


@router.post("/api/ground/check")
def check_field(actor: Writer, body: CheckBody) -> dict[str, Any]:
    """Problems of one field as the worker types (id_number or credit_code)."""
    if body.field == "id_number":
        problems = id_number_problems(body.value)
    elif body.field == "credit_code":
        problems = credit_code_problems(body.value)
    else:
        problems = []
    return {"field": body.field, "problems": [p.to_dict() for p in problems]}


@router.get("/api/ground/duplicates")
def list_duplicates(session: DbSession, actor: Reader) -> dict[str, Any]:
    """People with one ID number in two houses and reused credit codes, to merge."""
    return {"groups": records.duplicates(session=session)}


@router.post("/api/ground/merge")
def merge_records(session: DbSession, actor: Manager, body: MergeBody) -> dict[str, Any]:
    """Merge one duplicate into another; both keep their history."""
    kept = records.merge(session=session, record_type=body.record_type, keep_id=body.keep_id,
                         drop_id=body.drop_id, actor=actor.name)
    if body.record_type == "person":  # the dropped one left its house: its tags follow
        _retag(session, session.get(Person, body.drop_id).house_code)
    session.commit()
    return {"kept": kept.id, "dropped": body.drop_id}


@router.get("/api/ground/tags")
def list_tags(session: DbSession, actor: Reader, status: str | None = None,
              grid_code: str | None = None,
              limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """Key-group tags with the rule and the facts that fired them."""
    query = select(Tag).order_by(Tag.id.desc()).limit(limit)
    if status:
        query = query.where(Tag.status == status)
    if grid_code:
        query = query.where(Tag.grid_code == grid_code)
    return {"items": [_plain(t) for t in session.scalars(query)]}


@router.get("/api/ground/tags/counts")
def tag_counts(session: DbSession, actor: Reader) -> dict[str, Any]:
    """Confirmed tags per grid and rule."""
    return {"items": tags.counts_per_grid(session=session)}


@router.post("/api/ground/tags/{tag_id}/review")
def review_tag(session: DbSession, actor: Reviewer, tag_id: int,
               body: ReviewBody) -> dict[str, Any]:
    """Confirm or reject a proposed tag."""
    tag = tags.review(session=session, tag_id=tag_id, decision=body.decision,
                      reviewer=actor.name)
    session.commit()
    return _plain(tag)


class HeadBody(BaseModel):
    """A building head (楼栋长)."""

    name: str = Field(min_length=1, max_length=64)
    building_code: str = Field(min_length=1, max_length=64)
    street_code: str | None = None
    grid_code: str | None = None
    phone: str | None = None
    duties: list[str] = Field(default_factory=list)
    joined_on: dt.date | None = None


class ActionBody(BaseModel):
    """An action of a building head, to be verified by a grid worker."""

    kind: str
    occurred_on: dt.date
    note: str | None = None
    case_number: str | None = None


class VerifyBody(BaseModel):
    accept: bool = True


class RedeemBody(BaseModel):
    points: int
    item: str = Field(min_length=1, max_length=100)


def _head(head: BuildingHead, request: Request, role: str) -> dict[str, Any]:
    out = _plain(head)
    phone = out.pop("phone_cipher")
    out.pop("phone_hash")
    try:
        plain = _vault(request).open(phone)
    except ValueError:
        plain = None
    from civicgrid.accounts.roles import has_permission

    out["phone"] = plain if has_permission(role, "ground.personal") else mask_phone(plain)
    return out


@router.get("/api/ground/heads")
def list_heads(request: Request, session: DbSession, actor: Reader,
               building_code: str | None = None,
               street_code: str | None = None) -> dict[str, Any]:
    """Active building heads of a building or street."""
    rows = heads.roster(session=session, building_code=building_code, street_code=street_code)
    return {"items": [_head(h, request, actor.role) for h in rows]}


@router.post("/api/ground/heads", status_code=201)
def appoint_head(request: Request, session: DbSession, actor: Writer,
                 body: HeadBody) -> dict[str, Any]:
    """Appoint a building head (kept in history and synced to the city)."""
    head = heads.appoint(session=session, vault=_vault(request), values=body.model_dump(),
                         actor=actor.name)
    session.commit()
    return _head(head, request, actor.role)


@router.get("/api/ground/heads/board")
def heads_board(session: DbSession, actor: Reader,
                street_code: str | None = None) -> dict[str, Any]:
    """Building heads ranked by points (per street when given)."""
    return {"items": heads.board(session=session, street_code=street_code)}


@router.post("/api/ground/heads/{head_id}/actions", status_code=201)
def claim_action(session: DbSession, actor: Writer, head_id: int,
                 body: ActionBody) -> dict[str, Any]:
    """Record a head's action; it earns points once verified."""
    action = heads.claim(session=session, head_id=head_id, rules=load_config()["head_points"],
                         **body.model_dump())
    session.commit()
    return _plain(action)


@router.post("/api/ground/actions/{action_id}/verify")
def verify_action(session: DbSession, actor: Verifier, action_id: int,
                  body: VerifyBody) -> dict[str, Any]:
    """A grid worker verifies (or rejects) an action; verified actions write points."""
    action = heads.verify(session=session, action_id=action_id, verifier=actor.name,
                          rules=load_config()["head_points"], accept=body.accept)
    session.commit()
    return _plain(action)


@router.post("/api/ground/heads/{head_id}/redeem")
def redeem_points(session: DbSession, actor: Manager, head_id: int,
                  body: RedeemBody) -> dict[str, Any]:
    """Spend a head's points on an item."""
    heads.redeem(session=session, head_id=head_id, points=body.points, item=body.item,
                 actor=actor.name)
    session.commit()
    return {"head_id": head_id, "balance": heads.balance(session=session, head_id=head_id)}


@router.get("/api/ground/utility/signals")
def utility_signals(session: DbSession, actor: Reader) -> dict[str, Any]:
    """Houses with usage but no residents, and occupied houses with long-zero usage."""
    config = load_config()["utility"]
    return {"items": utility.signals(session=session,
                                     long_zero_months=int(config["long_zero_months"]),
                                     min_usage=config["min_usage_without_residents"])}


@router.get("/api/ground/utility/unmatched")
def utility_unmatched(session: DbSession, actor: Reader,
                      utility_name: str | None = Query(None, alias="utility")) -> dict[str, Any]:
    """Accounts whose billed address the matcher could not link to a house, with the reason."""
    return {"items": utility.unmatched(session=session, utility=utility_name)}


@router.get("/console/ground", response_class=HTMLResponse, include_in_schema=False)
def board_page(request: Request) -> HTMLResponse:
    """The console page: tags to review, counts per grid, duplicates, heads, signals."""
    from civicgrid.web.pages import templates

    return templates.TemplateResponse(request, "ground_board.html", {"title": "基础数据"})


@router.get("/grid/records", response_class=HTMLResponse, include_in_schema=False)
def records_page(request: Request) -> HTMLResponse:
    """The grid worker's phone page for people and visits."""
    from civicgrid.web.pages import templates

    return templates.TemplateResponse(request, "ground_records.html",
                                      {"title": "实有人口采集"})
