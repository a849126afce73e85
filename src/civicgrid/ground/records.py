"""Saving ground records with full history, finding duplicates and merging them.

Every create, update, merge or purge bumps the record's ``version`` and writes one
:class:`~.models.Revision` naming who and when, with the changed fields (old and new; ID
numbers and phones only as ciphertext). Problems found by :mod:`.checks` are stored with the
record and returned, so a wrong check digit is reported with the record and the field
instead of losing the record.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.db.core import utcnow
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.ground.checks import Problem, birth_date, credit_code_problems, id_number_problems
from civicgrid.ground.models import BuildingHead, Enterprise, Person, Revision, Visit
from civicgrid.ground.vault import Vault

log = logging.getLogger(__name__)

TENURES = ("owner", "tenant")
RECORD_CLASSES: dict[str, type[Any]] = {"person": Person, "enterprise": Enterprise,
                                        "visit": Visit, "building_head": BuildingHead}
_SECRET = {"id_cipher", "phone_cipher", "id_hash", "phone_hash"}


@dataclass
class PersonIn:
    """A person as collected: plain ID number and phone, which are sealed on save."""

    house_code: str
    name: str
    id_number: str | None = None
    phone: str | None = None
    building_code: str | None = None
    grid_code: str | None = None
    relation: str | None = None
    tenure: str = "owner"
    arrived_on: dt.date | None = None
    left_on: dt.date | None = None


@dataclass
class Saved:
    """A saved record and the problems found in it."""

    record: Any
    problems: list[Problem] = field(default_factory=list)


def _columns(record: Any) -> dict[str, Any]:
    return {c.key: getattr(record, c.key) for c in record.__table__.columns}


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def grid_problems(session: Session, grid_code: str | None) -> list[Problem]:
    """A problem when ``grid_code`` is not a grid region of the loaded pack (none when no
    grid regions are loaded at all, or no code is given)."""
    from civicgrid.jurisdiction.models import Region

    if not grid_code:
        return []
    if session.get(Region, grid_code) is not None:
        return []
    if session.scalar(select(Region.code).where(Region.level == "grid").limit(1)) is None:
        return []
    return [Problem("grid_code", "unknown_grid", f"grid {grid_code} is not in the pack",
                    grid_code, "pick a grid code from the pack's grid regions")]


def _apply(session: Session, record: Any, values: dict[str, Any], *, record_type: str,
           actor: str) -> None:
    """Set ``values`` on ``record`` and write the revision of what changed."""
    creating = record.id is None
    before = {} if creating else _columns(record)
    changes = {}
    for key, value in values.items():
        if creating or before.get(key) != value:
            old = before.get(key)
            changes[key] = [_jsonable(old), _jsonable(value)]
            setattr(record, key, value)
    if not changes and not creating:
        return
    record.version = 1 if creating else record.version + 1
    record.updated_at = utcnow()
    record.updated_by = actor
    if creating:
        session.add(record)
        session.flush()
    session.add(Revision(record_type=record_type, record_id=record.id, version=record.version,
                         action="create" if creating else "update", changed_by=actor,
                         changes=changes))
    session.flush()


def save_person(*, session: Session, vault: Vault, data: PersonIn, actor: str,
                person_id: int | None = None, today: dt.date | None = None,
                generated: bool = False) -> Saved:
    """Create or correct a person; ID and phone problems are stored and returned."""
    if data.tenure not in TENURES:
        raise ValidationFailed(f"tenure {data.tenure!r} is not known", field="tenure",
                               value=data.tenure, allowed=list(TENURES))
    if not data.name.strip() or not data.house_code.strip():
        raise ValidationFailed("name and house_code are required", field="name",
                               fix="give the person's name and the house code")
    problems = id_number_problems(data.id_number, today=today) if data.id_number else []
    problems += grid_problems(session, data.grid_code)
    record = Person(generated=generated) if person_id is None else _get(session, Person,
                                                                         person_id)
    values: dict[str, Any] = {
        "house_code": data.house_code.strip(), "building_code": data.building_code,
        "grid_code": data.grid_code, "name": data.name.strip(), "relation": data.relation,
        "tenure": data.tenure, "arrived_on": data.arrived_on, "left_on": data.left_on,
        "problems": [p.to_dict() for p in problems],
    }
    if person_id is None or vault.digest(data.id_number) != record.id_hash:
        values["id_cipher"] = vault.seal(data.id_number)
        values["id_hash"] = vault.digest(data.id_number)
        born = birth_date(data.id_number) if data.id_number and len(data.id_number) == 18 \
            else None
        values["birth_date"] = born
    if person_id is None or vault.digest(data.phone) != record.phone_hash:
        values["phone_cipher"] = vault.seal(data.phone)
        values["phone_hash"] = vault.digest(data.phone)
    _apply(session, record, values, record_type="person", actor=actor)
    return Saved(record, problems)


def save_enterprise(*, session: Session, values: dict[str, Any], actor: str,
                    enterprise_id: int | None = None, generated: bool = False) -> Saved:
    """Create or correct an enterprise; a credit code problem is stored and returned."""
    if not str(values.get("name") or "").strip():
        raise ValidationFailed("name is required", field="name", fix="give the registered name")
    code = str(values.get("credit_code") or "").strip().upper()
    problems = credit_code_problems(code) + grid_problems(session, values.get("grid_code"))
    record = Enterprise(generated=generated) if enterprise_id is None else _get(
        session, Enterprise, enterprise_id)
    allowed = {"name", "address", "house_code", "building_code", "grid_code",
               "legal_representative", "industry", "staff"}
    clean = {k: v for k, v in values.items() if k in allowed}
    clean.update(credit_code=code, problems=[p.to_dict() for p in problems])
    _apply(session, record, clean, record_type="enterprise", actor=actor)
    return Saved(record, problems)


def record_visit(*, session: Session, values: dict[str, Any], actor: str,
                 visit_id: int | None = None, generated: bool = False) -> Saved:
    """Record or correct a visit: who, when, where, what was found, follow-up."""
    if not str(values.get("findings") or "").strip():
        raise ValidationFailed("findings are required", field="findings",
                               fix="write what was found on the visit")
    if not (values.get("house_code") or values.get("enterprise_id")):
        raise ValidationFailed("a visit needs a place", field="house_code",
                               fix="give house_code or enterprise_id")
    record = Visit(generated=generated) if visit_id is None else _get(session, Visit, visit_id)
    allowed = {"visitor", "visited_at", "house_code", "building_code", "grid_code",
               "enterprise_id", "findings", "follow_up"}
    clean = {k: v for k, v in values.items() if k in allowed}
    clean.setdefault("visitor", actor)
    clean.setdefault("visited_at", utcnow())
    _apply(session, record, clean, record_type="visit", actor=actor)
    return Saved(record, [])


def _get(session: Session, cls: type[Any], record_id: int) -> Any:
    record = session.get(cls, record_id)
    if record is None:
        raise NotFound(f"{cls.__tablename__} {record_id} does not exist", field="id",
                       value=record_id)
    return record


def history(*, session: Session, record_type: str, record_id: int) -> list[dict[str, Any]]:
    """Every revision of one record, oldest first; secret fields show only that they changed."""
    rows = session.scalars(select(Revision).where(
        Revision.record_type == record_type, Revision.record_id == record_id)
        .order_by(Revision.id)).all()
    return [{"version": r.version, "action": r.action, "by": r.changed_by,
             "at": r.changed_at.isoformat(),
             "changes": {k: ("(changed)" if k in _SECRET else v) for k, v in r.changes.items()}}
            for r in rows]


def duplicates(*, session: Session) -> list[dict[str, Any]]:
    """Duplicate groups offered for merging: one ID number living in two houses, one credit
    code on two enterprises. Each group names the field, the record ids and houses."""
    groups: list[dict[str, Any]] = []
    live = (Person.left_on.is_(None)) & (Person.merged_into.is_(None))
    hashes = session.scalars(select(Person.id_hash).where(live, Person.id_hash.is_not(None))
                             .group_by(Person.id_hash).having(func.count() > 1)).all()
    for digest in hashes:
        people = session.scalars(select(Person).where(live, Person.id_hash == digest)
                                 .order_by(Person.id)).all()
        groups.append({"record_type": "person", "field": "id_number",
                       "ids": [p.id for p in people],
                       "houses": [p.house_code for p in people]})
    codes = session.scalars(select(Enterprise.credit_code)
                            .where(Enterprise.merged_into.is_(None))
                            .group_by(Enterprise.credit_code).having(func.count() > 1)).all()
    for code in codes:
        firms = session.scalars(select(Enterprise).where(
            Enterprise.credit_code == code, Enterprise.merged_into.is_(None))
            .order_by(Enterprise.id)).all()
        groups.append({"record_type": "enterprise", "field": "credit_code", "value": code,
                       "ids": [f.id for f in firms], "houses": [f.house_code for f in firms]})
    return groups


def merge(*, session: Session, record_type: str, keep_id: int, drop_id: int,
          actor: str) -> Any:
    """Merge ``drop_id`` into ``keep_id``: the dropped record points at the kept one and, for
    a person, leaves the old house today. Both keep their history."""
    if record_type not in ("person", "enterprise"):
        raise ValidationFailed(f"cannot merge {record_type!r}", field="record_type",
                               value=record_type, allowed=["person", "enterprise"])
    cls = RECORD_CLASSES[record_type]
    if keep_id == drop_id:
        raise ValidationFailed("keep_id and drop_id are the same", field="drop_id",
                               value=drop_id, fix="name two different records")
    kept, dropped = _get(session, cls, keep_id), _get(session, cls, drop_id)
    values: dict[str, Any] = {"merged_into": kept.id}
    if record_type == "person":
        values["left_on"] = dt.date.today()
    _apply(session, dropped, values, record_type=record_type, actor=actor)
    session.get(Revision, session.scalar(select(func.max(Revision.id)))).action = "merge"
    return kept
