"""Privacy by design for people's records: masked views, a log of every view, watermarked
exports and the purge of people who left longer ago than the configured retention.

Roles with ``ground.personal`` see ID numbers and phones in full; every other role sees the
masks of :mod:`civicgrid.privacy.masking`. Every read of one person's record needs a reason
and writes a :class:`~.models.ViewLog` row (who, when, why, masked or not).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from civicgrid.accounts.roles import has_permission
from civicgrid.db.core import utcnow
from civicgrid.errors import ValidationFailed
from civicgrid.ground.models import Person, Revision, Tag, ViewLog
from civicgrid.ground.records import _get
from civicgrid.ground.vault import Vault
from civicgrid.privacy.masking import mask_id_number, mask_name, mask_phone

log = logging.getLogger(__name__)


def render_person(person: Person, *, vault: Vault, unmasked: bool) -> dict[str, Any]:
    """A person as JSON, ID number and phone in full only when ``unmasked``. A ciphertext
    made under another key shows as None with ``sealed_elsewhere`` set (logged once)."""
    try:
        id_number, phone = vault.open(person.id_cipher), vault.open(person.phone_cipher)
        foreign = False
    except ValueError:
        log.warning("person %s was sealed with another pii key", person.id)
        id_number, phone, foreign = None, None, True
    return {
        "id": person.id, "version": person.version, "house_code": person.house_code,
        "building_code": person.building_code, "grid_code": person.grid_code,
        "name": person.name if unmasked else mask_name(person.name),
        "id_number": id_number if unmasked else mask_id_number(id_number),
        "phone": phone if unmasked else mask_phone(phone),
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "relation": person.relation, "tenure": person.tenure,
        "arrived_on": person.arrived_on.isoformat() if person.arrived_on else None,
        "left_on": person.left_on.isoformat() if person.left_on else None,
        "merged_into": person.merged_into, "problems": person.problems,
        "generated": person.generated, "masked": not unmasked, "sealed_elsewhere": foreign,
        "updated_by": person.updated_by, "updated_at": person.updated_at.isoformat(),
    }


def view_person(*, session: Session, vault: Vault, person_id: int, user_id: int,
                username: str, role: str, reason: str | None) -> dict[str, Any]:
    """One person's record for a user, logged with the reason given (required)."""
    if not reason or len(reason.strip()) < 2:
        raise ValidationFailed("a reason is required to view a person's record",
                               field="reason", value=reason,
                               fix="say why, e.g. '走访核实' (it is logged)")
    person = _get(session, Person, person_id)
    unmasked = has_permission(role, "ground.personal")
    session.add(ViewLog(person_id=person.id, user_id=user_id, username=username,
                        reason=reason.strip()[:300], unmasked=unmasked))
    session.flush()
    return render_person(person, vault=vault, unmasked=unmasked)


def view_log(*, session: Session, person_id: int) -> list[dict[str, Any]]:
    """Who viewed one person's record, newest first."""
    rows = session.scalars(select(ViewLog).where(ViewLog.person_id == person_id)
                           .order_by(ViewLog.id.desc())).all()
    return [{"username": r.username, "reason": r.reason, "unmasked": r.unmasked,
             "at": r.viewed_at.isoformat()} for r in rows]


def export_people_xlsx(*, session: Session, vault: Vault, username: str, role: str,
                       grid_code: str | None = None, now: dt.datetime | None = None) -> bytes:
    """An XLSX of people (masked unless the role has ``ground.personal``) whose header,
    footer and document properties carry the exporting user and time as a watermark."""
    import xlsxwriter

    now = now or utcnow()
    mark = f"导出人 {username} · 导出时间 {now.strftime('%Y-%m-%d %H:%M:%S')} UTC · 仅限工作使用"
    unmasked = has_permission(role, "ground.personal")
    query = select(Person).where(Person.merged_into.is_(None)).order_by(Person.id)
    if grid_code:
        query = query.where(Person.grid_code == grid_code)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": "实有人口", "author": username, "comments": mark})
    sheet = book.add_worksheet("实有人口")
    sheet.set_header(f"&C{mark}")
    sheet.set_footer(f"&C{mark}")
    sheet.write_row(0, 0, [mark])
    heads = ["编号", "房屋编码", "网格", "姓名", "身份证号", "电话", "与户主关系", "自有/租住",
             "入住日期", "离开日期"]
    sheet.write_row(1, 0, heads)
    for row, person in enumerate(session.scalars(query), start=2):
        p = render_person(person, vault=vault, unmasked=unmasked)
        sheet.write_row(row, 0, [p["id"], p["house_code"], p["grid_code"], p["name"],
                                 p["id_number"], p["phone"], p["relation"], p["tenure"],
                                 p["arrived_on"], p["left_on"]])
    book.close()
    log.info("people export by %s (%s), grid %s", username, role, grid_code or "all")
    return buffer.getvalue()


def purge_departed(*, session: Session, retention_days: int,
                   today: dt.date | None = None) -> int:
    """Delete people who left more than ``retention_days`` ago, with their tags and view log;
    the revision trail keeps only a 'purge' row with no personal data. Returns the count."""
    cutoff = (today or dt.date.today()) - dt.timedelta(days=retention_days)
    ids = list(session.scalars(select(Person.id).where(Person.left_on.is_not(None),
                                                       Person.left_on < cutoff)))
    if not ids:
        return 0
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        session.execute(delete(Tag).where(Tag.person_id.in_(chunk)))
        session.execute(delete(ViewLog).where(ViewLog.person_id.in_(chunk)))
        session.execute(delete(Revision).where(Revision.record_type == "person",
                                               Revision.record_id.in_(chunk)))
        session.execute(delete(Person).where(Person.id.in_(chunk)))
        session.add_all(Revision(record_type="person", record_id=i, version=0, action="purge",
                                 changed_by="retention", changes={}) for i in chunk)
    session.flush()
    log.info("purged %d people who left before %s", len(ids), cutoff)
    return len(ids)


def retention_round(*, session: Session, today: dt.date) -> int:
    """The background round's purge with the configured retention (days after leaving)."""
    from civicgrid.ground.config import load_config

    days = int(load_config()["retention_days_after_leaving"])
    return purge_departed(session=session, retention_days=days, today=today)
