"""Building heads (楼栋长): roster per building, duties, actions, a points ledger and a board.

Points come only from actions a grid worker verified: a head (or a worker on their behalf)
records an action as *claimed*; :func:`verify` by a user with ``ground.verify`` sets it
*verified* and writes the points of the configured rule (``head_points`` in the ground
config: points per action kind) to the ledger, once per action. Redemption writes a negative
line and is refused beyond the balance. The board ranks heads of a street by balance.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from civicgrid.db.core import utcnow
from civicgrid.errors import Conflict, NotFound, ValidationFailed
from civicgrid.ground.models import BuildingHead, HeadAction, PointsEntry
from civicgrid.ground.records import _apply
from civicgrid.ground.vault import Vault

log = logging.getLogger(__name__)


def appoint(*, session: Session, vault: Vault, values: dict[str, Any], actor: str,
            head_id: int | None = None, generated: bool = False) -> BuildingHead:
    """Add or correct a building head (kept in the revision history and synced)."""
    if not values.get("name") or not values.get("building_code"):
        raise ValidationFailed("name and building_code are required", field="building_code",
                               fix="give the head's name and the building code")
    head = BuildingHead(generated=generated) if head_id is None else session.get(
        BuildingHead, head_id)
    if head is None:
        raise NotFound(f"building head {head_id} does not exist", field="head_id",
                       value=head_id)
    allowed = {"building_code", "street_code", "grid_code", "name", "duties", "active",
               "joined_on"}
    clean = {k: v for k, v in values.items() if k in allowed}
    if "phone" in values and vault.digest(values["phone"]) != head.phone_hash:
        clean.update(phone_cipher=vault.seal(values["phone"]),
                     phone_hash=vault.digest(values["phone"]))
    _apply(session, head, clean, record_type="building_head", actor=actor)
    return head


def roster(*, session: Session, building_code: str | None = None,
           street_code: str | None = None) -> list[BuildingHead]:
    """Active heads of a building or street."""
    query = select(BuildingHead).where(BuildingHead.active).order_by(BuildingHead.id)
    if building_code:
        query = query.where(BuildingHead.building_code == building_code)
    if street_code:
        query = query.where(BuildingHead.street_code == street_code)
    return list(session.scalars(query))


def claim(*, session: Session, head_id: int, kind: str, occurred_on: dt.date,
          rules: dict[str, int], note: str | None = None,
          case_number: str | None = None) -> HeadAction:
    """Record an action of a head, unverified (no points yet)."""
    if kind not in rules:
        raise ValidationFailed(f"action kind {kind!r} earns no points", field="kind",
                               value=kind, allowed=sorted(rules))
    if session.get(BuildingHead, head_id) is None:
        raise NotFound(f"building head {head_id} does not exist", field="head_id",
                       value=head_id)
    action = HeadAction(head_id=head_id, kind=kind, occurred_on=occurred_on, note=note,
                        case_number=case_number)
    session.add(action)
    session.flush()
    return action


def verify(*, session: Session, action_id: int, verifier: str, rules: dict[str, int],
           accept: bool = True) -> HeadAction:
    """A grid worker's verdict on an action; a verified action writes its points once."""
    action = session.get(HeadAction, action_id)
    if action is None:
        raise NotFound(f"action {action_id} does not exist", field="action_id",
                       value=action_id)
    if action.status != "claimed":
        raise Conflict(f"action {action_id} is already {action.status}", field="status",
                       value=action.status, allowed=["claimed"])
    action.status = "verified" if accept else "rejected"
    action.verified_by, action.verified_at = verifier, utcnow()
    if accept:
        action.points = int(rules[action.kind])
        session.add(PointsEntry(head_id=action.head_id, delta=action.points,
                                reason=f"verified {action.kind}", action_id=action.id,
                                created_by=verifier))
    session.flush()
    return action


def balance(*, session: Session, head_id: int) -> int:
    """A head's points: the sum of the ledger."""
    return int(session.scalar(select(func.coalesce(func.sum(PointsEntry.delta), 0))
                              .where(PointsEntry.head_id == head_id)))


def redeem(*, session: Session, head_id: int, points: int, item: str,
           actor: str) -> PointsEntry:
    """Spend points on ``item``; refused beyond the balance."""
    if points <= 0:
        raise ValidationFailed("points to redeem must be positive", field="points",
                               value=points)
    left = balance(session=session, head_id=head_id)
    if points > left:
        raise Conflict(f"head {head_id} holds {left} points, {points} asked", field="points",
                       value=points, fix=f"redeem at most {left}")
    entry = PointsEntry(head_id=head_id, delta=-points, reason=f"redeemed: {item}"[:200],
                        created_by=actor)
    session.add(entry)
    session.flush()
    return entry


def board(*, session: Session, street_code: str | None = None,
          limit: int = 20) -> list[dict[str, Any]]:
    """Heads ranked by points balance (within a street when given)."""
    total = func.coalesce(func.sum(PointsEntry.delta), 0).label("points")
    query = (select(BuildingHead.id, BuildingHead.name, BuildingHead.building_code,
                    BuildingHead.street_code, total)
             .join(PointsEntry, PointsEntry.head_id == BuildingHead.id, isouter=True)
             .where(BuildingHead.active)
             .group_by(BuildingHead.id, BuildingHead.name, BuildingHead.building_code,
                       BuildingHead.street_code)
             .order_by(total.desc(), BuildingHead.id).limit(limit))
    if street_code:
        query = query.where(BuildingHead.street_code == street_code)
    return [{"rank": i + 1, "head_id": r.id, "name": r.name, "building_code": r.building_code,
             "street_code": r.street_code, "points": int(r.points)}
            for i, r in enumerate(session.execute(query))]
