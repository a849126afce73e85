"""Records of the city feed kept outside ground data: buildings and houses of the address
base (:mod:`civicgrid.addresses`) and grid workers (:mod:`civicgrid.grids`).

Those tables keep no versions or history of their own, so the feed captures their changes:
:func:`capture` reads each record's current fields, hashes them and compares the digest with
the one kept in :class:`~.models.SyncVersion`. A new record gets version 1, a changed one the
next version, and each gets a :class:`~.models.Revision` (by ``sync-capture``) whose id orders
it in the same cursor as people's, enterprises' and visits' changes. An unchanged record gets
nothing, so it is not exported again. Phones are digested through their keyed hash, never in
clear, so resealing the same phone is no change.

A record that disappeared (a house removed from the address base, a worker's assignment
deleted) gets one more version marked ``deleted`` and a ``delete`` revision, so the feed
sends a deletion (:func:`tombstones`) and the city drops it; if the same id comes back, it
is sent again as the next version.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy import Select, and_, insert, select, update
from sqlalchemy.orm import Session

from civicgrid.accounts.models import User
from civicgrid.addresses.models import AddressBuilding, AddressHouse
from civicgrid.db.core import utcnow
from civicgrid.errors import NotFound, ValidationFailed
from civicgrid.grids.models import GridWorker
from civicgrid.ground.models import Revision, SyncVersion, WorkerContact
from civicgrid.ground.vault import Vault
from civicgrid.privacy.masking import mask_phone

log = logging.getLogger(__name__)

ACTOR = "sync-capture"
FEED_TYPES = ("building", "house", "grid_worker")
_UNDIGESTED = {"id", "phone_cipher"}


def _columns(record_type: str) -> tuple[Any, list[Any], list[Any]]:
    """The id column, the labelled columns and the joins that give a record's fields."""
    if record_type == "building":
        b = AddressBuilding
        return (
            b.id,
            [
                b.id.label("id"),
                b.code,
                b.road,
                b.road_number,
                b.estate,
                b.building,
                b.community_code,
                b.street_code,
                b.grid_code,
                b.lon,
                b.lat,
            ],
            [],
        )
    if record_type == "house":
        h, b = AddressHouse, AddressBuilding
        return (
            h.id,
            [
                h.id.label("id"),
                h.code,
                b.code.label("building_code"),
                h.unit,
                h.floor,
                h.room,
                h.full_text,
                h.community_code,
                h.street_code,
                h.grid_code,
                h.lon,
                h.lat,
            ],
            [(b, b.id == h.building_id, False)],
        )
    if record_type == "grid_worker":
        w, u, c = GridWorker, User, WorkerContact
        return (
            w.id,
            [
                w.id.label("id"),
                w.user_id,
                u.username,
                u.display_name.label("name"),
                w.grid_code,
                w.since,
                w.until,
                u.active,
                c.phone_cipher,
                c.phone_hash,
            ],
            [(u, u.id == w.user_id, False), (c, c.user_id == w.user_id, True)],
        )
    raise ValueError(
        f"record type {record_type!r} is not captured; use one of {', '.join(FEED_TYPES)}"
    )


def source_query(record_type: str) -> tuple[Any, Select[Any]]:
    """The id column and a query of the current fields of every record of ``record_type``."""
    id_column, columns, joins = _columns(record_type)
    query = select(*columns).select_from(id_column.class_)
    for target, on, outer in joins:
        query = query.join(target, on, isouter=outer)
    return id_column, query


def current_query(record_type: str) -> tuple[Any, Select[Any]]:
    """Like :func:`source_query`, with the captured ``version`` of each record."""
    id_column, query = source_query(record_type)
    kept = and_(
        SyncVersion.record_type == record_type,
        SyncVersion.record_id == id_column,
        SyncVersion.deleted.is_(False),
    )
    return id_column, query.add_columns(SyncVersion.version).join(SyncVersion, kept)


def digest(values: dict[str, Any]) -> str:
    """A stable digest of a record's fields (ciphertexts left out: they change on reseal)."""
    text = "\x1f".join(f"{k}={values[k]!s}" for k in sorted(values) if k not in _UNDIGESTED)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def capture(
    *, session: Session, record_types: list[str] | None = None, chunk: int = 20_000
) -> dict[str, int]:
    """Give new and changed records a version and a revision; returns how many per type."""
    counts = {}
    for record_type in record_types or list(FEED_TYPES):
        counts[record_type] = _capture_type(session, record_type, chunk)
    session.flush()
    if any(counts.values()):
        log.info("sync capture: %s", counts)
    return counts


def _capture_type(session: Session, record_type: str, chunk: int) -> int:
    id_column, query = source_query(record_type)
    after, changed = 0, _capture_deleted(session, record_type)
    while True:
        rows = (
            session.execute(query.where(id_column > after).order_by(id_column).limit(chunk))
            .mappings()
            .all()
        )
        if not rows:
            return changed
        after = rows[-1]["id"]
        changed += _capture_rows(session, record_type, rows)


def _capture_rows(session: Session, record_type: str, rows: list[Any]) -> int:
    known = {
        rid: (version, None if deleted else old)
        for rid, version, old, deleted in session.execute(
            select(
                SyncVersion.record_id, SyncVersion.version, SyncVersion.digest, SyncVersion.deleted
            ).where(
                SyncVersion.record_type == record_type,
                SyncVersion.record_id.between(rows[0]["id"], rows[-1]["id"]),
            )
        )
    }
    now = utcnow()
    added, changed, revisions = [], [], []
    for row in rows:
        new = digest(dict(row))
        version, old = known.get(row["id"], (0, None))
        if old == new:
            continue
        values = {
            "record_type": record_type,
            "record_id": row["id"],
            "version": version + 1,
            "digest": new,
            "deleted": False,
            "captured_at": now,
        }
        (changed if version else added).append(values)
        revisions.append(
            {
                "record_type": record_type,
                "record_id": row["id"],
                "version": version + 1,
                "action": "update" if version else "create",
                "changed_by": ACTOR,
                "changed_at": now,
                "changes": {},
            }
        )
    if added:
        session.execute(insert(SyncVersion), added)
    if changed:
        session.execute(update(SyncVersion), changed)
    if revisions:
        session.execute(insert(Revision), revisions)
    return len(revisions)


def _capture_deleted(session: Session, record_type: str) -> int:
    """Mark captured records that no longer exist as deleted, with a ``delete`` revision."""
    id_column, query = source_query(record_type)
    present = query.with_only_columns(id_column)
    gone = session.execute(
        select(SyncVersion.record_id, SyncVersion.version).where(
            SyncVersion.record_type == record_type,
            SyncVersion.deleted.is_(False),
            SyncVersion.record_id.not_in(present),
        )
    ).all()
    if not gone:
        return 0
    now = utcnow()
    versions = [
        {
            "record_type": record_type,
            "record_id": rid,
            "version": version + 1,
            "digest": "",
            "deleted": True,
            "captured_at": now,
        }
        for rid, version in gone
    ]
    session.execute(update(SyncVersion), versions)
    session.execute(
        insert(Revision),
        [
            {
                "record_type": record_type,
                "record_id": v["record_id"],
                "version": v["version"],
                "action": "delete",
                "changed_by": ACTOR,
                "changed_at": now,
                "changes": {},
            }
            for v in versions
        ],
    )
    return len(gone)


def tombstones(*, session: Session, record_type: str, ids: Any) -> list[tuple[int, int]]:
    """(record id, version) of the deleted records of ``record_type`` among ``ids`` (a list or
    a subquery)."""
    query = (
        select(SyncVersion.record_id, SyncVersion.version)
        .where(
            SyncVersion.record_type == record_type,
            SyncVersion.deleted.is_(True),
            SyncVersion.record_id.in_(ids),
        )
        .order_by(SyncVersion.record_id)
    )
    return [(rid, version) for rid, version in session.execute(query)]


def versions(*, session: Session, record_type: str) -> list[tuple[int, int]]:
    """(record id, version) of every captured record of ``record_type`` still present."""
    id_column, query = current_query(record_type)
    return [(row.id, row.version) for row in session.execute(query.order_by(id_column))]


def set_worker_phone(
    *, session: Session, vault: Vault, user_id: int, phone: str | None, actor: str
) -> WorkerContact:
    """Keep a grid worker's work phone sealed; the feed sends it by the mapping's rule."""
    if session.get(User, user_id) is None:
        raise NotFound(
            f"user {user_id} does not exist",
            field="user_id",
            value=user_id,
            fix="give the id of a grid worker's account",
        )
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if phone and len(digits) < 7:
        raise ValidationFailed(
            "phone has fewer than 7 digits",
            field="phone",
            value=mask_phone(phone),
            fix="give a mobile or landline number",
        )
    contact = session.get(WorkerContact, user_id) or WorkerContact(user_id=user_id)
    contact.phone_cipher, contact.phone_hash = vault.seal(phone), vault.digest(phone)
    contact.updated_at, contact.updated_by = utcnow(), actor
    session.add(contact)
    session.flush()
    return contact
